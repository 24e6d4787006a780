"""Co-mentions and sources counted per document and day (tables ``pair_counts`` and
``source_counts``, migration m012).

For each day, each two entities named in one document (``entity``: by the entity itself;
``party``: by the party a mention counts for) and in how many of its sentences, with the
same two figures for original documents (not copies); and each key's mentions per source.
Each pair is kept both ways round, so one entity's partners over a window are one range
of the primary key: an entity's page read every mention of every document naming it (2 s
for the most mentioned party of a million mentions; 50 ms from here).

Counting pairs is quadratic in the keys a document names (15 people make 210 rows): done
as each document is stored it cost the daemon's main process 4.8 ms a page, doubling it.
So the table covers the documents up to ``pair_progress.upto`` (a rowid), which
``catch_up`` moves forward in batches, out of the daemon: `tracker serve` runs it in the
background. Readers count the documents past it from their mentions (tracker.figures).

Two mentions pair up when they share a document and a day (the store gives a document's
mentions its date, so that is the document). A covered document's pairs are recounted
whole on any change, by triggers (subtracted before, added after) or by the store around a
retag; a document past ``upto`` is left alone until it is caught up. Rowids of documents
are stable (none is ever deleted), as the full-text index already relies on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlite_utils import Database

from tracker.counting import trigger

KINDS = {"party": "m.party_id", "entity": "m.entity_id"}
DAY = "substr(coalesce(m.published_at, d.published_at), 1, 10)"
NO_SENTENCE = "char(1)"  # mentions without a sentence share one, as tracker.figures does
SHARED = "count(DISTINCT CASE WHEN x.s = y.s THEN x.s END)"  # sentences naming x and y
# Adding rows counted in (a document's, or a batch's) to the kept ones.
PAIRS_UPSERT = ("ON CONFLICT (kind, a, day, b) DO UPDATE SET "
                "sentences = sentences + excluded.sentences, "
                "documents = documents + excluded.documents, "
                "original_sentences = original_sentences + excluded.original_sentences, "
                "originals = originals + excluded.originals")
SOURCES_UPSERT = ("ON CONFLICT (kind, key, day, source) DO UPDATE SET "
                  "mentions = mentions + excluded.mentions, "
                  "originals = originals + excluded.originals")


def _named(key: str) -> str:
    """Each mention's day, key, sentence and whether its document is an original."""
    return (f"{DAY} AS day, {key} AS k, coalesce(m.sentence, {NO_SENTENCE}) AS s, "
            "d.duplicate_of IS NULL AS o")


def _pairs(key: str, doc: str, when: str = "") -> str:
    """Rows (day, a, b, n: sentences naming both, o: the document is an original) of
    document ``doc``'s pairs, both ways round. SQLite allows no WITH in a trigger, hence
    the subquery written twice."""
    named = (f"(SELECT DISTINCT {_named(key)} FROM mentions m JOIN documents d "
             f"ON d.id = m.document_id WHERE m.document_id = {doc} AND {key} IS NOT NULL"
             f" AND d.rowid <= (SELECT upto FROM pair_progress){when})")
    return (f"SELECT x.day AS day, x.k AS a, y.k AS b, {SHARED} AS n, max(x.o) AS o "
            f"FROM {named} AS x JOIN {named} AS y ON y.day = x.day AND y.k != x.k "
            "GROUP BY 1, 2, 3")


def _add(kind: str, doc: str, when: str = "") -> str:
    return (f"INSERT INTO pair_counts (kind, a, day, b, sentences, documents, "
            f"original_sentences, originals) SELECT '{kind}', a, day, b, n, 1, n * o, o "
            f"FROM ({_pairs(KINDS[kind], doc, when)}) WHERE true {PAIRS_UPSERT};")


def _subtract(kind: str, doc: str, when: str = "") -> str:
    return (f"UPDATE pair_counts SET sentences = sentences - x.n, documents = documents - 1, "
            f"original_sentences = original_sentences - x.n * x.o, originals = originals - x.o "
            f"FROM ({_pairs(KINDS[kind], doc, when)}) AS x "
            f"WHERE pair_counts.kind = '{kind}' AND pair_counts.a = x.a "
            "AND pair_counts.day = x.day AND pair_counts.b = x.b;")


