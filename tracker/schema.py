"""The database schema, as versioned migrations (sqlite-utils ``Migrations``).

Each migration runs once per database, in order; a database written by a newer tracker
(a migration unknown here) is refused by the store. Plain tables with foreign keys, one
view (``mention_rows``) and per-day count tables kept by triggers, so that sqlite-utils
and Datasette users can explore the file and `stats` stays fast.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from tracker import pairs
from tracker.counting import (
    COUNT_DIMENSIONS,
    ROLLUP_PERIODS,
    count_in,
    count_triggers,
    document_total_triggers,
    rollup_triggers,
    trigger,
)

migrations = Migrations("tracker")
# The view as migrations m002 and m004 made it; m006 redefines it (MENTION_ROWS).
MENTION_ROWS_V1 = """
    CREATE VIEW mention_rows AS
    SELECT d.published_at, d.source, d.url, d.title,
           e.name AS entity, e.type AS entity_type, p.name AS party,
           m.surface, m.sentence, d.lang,
           m.id AS mention_id, m.document_id, m.entity_id, m.party_id, m.rule,
           m.start, m."end", d.duplicate_of, m.position, m.method, m.confidence
    FROM mentions m
    JOIN documents d ON d.id = m.document_id
    JOIN entities e ON e.id = m.entity_id
    LEFT JOIN entities p ON p.id = m.party_id
"""


@migrations()
def m001_initial(db: Database) -> None:
    db["sources"].create({
        "name": str, "kind": str, "location": str, "interval_s": float, "lang": str,
        "last_fetch_at": str, "last_status": str, "last_error": str, "last_success_at": str,
        "last_new_at": str, "consecutive_failures": int, "next_run_at": str,
    }, pk="name", not_null={"kind"}, defaults={"consecutive_failures": 0})
    db["entities"].create({
        "id": str, "name": str, "type": str, "country": str, "wikidata": str,
        "aliases": str, "surname": str, "kb_version": str,
    }, pk="id", not_null={"name", "type"})
    db["affiliations"].create({
        "politician_id": str, "party_id": str, "start": str, "end": str,
    }, foreign_keys=[("politician_id", "entities", "id"), ("party_id", "entities", "id")])
    db["documents"].create({
        "id": str, "source": str, "url": str, "title": str, "author": str,
        "published_at": str, "date_source": str, "lang": str, "text": str, "text_hash": str,
        "fetched_at": str, "duplicate_of": str, "kb_version": str, "tagger_version": str,
    }, pk="id", not_null={"source", "url", "published_at", "text_hash"},
        foreign_keys=[("source", "sources", "name")])
    db["mentions"].create({
        "id": str, "document_id": str, "entity_id": str, "party_id": str, "surface": str,
        "start": int, "end": int, "sentence": str, "rule": str,
    }, pk="id", not_null={"document_id", "entity_id", "surface"},
        foreign_keys=[("document_id", "documents", "id"), ("entity_id", "entities", "id"),
                      ("party_id", "entities", "id")])
    db["fetches"].create({
        "id": int, "source": str, "url": str, "status": int, "outcome": str, "bytes": int,
        "duration_ms": int, "error": str, "fetched_at": str,
    }, pk="id")
    db["http_cache"].create({
        "url": str, "etag": str, "last_modified": str, "checked_at": str,
    }, pk="url")
    db["documents"].create_index(["url"])
    db["documents"].create_index(["text_hash"])
    db["documents"].create_index(["published_at"])
    db["documents"].create_index(["source", "published_at"])
    db["mentions"].create_index(["document_id"])
    db["mentions"].create_index(["party_id", "document_id"])
    db["mentions"].create_index(["entity_id", "document_id"])
    db["fetches"].create_index(["source", "fetched_at"])
    db["affiliations"].create_index(["politician_id"])


@migrations()
def m002_near_duplicates(db: Database) -> None:
    """MinHash bands per document, so a copy of an agency dispatch finds its first copy."""
    db["document_bands"].create({"band": int, "document_id": str},
                                foreign_keys=[("document_id", "documents", "id")])
    db["document_bands"].create_index(["band"])
    db.execute("DROP VIEW IF EXISTS mention_rows")
    db.execute(MENTION_ROWS_V1)


@migrations()
def m003_seen_urls(db: Database) -> None:
    """Feed links whose page named another canonical URL: known, so never fetched again."""
    db["seen_urls"].create({"url": str, "document_id": str}, pk="url",
                           foreign_keys=[("document_id", "documents", "id")])


@migrations()
def m004_mention_details(db: Database) -> None:
    """Where each mention stands, how it was linked, how sure, and by which KB and tagger."""
    for column in ("position", "method", "kb_version", "tagger_version"):
        db["mentions"].add_column(column, str)
    db["mentions"].add_column("confidence", float)
    db["mentions"].create_index(["position"])
    db.execute("DROP VIEW IF EXISTS mention_rows")
    db.execute(MENTION_ROWS_V1)


@migrations()
def m005_candidates(db: Database) -> None:
    """Names the model finds that the KB lacks, counted, so users can add new figures."""
    db["candidates"].create({"name": str, "label": str, "count": int, "first_seen": str,
                             "last_seen": str, "example": str, "example_url": str},
                            pk=("name", "label"))
    db["candidates"].create_index(["count"])


MENTION_ROWS = """
    CREATE VIEW mention_rows AS
    SELECT m.published_at, d.source, d.url, d.title,
           e.name AS entity, e.type AS entity_type, p.name AS party,
           m.surface, m.sentence, d.lang,
           m.id AS mention_id, m.document_id, m.entity_id, m.party_id, m.rule,
           m.start, m."end", d.duplicate_of, m.position, m.method, m.confidence
    FROM mentions m
    JOIN documents d ON d.id = m.document_id
    JOIN entities e ON e.id = m.entity_id
    LEFT JOIN entities p ON p.id = m.party_id
