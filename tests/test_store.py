"""An admin's story: the database upgrades itself once, refuses what it cannot read, and
stores a document with its mentions exactly once."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from tests.recount import counts_kept, counts_recount, rolled, rollup, totals_kept, totals_recount
from tracker.dedupe import fingerprint
from tracker.errors import TrackerError
from tracker.models import Article, Mention
from tracker.store import Store

WHEN = dt.datetime(2012, 4, 15, 8, 0, tzinfo=dt.timezone.utc)


def _article(url="https://journal.example/a", text="François Hollande et le PS."):
    return Article(source="s", url=url, text=text, lang="fr", published_at=WHEN,
                   date_source="feed", fetched_at=WHEN, title="T")


def _mentions():
    return [Mention("francois-hollande", "politician", "ps", "François Hollande", 0, 17,
                    "François Hollande et le PS.", "alias"),
            Mention("ps", "party", "ps", "PS", 24, 26, "François Hollande et le PS.", "alias")]


def test_migrations_run_once_and_wal_is_on(tmp_path):
    Store(tmp_path / "t.db").close()
    with Store(tmp_path / "t.db") as again:
        applied = list(again.db.query("SELECT name FROM _sqlite_migrations"))
        assert [r["name"] for r in applied] == ["m001_initial", "m002_near_duplicates",
                                              "m003_seen_urls", "m004_mention_details",
                                              "m005_candidates", "m006_reports",
                                              "m007_discovered", "m008_alerts",
                                              "m009_cheaper_writes", "m010_reviews",
                                              "m011_rollups", "m012_pairs",
                                              "m013_window_index",
                                              "m014_document_totals", "m015_key_days",
                                              "m016_entity_surfaces",
                                              "m017_failed_links",
                                              "m018_collected_index",
                                              "m019_outbox_targets_without_tokens",
                                              "m020_skipped_files"]
        assert again.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert {"documents", "mentions", "entities", "affiliations", "sources", "fetches",
                "http_cache"} <= set(again.db.table_names())
        assert "mention_rows" in again.db.view_names()


def test_document_and_mentions_are_stored_once(store):
    first = store.save(_article(), _mentions(), kb_version="k", tagger_version="t")
    assert first is not None
    assert store.save(_article(), _mentions(), kb_version="k", tagger_version="t") is None
    rows = list(store.db.query("SELECT entity, party, surface FROM mention_rows"))
    assert rows == [{"entity": "François Hollande", "party": "Parti socialiste",
                     "surface": "François Hollande"},
                    {"entity": "Parti socialiste", "party": "Parti socialiste",
                     "surface": "PS"}]
    # The same text at another address is stored, and linked to the first copy.
    copy = store.save(_article(url="https://autre.example/b"), _mentions(), kb_version="k",
                      tagger_version="t")
    dup = store.db.execute("SELECT duplicate_of FROM documents WHERE id = ?", [copy]).fetchone()
    assert dup[0] == first


DISPATCH = " ".join(f"Phrase {i} de la dépêche : le gouvernement présente le budget {i}."
                    for i in range(20))


def test_a_near_copy_is_found_right_away_and_after_a_restart(store, tmp_path):
    """The store keeps the shingles of the documents it stored last; a restarted store has
    none and reads the stored text: both find the copy, neither takes a mere neighbour."""
    first = store.save(_article(text=DISPATCH), [], kb_version="k", tagger_version="t")
    trimmed = DISPATCH.rsplit("Phrase 18", 1)[0] + "Retitré par le journal."
    other = " ".join(f"Phrase {i} du portrait : le ministre lit un roman {i}."
                     for i in range(20))
    # A neighbour: shares bands with the dispatch, but 30 to 40 % of it is its own.
    near = DISPATCH.split("Phrase 14")[0] + other.split("Phrase 14")[1]
    third = other.replace("portrait", "reportage").replace("roman", "journal")
    nearer = DISPATCH.split("Phrase 12")[0] + third.split("Phrase 12")[1]
    assert set(fingerprint(near).bands) & set(fingerprint(DISPATCH).bands)
    assert set(fingerprint(nearer).bands) & set(fingerprint(DISPATCH).bands)

    def save(url, text, into=store):
        doc = into.save(_article(url=url, text=text), [], kb_version="k", tagger_version="t")
        return into.db.execute("SELECT duplicate_of FROM documents WHERE id = ?",
                               [doc]).fetchone()[0]

    assert store._copies.recent.get(first) is not None
    assert save("https://b.example/1", trimmed) == first
    assert save("https://b.example/2", near) is None
    store.close()
    with Store(tmp_path / "t.db") as again:
        assert again._copies.recent.get(first) is None
        assert save("https://c.example/1", trimmed + " Fin.", into=again) == first
        assert save("https://c.example/2", nearer, into=again) is None


def test_a_failed_write_leaves_nothing_half_done(store):
    bad = [*_mentions(), Mention("no-such-entity", "politician", None, "X", 0, 1, "X", "alias")]
    with pytest.raises(sqlite3.IntegrityError):
        store.save(_article(), bad, kb_version="k", tagger_version="t")
    assert store.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM mentions").fetchone()[0] == 0


def test_in_a_batch_a_failing_document_fails_alone(store):
    """The daemon stores a batch of documents in one transaction: one that cannot be
    stored (two mentions with the same span, or an alert that cannot be queued) is undone
    alone, the others commit, and the daily counts hold exactly the stored mentions."""
    bad = _mentions() + [_mentions()[0]]
    with store.write():
        assert store.save(_article("https://journal.example/1"), _mentions(),
                          kb_version="k", tagger_version="t")
        with pytest.raises(sqlite3.IntegrityError):
            store.save(_article("https://journal.example/2"), bad, kb_version="k",
                       tagger_version="t")
        assert store.save(_article("https://journal.example/3"), _mentions(),
                          kb_version="k", tagger_version="t")

        def alert_fails(db, doc_id):  # after its mentions were counted
            raise sqlite3.IntegrityError("the alert outbox refused it")
        store.on_saved = alert_fails
        with pytest.raises(sqlite3.IntegrityError):
            store.save(_article("https://journal.example/4"), _mentions(), kb_version="k",
                       tagger_version="t")
        store.on_saved = None
    urls = [r[0] for r in store.db.execute("SELECT url FROM documents ORDER BY url")]
    assert urls == ["https://journal.example/1", "https://journal.example/3"]
    counted = store.db.execute("SELECT sum(mentions) FROM mention_counts "
                               "WHERE dimension = 'entity'").fetchone()[0]
    assert counted == 4 == store.db.execute("SELECT count(*) FROM mentions").fetchone()[0]
    assert store.db.execute("SELECT count(*) FROM counts_paused").fetchone()[0] == 0
    _counts_hold(store)


def test_a_transaction_counts_its_documents_as_counting_each_alone_would(store):
    """The writer counts a transaction's new documents at once, in Python: the figures are
    those the per-document SQL gives (``document_counts``, which a retag still runs), for
    a language missing or empty, a mention of no party, a copy, two days, a document with
    no mentions and a discovered person."""
    from tracker.counting import document_counts

    other_day = WHEN + dt.timedelta(days=1, hours=20)
    discovered = Mention("person:jean-test", "politician", None, "Jean Test", 0, 9,
                         "Jean Test parle.", "discovered", entity_name="Jean Test")
    docs = [
        (_article("https://a.example/1"), _mentions()),
        (dataclasses.replace(_article("https://a.example/2", "François Hollande parle."),
                             lang=None), _mentions()[:1]),
        (dataclasses.replace(_article("https://a.example/3", "Autre texte."), lang=""),
         [dataclasses.replace(_mentions()[0], party_id=None)]),
        (_article("https://b.example/1"), _mentions()),  # a copy of the first
        (dataclasses.replace(_article("https://a.example/4", "Encore un."),
                             published_at=other_day), _mentions()),
        (_article("https://a.example/5", "Rien ici."), []),
        (_article("https://a.example/6", "Jean Test parle."), [discovered]),
    ]
    store.savepoints = False
    with store.write():
        ids = [store.save(a, m, kb_version="k", tagger_version="t") for a, m in docs]
    store.savepoints = True
    conn = store.db.conn
    assert conn.execute("SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL"
                        ).fetchone()[0] == 1
    written = counts_kept(conn), rolled(conn), totals_kept(conn)
    _counts_hold(store)
    with store.write():
        conn.execute("DELETE FROM mention_counts")
        conn.execute("DELETE FROM document_mentions")
        for doc_id in ids:
            for statement in document_counts():
                conn.execute(statement, [doc_id])
    assert (counts_kept(conn), rolled(conn), totals_kept(conn)) == written
    assert counts_kept(conn)[("lang", WHEN.date().isoformat(), "")] == (2, 2)


def test_a_failed_write_nested_in_a_save_undoes_only_its_own_part(store):
    """Code called inside a save (the alert outbox) may write in a savepoint of its own
    that fails and is undone: the document stays, counted."""
    def outbox(db, doc_id):
        with contextlib.suppress(sqlite3.IntegrityError), store.write():
            db.execute("INSERT INTO mentions (id) VALUES ('no document')")
    store.on_saved = outbox
    assert store.save(_article(), _mentions(), kb_version="k", tagger_version="t")
    assert store.db.execute("SELECT count(*) FROM mentions").fetchone()[0] == 2
    _counts_hold(store)


def _counts_hold(store: Store) -> None:
    """The counts the store kept equal the stored mentions counted afresh."""
    conn = store.db.conn
    assert counts_kept(conn) == counts_recount(conn)
    assert rolled(conn) == rollup(counts_kept(conn))
    assert totals_kept(conn) == totals_recount(conn)


def test_newer_or_foreign_database_is_refused(tmp_path):
    path = tmp_path / "t.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('tracker', 'm999_future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(TrackerError, match="written by a newer tracker"):
        Store(path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(TrackerError, match="is not a database"):
        Store(junk)
    with pytest.raises(TrackerError, match="no database here"):
        Store(tmp_path / "missing.db", create=False)


def _as_a_plain_user(*args: str) -> subprocess.CompletedProcess:
    """``python -m tracker ARGS`` as a user whom file modes bind: root with its override
    of them dropped (``setpriv``), as the tests run as root in containers."""
    command = [sys.executable, "-m", "tracker", *args]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: file modes cannot be tried")
        command = ["setpriv", "--inh-caps=-all",
                   "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_a_read_of_a_read_only_database_does_not_stop_the_next_run(tmp_path, store):
    """A press officer reads a database made read-only (`chmod 444`): SQLite leaves its
    -wal and -shm files with that mode. Once the file was writable again, every `tracker
    run` failed with "unexpected error: attempt to write a readonly database", until
    someone found and deleted the -shm. This user's own are made writable again; what
    cannot be written is named in one line."""
    path = store.path
    store.close()
    path.chmod(0o444)
    read = _as_a_plain_user("mentions", "--db", str(path))
    assert read.returncode == 0, read.stderr
    refused = _as_a_plain_user("kb", "rules", "--delete", "1", "--db", str(path))
    assert refused.returncode == 1 and refused.stderr.strip() == (
        f"tracker: error: {path}: the file is read-only and this command writes it "
        "(chmod u+w)")
    path.chmod(0o644)
    written = _as_a_plain_user("kb", "rules", "--delete", "1", "--db", str(path))
    assert written.stderr.strip() == "tracker: error: no rule 1 in this database"
    path.parent.chmod(0o555)
    try:
        folder = _as_a_plain_user("kb", "rules", "--delete", "1", "--db", str(path))
    finally:
        path.parent.chmod(0o755)
    assert folder.stderr.strip() == (f"tracker: error: {path.parent}: this folder is not "
                                     "writable; the database keeps its -wal and -shm "
                                     "files beside it")


def test_the_writer_shares_transactions_and_a_bad_document_still_fails_alone(store):
    """`tracker run` hands every source's batches to one writing thread, which writes the
    batches waiting in one transaction without savepoints. When a document in it cannot
    be stored, the whole transaction is undone and each batch written again alone: the
    bad document fails alone, every other is stored, and each batch's result comes once."""
    import threading

    from tracker.writer import Writer

    writer = Writer(store.path)
    url = "https://journal.example/{}".format

    def batch(urls: list[str], bad: str = "", broken: bool = False,
              hold: threading.Event | None = None, started: threading.Event | None = None):
        def task(s: Store) -> list[str]:
            if started is not None:
                started.set()
                hold.wait(10)
            stored = []
            for one in urls:
                mentions = _mentions() + [_mentions()[0]] if one == bad else _mentions()
                try:
                    if s.save(_article(one), mentions, kb_version="k", tagger_version="t"):
                        stored.append(one)
                except sqlite3.IntegrityError:
                    pass  # as the pipeline does: this document is reported, not stored
            if broken:
                raise RuntimeError("a bug in this batch")
            return stored
        return task

    def gathered(first: list[str], then: list[dict]) -> list:
        """The writer busy with ``first`` while the others queue: they share the next
        transaction."""
        hold, started = threading.Event(), threading.Event()
        futures = [writer.submit(batch(first, hold=hold, started=started))]
        assert started.wait(10)
        futures += [writer.submit(batch(**spec)) for spec in then]
        hold.set()
        return futures

    good = gathered([url(1)], [{"urls": [url(2)]}, {"urls": [url(3), url(4)]}])
    assert [f.result(10) for f in good] == [[url(1)], [url(2)], [url(3), url(4)]]
    assert writer.transactions == 2  # the first alone, the next two together

    mixed = gathered([url(5)], [{"urls": [url(6), url(7)], "bad": url(7)},
                                {"urls": [url(8)], "broken": True},
                                {"urls": [url(9)]}])
    assert mixed[0].result(10) == [url(5)]
    assert mixed[1].result(10) == [url(6)]  # the bad document alone is not stored
    with pytest.raises(RuntimeError):
        mixed[2].result(10)
    assert mixed[3].result(10) == [url(9)]
    writer.close()
    assert writer.transactions == 2 + 1 + 2  # the shared try undone; two good batches alone
    stored = [r[0] for r in store.db.execute("SELECT url FROM documents ORDER BY url")]
    assert stored == [url(n) for n in (1, 2, 3, 4, 5, 6, 9)]  # the broken batch undone
    assert store.db.execute("SELECT count(*) FROM mentions").fetchone()[0] == 2 * 7
    # Counted once a transaction, the undone one's counts undone with it.
    _counts_hold(store)