def _sources(key: str, doc: str, when: str = "") -> str:
    """Rows (day, k, src, n: mentions, o) of document ``doc``'s mentions per key."""
    return (f"SELECT {DAY} AS day, {key} AS k, d.source AS src, count(*) AS n, "
            f"max(d.duplicate_of IS NULL) AS o FROM mentions m JOIN documents d "
            f"ON d.id = m.document_id WHERE m.document_id = {doc} AND {key} IS NOT NULL"
            f" AND d.rowid <= (SELECT upto FROM pair_progress){when} GROUP BY 1, 2")


def _add_sources(kind: str, doc: str, when: str = "") -> str:
    return (f"INSERT INTO source_counts (kind, key, day, source, mentions, originals) "
            f"SELECT '{kind}', k, day, src, n, n * o FROM ({_sources(KINDS[kind], doc, when)})"
            f" WHERE true {SOURCES_UPSERT};")


def _subtract_sources(kind: str, doc: str, when: str = "") -> str:
    return (f"UPDATE source_counts SET mentions = mentions - x.n, "
            f"originals = originals - x.n * x.o FROM ({_sources(KINDS[kind], doc, when)}) AS x "
            f"WHERE source_counts.kind = '{kind}' AND source_counts.key = x.k "
            "AND source_counts.day = x.day AND source_counts.source = x.src;")


def _in(doc: str, when: str = "") -> list[str]:
    return [f(kind, doc, when) for kind in KINDS for f in (_add, _add_sources)]


def _out(doc: str, when: str = "") -> list[str]:
    return [f(kind, doc, when) for kind in KINDS for f in (_subtract, _subtract_sources)]


def document_in() -> list[str]:
    """Statements counting document ``?1``'s pairs and sources in, if covered (the
    store, after a retag)."""
    return _in("?1")


def document_out() -> list[str]:
    """Statements counting document ``?1``'s pairs and sources out, if covered (before
    a retag)."""
    return _out("?1")


def triggers() -> list[str]:
    """Every other change recounts the documents it touches: out before, in after (an
    UPDATE OR IGNORE that a constraint stops would leave a document counted out; nothing
    in tracker does one). INSERT OR REPLACE deletes the old row without its triggers, as
    for the daily counts (SQLite's recursive_triggers is off)."""
    idle = "WHEN NOT EXISTS (SELECT 1 FROM counts_paused)"
    moved = " AND NEW.document_id IS NOT OLD.document_id"  # an edit moved it elsewhere
    edited = "document_id, entity_id, party_id, published_at, sentence"
    return [
        # After the insert alone: a BEFORE INSERT trigger also fires for a row that
        # INSERT OR IGNORE or an upsert then does not insert. Out: the document without
        # the new row; in: with it.
        trigger("pairs_insert", f"AFTER INSERT ON mentions {idle}",
                 _out("NEW.document_id", " AND m.rowid != NEW.rowid")
                 + _in("NEW.document_id")),
        trigger("pairs_delete_before", f"BEFORE DELETE ON mentions {idle}",
                 _out("OLD.document_id")),
        trigger("pairs_delete_after", f"AFTER DELETE ON mentions {idle}",
                 _in("OLD.document_id")),
        trigger("pairs_update_before", f"BEFORE UPDATE OF {edited} ON mentions",
                 _out("OLD.document_id") + _out("NEW.document_id", moved)),
        trigger("pairs_update_after", f"AFTER UPDATE OF {edited} ON mentions",
                 _in("OLD.document_id") + _in("NEW.document_id", moved)),
        trigger("pairs_document_before", "BEFORE UPDATE OF duplicate_of, published_at, "
                 "source ON documents", _out("OLD.id")),
        trigger("pairs_document_after", "AFTER UPDATE OF duplicate_of, published_at, "
                 "source ON documents", _in("NEW.id")),
    ]