"""
@migrations()
def m006_reports(db: Database) -> None:
    """What reports need at a million mentions: each mention's date beside it (newest
    mentions of a party by index), daily counts kept by triggers, and a full-text index
    of documents that ignores case and accents."""
    db["mentions"].add_column("published_at", str)
    db.execute("UPDATE mentions SET published_at = (SELECT d.published_at FROM documents d "
               "WHERE d.id = mentions.document_id)")
    db["mentions"].create_index(["party_id", "published_at"])
    db["mentions"].create_index(["entity_id", "published_at"])
    db["mentions"].create_index(["published_at"])
    db.execute("DROP VIEW IF EXISTS mention_rows")
    db.execute(MENTION_ROWS)
    db.execute("""CREATE TABLE mention_counts (
        dimension TEXT NOT NULL, day TEXT NOT NULL, key TEXT NOT NULL,
        mentions INTEGER NOT NULL, originals INTEGER NOT NULL,
        PRIMARY KEY (dimension, day, key)) WITHOUT ROWID""")
    for made in count_triggers():
        db.execute(made)
    for dimension, key in COUNT_DIMENSIONS.items():
        key = key.format(row="m")
        db.execute(
            f"INSERT INTO mention_counts SELECT '{dimension}', substr(m.published_at, 1, 10), "
            f"{key}, count(*), sum(d.duplicate_of IS NULL) FROM mentions m JOIN documents d "
            f"ON d.id = m.document_id WHERE {key} IS NOT NULL GROUP BY 1, 2, 3")
    db["documents"].enable_fts(["title", "text"], fts_version="FTS5", create_triggers=True,
                               tokenize="unicode61 remove_diacritics 2")


@migrations()
def m007_discovered(db: Database) -> None:
    """People the KB lacks, introduced in a text with an office: entities marked
    discovered (1) until a user accepts them into a KB file; and which entities come from
    the open-data layer (a hand-kept one wins a name they share)."""
    db["entities"].add_column("discovered", int, not_null_default=0)
    db["entities"].add_column("builtin", int, not_null_default=0)  # the open-data layer


@migrations()
def m008_alerts(db: Database) -> None:
    """The alert outbox (one row per alert and target, written in the same transaction as
    what triggers it), and each rule's state (a spike under way, the last digest)."""
    db["alert_outbox"].create({
        "id": str, "target": str, "rule": str, "trigger": str, "payload": str,
        "created_at": str, "status": str, "attempts": int, "next_attempt_at": str,
        "last_error": str, "sent_at": str,
    }, pk=("id", "target"), not_null={"rule", "trigger", "payload", "created_at", "status"},
        defaults={"status": "pending", "attempts": 0})
    db["alert_outbox"].create_index(["status", "next_attempt_at"])
    db["alert_outbox"].create_index(["rule", "created_at"])
    db["alert_state"].create({"rule": str, "spike_since": str, "spike_last": str,
                              "last_digest": str}, pk="rule")