def test_a_write_that_fails_without_its_savepoint_is_never_committed(store):
    """In the writer's transaction without savepoints, a failed write cannot be undone
    alone: even if some code swallowed the error, the transaction refuses to commit."""
    from tracker.store import WriteAgain

    store.savepoints = False
    bad = _mentions() + [_mentions()[0]]
    with pytest.raises(WriteAgain), store.write():
        store.save(_article(url="https://journal.example/1"), _mentions(),
                   kb_version="k", tagger_version="t")
        with contextlib.suppress(WriteAgain):  # swallowed by mistake
            store.save(_article(url="https://journal.example/2"), bad, kb_version="k",
                       tagger_version="t")
    store.savepoints = True
    assert store.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    assert not store.db.conn.in_transaction
    # The undone document's counts went with it: the next one is counted alone.
    store.save(_article(url="https://journal.example/3"), _mentions(), kb_version="k",
               tagger_version="t")
    _counts_hold(store)


def test_a_writer_used_after_close_stops_by_itself_once_idle(store, monkeypatch):
    """A reload closes the old pipeline while one of its passes may still be writing: the
    late batches are written, then the thread they started ends instead of idling for
    the daemon's lifetime."""
    from tracker import writer as writing

    monkeypatch.setattr(writing, "IDLE_AFTER_CLOSE", 0.2)
    writer = writing.Writer(store.path)
    writer.submit(lambda s: s.save(_article(url="https://journal.example/1"), _mentions(),
                                   kb_version="k", tagger_version="t")).result(10)
    writer.close()
    late = writer.submit(lambda s: s.save(_article(url="https://journal.example/2"),
                                          _mentions(), kb_version="k", tagger_version="t"))
    assert late.result(10)
    thread = writer._thread
    assert thread is not None
    thread.join(10)  # returns once the thread has ended: idle, it stopped by itself
    assert not thread.is_alive() and writer._thread is None
    assert store.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
    assert writer.submit(lambda s: None).result(10) is None  # and starts again when needed
    writer.close()