def create(db: Database) -> None:
    """The table, covering no document yet, and the triggers."""
    db.execute("""CREATE TABLE pair_counts (
        kind TEXT NOT NULL, a TEXT NOT NULL, day TEXT NOT NULL, b TEXT NOT NULL,
        sentences INTEGER NOT NULL, documents INTEGER NOT NULL,
        original_sentences INTEGER NOT NULL, originals INTEGER NOT NULL,
        PRIMARY KEY (kind, a, day, b)) WITHOUT ROWID""")
    db.execute("""CREATE TABLE source_counts (
        kind TEXT NOT NULL, key TEXT NOT NULL, day TEXT NOT NULL, source TEXT NOT NULL,
        mentions INTEGER NOT NULL, originals INTEGER NOT NULL,
        PRIMARY KEY (kind, key, day, source)) WITHOUT ROWID""")
    db.execute("CREATE TABLE pair_progress (upto INTEGER NOT NULL)")
    db.execute("INSERT INTO pair_progress (upto) VALUES (0)")
    for made in triggers():
        db.execute(made)


def covered(db: Database) -> int:
    """The last document rowid whose pairs the table holds."""
    return db.execute("SELECT upto FROM pair_progress").fetchone()[0]


def catch_up(db: Database, batch: int = 1000) -> int:
    """Count the pairs of up to ``batch`` documents past the covered ones, in the
    caller's write transaction, through temporary tables (a million mentions take
    about 40 s in all). Returns how many documents it covered."""
    upto = covered(db)
    rows = db.execute("SELECT count(*), max(rowid) FROM (SELECT rowid FROM documents "
                      "WHERE rowid > ? ORDER BY rowid LIMIT ?)", [upto, batch]).fetchone()
    if not rows[0]:
        return 0
    db.execute("UPDATE pair_progress SET upto = ?", [rows[1]])
    for kind, key in KINDS.items():
        db.execute("DROP TABLE IF EXISTS temp.pair_named")
        db.execute(f"CREATE TEMP TABLE pair_named AS SELECT DISTINCT m.document_id AS doc, "
                   f"{_named(key)} FROM documents d JOIN mentions m "
                   f"ON m.document_id = d.id WHERE d.rowid > ? AND d.rowid <= ? "
                   f"AND {key} IS NOT NULL", [upto, rows[1]])
        db.execute("CREATE INDEX temp.pair_named_doc ON pair_named (doc, day, k)")
        db.execute(
            f"INSERT INTO pair_counts SELECT '{kind}', a, day, b, sum(n), count(*), "
            f"sum(n * o), sum(o) FROM (SELECT x.doc, x.day AS day, x.k AS a, y.k AS b, "
            f"{SHARED} AS n, max(x.o) AS o "
            "FROM pair_named x JOIN pair_named y ON y.doc = x.doc AND y.day = x.day "
            "AND y.k != x.k GROUP BY x.doc, x.day, x.k, y.k) WHERE true GROUP BY a, day, b "
            + PAIRS_UPSERT)
        db.execute("DROP TABLE temp.pair_named")
        db.execute(
            f"INSERT INTO source_counts SELECT '{kind}', {key}, {DAY}, d.source, count(*), "
            "sum(d.duplicate_of IS NULL) FROM documents d JOIN mentions m "
            f"ON m.document_id = d.id WHERE d.rowid > ? AND d.rowid <= ? AND {key} IS NOT NULL "
            f"GROUP BY 2, 3, 4 {SOURCES_UPSERT}", [upto, rows[1]])
    return rows[0]


BATCH = 200  # documents a transaction: other writers wait up to about half a second


def cover(store, stop: threading.Event | None = None, batch: int = BATCH,
          go_on: Callable[[], bool] | None = None) -> int:
    """Count the pairs of every document stored so far, ``batch`` documents a
    transaction (of ``store``, a ``tracker.store.Store``), until none is left, ``stop``
    is set or ``go_on()`` says no after a batch; how many it covered."""
    total = 0
    while stop is None or not stop.is_set():
        with store.write() as db:
            done = catch_up(db, batch=batch)
        total += done
        if not done or (go_on is not None and not go_on()):
            break
    return total
