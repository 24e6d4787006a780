"""The SQL that keeps the counts: the triggers that move the daily counts, their weekly
and monthly roll-ups and each document's total as mentions come, go or change, and what
the store does instead (tracker.schema's migrations install the triggers; tracker.store
sums each transaction's new documents in ``PendingCounts``, and a retagged document's
counts with ``document_counts``)."""

from __future__ import annotations

from collections.abc import Iterable

from tracker.sqlrows import insert_many

# Daily counts per dimension, kept by triggers as mentions come, go or change, so trends
# over a year of a million mentions read a few thousand rows. A mention counts on the day
# of its own ``published_at``; ``originals`` leaves out mentions in documents that copy an
# earlier one (``duplicate_of``). Keys: {row} is the mention (NEW or OLD), d its document.
COUNT_DIMENSIONS = {
    "entity": "{row}.entity_id", "party": "{row}.party_id", "source": "d.source",
    "lang": "coalesce(d.lang, '')",
}


def count_in(row: str) -> list[str]:
    """Statements counting the mention ``row`` (NEW or OLD) in, one per dimension."""
    out = []
    for dimension, key in COUNT_DIMENSIONS.items():
        key = key.format(row=row)
        out.append(
            f"INSERT INTO mention_counts (dimension, day, key, mentions, originals) "
            f"SELECT '{dimension}', substr(coalesce({row}.published_at, d.published_at), 1, 10),"
            f" {key}, 1, d.duplicate_of IS NULL FROM documents d "
            f"WHERE d.id = {row}.document_id AND {key} IS NOT NULL "
            "ON CONFLICT (dimension, day, key) DO UPDATE SET mentions = mentions + 1, "
            "originals = originals + excluded.originals;")
    return out


def count_out(row: str) -> list[str]:
    """Statements counting the mention ``row`` out, one per dimension."""
    out = []
    for dimension, key in COUNT_DIMENSIONS.items():
        key = key.format(row=row)
        out.append(
            f"UPDATE mention_counts SET mentions = mentions - 1, originals = originals - "
            f"(SELECT d.duplicate_of IS NULL FROM documents d WHERE d.id = {row}.document_id) "
            f"WHERE dimension = '{dimension}' AND (day, key) = (SELECT "
            f"substr(coalesce({row}.published_at, d.published_at), 1, 10), {key} "
            f"FROM documents d WHERE d.id = {row}.document_id);")
    return out


def _document_counts(doc: str, sign: str, mentions: str = "") -> list[str]:
    """Statements moving all of document ``doc``'s mentions in (+) or out (-) of the
    counts, for an edit of the document's source, language or copy status; ``mentions``
    says which mentions when ``doc`` is not a trigger's row (default: ``doc``'s)."""
    mentions = mentions or f"FROM mentions m WHERE m.document_id = {doc}.id"
    out = []
    for dimension, key in COUNT_DIMENSIONS.items():
        key = key.format(row="m").replace("d.", f"{doc}.")
        grouped = (f"SELECT substr(coalesce(m.published_at, {doc}.published_at), 1, 10) AS day,"
                   f" {key} AS key, count(*) AS n, "
                   f"count(*) * ({doc}.duplicate_of IS NULL) AS o {mentions} "
                   f"AND {key} IS NOT NULL GROUP BY 1, 2")
        if sign == "+":
            out.append(f"INSERT INTO mention_counts (dimension, day, key, mentions, originals) "
                       f"SELECT '{dimension}', day, key, n, o FROM ({grouped}) WHERE true "
                       "ON CONFLICT (dimension, day, key) DO UPDATE SET "
                       "mentions = mentions + excluded.mentions, "
                       "originals = originals + excluded.originals;")
        else:
            out.append(f"UPDATE mention_counts SET mentions = mentions - x.n, "
                       f"originals = originals - x.o FROM ({grouped}) AS x "
                       f"WHERE mention_counts.dimension = '{dimension}' "
                       "AND mention_counts.day = x.day AND mention_counts.key = x.key;")
    return out