def test_many_rows_go_in_few_statements():
    """A document's mentions and a transaction's counts are inserted by a few statements
    of many rows each (their triggers are set up once a statement, not once a row): every
    row lands once, in order, whatever the number."""
    from tracker.sqlrows import insert_many

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, s TEXT)")
    conn.execute("CREATE TABLE fired (n INTEGER)")
    conn.execute("CREATE TRIGGER t_in AFTER INSERT ON t BEGIN "
                 "INSERT INTO fired VALUES (NEW.n); END")
    statements: list[str] = []

    class Counted:  # the connection, counting the statements it is given
        def execute(self, sql, params=()):
            statements.append(sql)
            return conn.execute(sql, params)

    first = 0
    for count, expected in ((0, 0), (1, 1), (50, 3), (64, 1), (127, 7), (130, 3)):
        statements.clear()
        rows = [(first + i, f"row {first + i}") for i in range(count)]
        insert_many(Counted(), "INSERT INTO t (n, s)", rows)
        assert len(statements) == expected, count
        first += count
    assert conn.execute("SELECT n, s FROM t ORDER BY rowid").fetchall() == [
        (n, f"row {n}") for n in range(first)]
    assert [n for (n,) in conn.execute("SELECT n FROM fired")] == list(range(first))
    # A document's mentions have 15 columns: under SQLite's oldest variable limit.
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    conn.execute(f"CREATE TABLE wide ({', '.join(f'c{i}' for i in range(15))})")
    insert_many(conn, "INSERT INTO wide", [tuple(range(n, n + 15)) for n in range(200)])
    assert conn.execute("SELECT count(*), sum(c14) FROM wide").fetchone() == (
        200, sum(range(14, 214)))
    with pytest.raises(ValueError, match="unequal width"):
        insert_many(conn, "INSERT INTO wide", [tuple(range(15)), tuple(range(14))])
    # An upsert's clause comes after the rows.
    insert_many(conn, "INSERT INTO t (n, s)", [(0, "again"), (first, "new")],
                "ON CONFLICT (n) DO UPDATE SET s = excluded.s")
    assert conn.execute("SELECT s FROM t WHERE n IN (0, ?)", [first]).fetchall() == [
        ("again",), ("new",)]