@migrations()
def m009_cheaper_writes(db: Database) -> None:
    """What each stored mention costs, cut by two thirds.

    Counting a stored document's mentions takes one grouped statement per dimension: while
    ``counts_paused`` holds a row (only ever inside the store's own write transaction),
    the per-mention insert trigger stands aside; any other insert (a user's script) still
    counts mention by mention. And two indexes go: (party_id, document_id) and
    (entity_id, document_id) serve nothing that (party_id, published_at),
    (entity_id, published_at) and (document_id) do not; (position) served only a
    ``--position`` filter with no party, person or date to narrow it, which now reads the
    mentions as ``--lang`` and ``--source`` do. Each of the three cost every insert."""
    db.execute("CREATE TABLE counts_paused (paused INTEGER PRIMARY KEY)")
    db.execute("DROP TRIGGER mentions_count_insert")
    db.execute(trigger("mentions_count_insert", "AFTER INSERT ON mentions "
                       "WHEN NOT EXISTS (SELECT 1 FROM counts_paused)", count_in("NEW")))
    db.execute("DROP INDEX IF EXISTS idx_mentions_party_id_document_id")
    db.execute("DROP INDEX IF EXISTS idx_mentions_entity_id_document_id")
    db.execute("DROP INDEX IF EXISTS idx_mentions_position")


# The view as m010 makes it: each mention's review verdict beside it, and the mentions
# read first (CROSS JOIN fixes the order), so the newest mentions come by the
# published_at index and a LIMIT stops early: left to itself, SQLite started from the
# entities and sorted all the mentions (3.8 s for the newest 50 of a million).
MENTION_ROWS_V3 = """
    CREATE VIEW mention_rows AS
    SELECT m.published_at, d.source, d.url, d.title,
           e.name AS entity, e.type AS entity_type, p.name AS party,
           m.surface, m.sentence, d.lang,
           m.id AS mention_id, m.document_id, m.entity_id, m.party_id, m.rule,
           m.start, m."end", d.duplicate_of, m.position, m.method, m.confidence,
           r.verdict AS review
    FROM mentions m
    CROSS JOIN documents d ON d.id = m.document_id
    CROSS JOIN entities e ON e.id = m.entity_id
    LEFT JOIN entities p ON p.id = m.party_id
    LEFT JOIN reviews r ON r.mention_id = m.id AND r.entity_id = m.entity_id
"""


@migrations()
def m010_reviews(db: Database) -> None:
    """People's verdicts on mentions, and the rules made from them: "wrong" takes a
    mention out of every figure
    (mentions, exports, stats, reports; ``--raw`` shows it), "right" confirms it. A
    review names the mention (document and offsets) and the entity it was linked to, with
    no foreign key: `tracker retag` deletes and re-creates mentions, and the verdict
    applies again to the same span linked to the same entity. Counts stay raw in
    ``mention_counts``; the few wrong mentions are subtracted when figures are read."""
    db.execute("""CREATE TABLE reviews (
        mention_id TEXT NOT NULL, entity_id TEXT NOT NULL, document_id TEXT NOT NULL,
        surface TEXT, verdict TEXT NOT NULL CHECK (verdict IN ('right', 'wrong')),
        reason TEXT, correct_entity TEXT, reviewer TEXT, reviewed_at TEXT NOT NULL,
        PRIMARY KEY (mention_id, entity_id)) WITHOUT ROWID""")
    db.execute("CREATE INDEX idx_reviews_verdict ON reviews (verdict, reviewed_at)")
    # Rules made from reviews (tracker.rules), applied to each document's mentions as the
    # store writes them. AUTOINCREMENT: an id is never reused, so (count, max id) tells
    # a writer that the rules changed.
    db.execute("""CREATE TABLE rules (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('not-entity', 'not-mention')),
        text TEXT NOT NULL, entity_id TEXT, source TEXT, reason TEXT, made_from TEXT,
        reviewer TEXT, created_at TEXT NOT NULL)""")
    db.execute("DROP VIEW IF EXISTS mention_rows")
    db.execute(MENTION_ROWS_V3)


@migrations()
def m011_rollups(db: Database) -> None:
    """Weekly and monthly sums of ``mention_counts``, kept by triggers on that table (so
    every way a daily count changes moves them too). A year of politicians by week, or
    the whole window by key, reads 52 or 12 rows a key instead of 365: the dashboard's
    year-long figures over a million mentions took over a second."""
    db.execute("""CREATE TABLE mention_rollups (
        grain TEXT NOT NULL, dimension TEXT NOT NULL, period TEXT NOT NULL, key TEXT NOT NULL,
        mentions INTEGER NOT NULL, originals INTEGER NOT NULL,
        PRIMARY KEY (grain, dimension, period, key)) WITHOUT ROWID""")
    for grain, period in ROLLUP_PERIODS.items():
        db.execute(
            f"INSERT INTO mention_rollups SELECT '{grain}', dimension, "
            f"{period.format(day='day')}, key, sum(mentions), sum(originals) "
            "FROM mention_counts GROUP BY 2, 3, 4")
    for made in rollup_triggers():
        db.execute(made)