def trigger(name: str, when: str, statements: list[str]) -> str:
    return f"CREATE TRIGGER {name} {when} BEGIN\n" + "\n".join(statements) + "\nEND"


def document_counts() -> list[str]:
    """Statements counting every mention of document ``?`` in at once, one per dimension,
    and its total (m014): a retag inserts a document's mentions with counting paused
    (m009), then runs these (five statements a document instead of five a mention). New
    documents are counted by ``PendingCounts``, to the same figures."""
    return [*_document_counts("d", "+", "FROM mentions m JOIN documents d "
                                        "ON d.id = m.document_id WHERE m.document_id = ?"),
            DOCUMENT_TOTAL]


# A document's mentions counted afresh (after a retag too, whose deletes counted out).
DOCUMENT_TOTAL = ("INSERT INTO document_mentions (document, mentions) SELECT d.rowid, "
                  "(SELECT count(*) FROM mentions m WHERE m.document_id = d.id) FROM "
                  "documents d WHERE d.id = ?1 ON CONFLICT (document) DO UPDATE "
                  "SET mentions = excluded.mentions")


class PendingCounts:
    """The daily counts and totals of the documents stored in one transaction, summed here
    and written once before it commits: the same figures as ``document_counts`` run after
    each document (tests/test_store.py compares both), in one upsert per (dimension, day, key)
    instead of five grouped reads of each document's mentions. Twenty documents of one
    day name the same parties, source and language again and again; each upsert also
    moves the weekly and monthly roll-ups by trigger. Keys as ``COUNT_DIMENSIONS``."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, str], list[int]] = {}
        self._totals: list[tuple[int, int]] = []

    def add(self, document: int, *, source: str, lang: str | None, published: str,
            original: bool, keys: Iterable[tuple[str, str | None]]) -> None:
        """A stored document (its rowid) and its mentions' (entity, party) ids; every
        mention in it is dated ``published`` (an ISO timestamp)."""
        day, one = published[:10], int(original)
        counts, n = self._counts, 0
        for entity, party in keys:
            n += 1
            for dimension, key in (("entity", entity), ("party", party)):
                if key is not None:
                    row = counts.get((dimension, day, key))
                    if row is None:
                        counts[dimension, day, key] = [1, one]
                    else:
                        row[0] += 1
                        row[1] += one
        if not n:
            return
        for dimension, key in (("source", source), ("lang", lang or "")):
            row = counts.setdefault((dimension, day, key), [0, 0])
            row[0] += n
            row[1] += n * one
        self._totals.append((document, n))

    def write(self, conn) -> None:
        """Into the database, inside the transaction that stored the documents."""
        # Each row moves the weekly and monthly roll-ups by trigger: few statements.
        insert_many(conn, "INSERT INTO mention_counts (dimension, day, key, mentions, "
                    "originals)", [(*key, n, o) for key, (n, o) in self._counts.items()],
                    "ON CONFLICT (dimension, day, key) DO UPDATE SET "
                    "mentions = mentions + excluded.mentions, "
                    "originals = originals + excluded.originals")
        insert_many(conn, "INSERT INTO document_mentions (document, mentions)", self._totals,
                    "ON CONFLICT (document) DO UPDATE SET mentions = excluded.mentions")
        self.clear()

    def clear(self) -> None:
        """Forget them: the transaction (or savepoint) that stored them is undone."""
        self._counts = {}
        self._totals = []


def document_total_triggers() -> list[str]:
    row = "(SELECT rowid FROM documents WHERE id = {row}.document_id)"
    plus = (f"INSERT INTO document_mentions (document, mentions) SELECT r, 1 FROM (SELECT "
            f"{row} AS r) WHERE r IS NOT NULL "  # no such document: nothing to count
            "ON CONFLICT (document) DO UPDATE SET mentions = mentions + 1;")
    minus = f"UPDATE document_mentions SET mentions = mentions - 1 WHERE document = {row};"
    return [
        trigger("document_mentions_insert", "AFTER INSERT ON mentions WHEN NOT EXISTS "
                 "(SELECT 1 FROM counts_paused)", [plus.format(row="NEW")]),
        trigger("document_mentions_delete", "AFTER DELETE ON mentions",
                 [minus.format(row="OLD")]),
        trigger("document_mentions_update", "AFTER UPDATE OF document_id ON mentions",
                 [minus.format(row="OLD"), plus.format(row="NEW")]),
        trigger("document_mentions_gone", "AFTER DELETE ON documents",
                 ["DELETE FROM document_mentions WHERE document = OLD.rowid;"]),
    ]


def count_triggers() -> list[str]:
    counted = "document_id, entity_id, party_id, published_at"
    edited = "duplicate_of, source, lang"
    return [
        trigger("mentions_count_insert", "AFTER INSERT ON mentions", count_in("NEW")),
        trigger("mentions_count_delete", "AFTER DELETE ON mentions", count_out("OLD")),
        trigger("mentions_count_update", f"AFTER UPDATE OF {counted} ON mentions",
                count_out("OLD") + count_in("NEW")),
        trigger("documents_count_before", f"BEFORE UPDATE OF {edited} ON documents",
                _document_counts("OLD", "-")),
        trigger("documents_count_after", f"AFTER UPDATE OF {edited} ON documents",
                _document_counts("NEW", "+")),
    ]


# Weekly and monthly sums of the daily counts. Period keys are those of
# ``tracker.periods.period_of``: a week is its Monday, a month its first day.
ROLLUP_PERIODS = {
    "week": "date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')",
    "month": "substr({day}, 1, 8) || '01'",
}


def rollup_triggers() -> list[str]:
    def upsert(row: str, grain: str) -> str:
        return (f"INSERT INTO mention_rollups (grain, dimension, period, key, mentions, "
                f"originals) VALUES ('{grain}', {row}.dimension, "
                f"{ROLLUP_PERIODS[grain].format(day=row + '.day')}, {row}.key, "
                f"{row}.mentions, {row}.originals) "
                "ON CONFLICT (grain, dimension, period, key) DO UPDATE SET "
                "mentions = mentions + excluded.mentions, "
                "originals = originals + excluded.originals;")

    def add(grain: str, mentions: str, originals: str, row: str = "NEW") -> str:
        return (f"UPDATE mention_rollups SET mentions = mentions + ({mentions}), "
                f"originals = originals + ({originals}) WHERE grain = '{grain}' "
                f"AND dimension = {row}.dimension "
                f"AND period = {ROLLUP_PERIODS[grain].format(day=row + '.day')} "
                f"AND key = {row}.key;")

    same = "NEW.dimension = OLD.dimension AND NEW.day = OLD.day AND NEW.key = OLD.key"
    return [
        trigger("mention_rollups_insert", "AFTER INSERT ON mention_counts",
                 [upsert("NEW", g) for g in ROLLUP_PERIODS]),
        # The usual change: a day's count moves by a few (one statement a grain).
        trigger("mention_rollups_update", f"AFTER UPDATE ON mention_counts WHEN {same}",
                 [add(g, "NEW.mentions - OLD.mentions", "NEW.originals - OLD.originals")
                  for g in ROLLUP_PERIODS]),
        trigger("mention_rollups_move", f"AFTER UPDATE ON mention_counts WHEN NOT ({same})",
                 [add(g, "-OLD.mentions", "-OLD.originals", "OLD") for g in ROLLUP_PERIODS]
                 + [upsert("NEW", g) for g in ROLLUP_PERIODS]),
        trigger("mention_rollups_delete", "AFTER DELETE ON mention_counts",
                 [add(g, "-OLD.mentions", "-OLD.originals", "OLD") for g in ROLLUP_PERIODS]),
    ]