@migrations()
def m012_pairs(db: Database) -> None:
    """Co-mentions counted per day as documents are stored (``tracker.pairs``): an
    entity's page read every mention of every document naming it."""
    pairs.create(db)


@migrations()
def m013_window_index(db: Database) -> None:
    """The cards of the report and the dashboard count a window's documents, copies and
    sources from an index alone: through the index on ``published_at`` SQLite read a
    year's 50,000 document rows, texts and all (0.1 s). The new index extends that one,
    which goes, so storing a document costs no more."""
    db["documents"].create_index(["published_at", "source", "duplicate_of"])
    db.execute("DROP INDEX IF EXISTS idx_documents_published_at")


@migrations()
def m014_document_totals(db: Database) -> None:
    """Each document's number of mentions, kept by triggers (and by the store, once a
    document): a search's total is then a sum over the documents found. Counting the
    mentions of a word most documents hold read 870,000 of them (0.18 s); the sum reads
    87,000 rows (0.02 s)."""
    # Keyed by the document's rowid, as the full-text index is: a search's documents
    # are summed without reading their rows.
    db.execute("CREATE TABLE document_mentions (document INTEGER PRIMARY KEY, "
               "mentions INTEGER NOT NULL)")
    db.execute("INSERT INTO document_mentions SELECT d.rowid, count(*) FROM mentions m "
               "JOIN documents d ON d.id = m.document_id GROUP BY d.rowid")
    for made in document_total_triggers():
        db.execute(made)


@migrations()
def m015_key_days(db: Database) -> None:
    """The daily counts by key, then day: the keys a window holds are then one probe per
    entity of a type. Telling every politician with mentions over three years from the
    roll-ups read 185,000 (month, person) rows through one ``DISTINCT`` (100 to 260 ms,
    most of the first rows of a bulk download); through this index, 50 to 90 ms. With
    ``mentions`` in it a probe reads no table row. Storing 2,000 pages into a copy of the
    million-mention database took 4.65 to 4.93 ms a page with it, 4.47 to 4.74 without
    (``bench/saving.py --into``: within that script's noise)."""
    db.execute("CREATE INDEX idx_mention_counts_key "
               "ON mention_counts (dimension, key, day, mentions)")


@migrations()
def m016_entity_surfaces(db: Database) -> None:
    """The index of an entity's mentions by date carries their surface too (it replaces
    the one without): a name rule's preview counts the entity's mentions per surface
    from the index alone. For the most mentioned politician of a million mentions
    (66,000), 36 to 41 ms against 207 to 221 ms reading each mention's row."""
    db.execute("CREATE INDEX idx_mentions_entity_id_published_at_surface "
               "ON mentions (entity_id, published_at, surface)")
    db.execute("DROP INDEX IF EXISTS idx_mentions_entity_id_published_at")


@migrations()
def m017_failed_links(db: Database) -> None:
    """Feed links that failed for good (gone, or not text): not asked again for a week.
    Every pass of a feed that changed fetched its PDFs and dead links again, each with a
    warning."""
    db.execute("CREATE TABLE failed_links (url TEXT PRIMARY KEY, reason TEXT NOT NULL, "
               "failed_at TEXT NOT NULL)")


@migrations()
def m018_collected_index(db: Database) -> None:
    """Documents by the time they were collected: spike and digest alerts read their
    windows by it (an article dated by its day alone was never in "the last hour")."""
    db.execute("CREATE INDEX idx_documents_fetched_at ON documents (fetched_at)")


@migrations()
def m019_outbox_targets_without_tokens(db: Database) -> None:
    """The outbox kept each webhook's URL whole, the token of its path or query with it:
    a copy of the database carried it. Each is kept as its host and a digest of the URL
    (``stored_target``), by which the dispatcher finds it in the config."""
    from tracker.alerts.rules import stored_target

    db.execute("PRAGMA secure_delete = ON")  # the old rows' bytes are overwritten too
    for (target,) in db.execute("SELECT DISTINCT target FROM alert_outbox WHERE target "
                                "NOT LIKE 'mailto:%'").fetchall():
        db.execute("UPDATE alert_outbox SET target = ? WHERE target = ?",
                   [stored_target(target), target])



@migrations()
def m020_skipped_files(db: Database) -> None:
    """Files of a folder that gave no document (too large, empty, no text): each pass read
    them again and warned again. Kept with their size and time, they are passed over
    quietly until they change."""
    db.execute("CREATE TABLE skipped_files (url TEXT PRIMARY KEY, stamp TEXT NOT NULL, "
               "reason TEXT NOT NULL, skipped_at TEXT NOT NULL)")
