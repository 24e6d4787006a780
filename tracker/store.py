"""The SQLite store (sqlite-utils): a database opened (``tracker.database``: read-only for
the commands that only read), and every write. The schema and its migrations are in
``tracker.schema``, the SQL that keeps the counts in ``tracker.counting``, the near-copy
lookup in ``tracker.copies``.

WAL, a busy timeout and short write transactions
begun IMMEDIATE keep readers and the daemon from blocking each other; a document and
its mentions are committed together or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sqlite_utils import Database

from tracker.copies import Copies
from tracker.counting import PendingCounts, document_counts
from tracker.database import (
    WRITE_WAIT,
    connect,
    connect_read,
    refuse_foreign,
    refuse_newer,
    refuse_older,
    use_wal,
    writer_lock,
)
from tracker.dedupe import Fingerprint, fingerprint, text_hash
from tracker.errors import TrackerError
from tracker.kb import KnowledgeBase
from tracker.models import Article, Mention
from tracker.pairs import document_in, document_out
from tracker.rules import Ruleset
from tracker.rules import load as load_rules
from tracker.schema import migrations
from tracker.sqlrows import insert_many
from tracker.versions import new_in_version

DOCUMENT_COUNTS = document_counts()  # a retagged document, after its mentions (m009)
FAILED_FOR = dt.timedelta(days=7)  # a feed link gone or not text is not asked again meanwhile
PAIRS_IN, PAIRS_OUT = document_in(), document_out()  # a retagged document's (m012)

__all__ = ["Store", "migrations", "text_hash"]


class WriteAgain(Exception):
    """A write failed inside a transaction taken without savepoints: undo the whole
    transaction and write its parts again, each in a savepoint."""


@contextlib.contextmanager
def _counting_paused(conn: sqlite3.Connection) -> Iterator[None]:
    """The per-mention count triggers stand aside (m009, m012): the store counts a
    document at once, before or after. Inside the store's own write transaction only."""
    conn.execute("INSERT OR REPLACE INTO counts_paused (paused) VALUES (1)")
    try:
        yield
    finally:
        conn.execute("DELETE FROM counts_paused")


def now_iso() -> str:
    return iso(dt.datetime.now(dt.timezone.utc))


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """One connection to the database; open one per thread."""

    def __init__(self, path: str | Path, *, create: bool = True, read_only: bool = False,
                 check_current: bool = True):
        """Open (with ``create``, create) and migrate the database; ``read_only`` opens
        an existing tracker database as it is, for the commands that only read."""
        path = Path(path)
        # Called inside save()'s transaction with (db, document id): the alert outbox.
        self.on_saved: Callable[[Database, str], object] | None = None
        self._rules, self._rules_stamp = Ruleset([]), None
        # False: writes inside a transaction take no savepoint (tracker.writer's first
        # try, undone whole and written again with them when anything fails).
        self.savepoints = True
        self._spoiled = False  # a write failed without a savepoint: never commit this
        self._copies = Copies()  # which stored document a new one copies
        self._pending = PendingCounts()  # new documents' counts, written before commit
        # Mentions the last ``save`` or ``replace_mentions`` stored: the rules and
        # earlier versions leave some out.
        self.saved_mentions = 0
        if (read_only or not create) and not path.exists():
            raise TrackerError(f"{path}: no database here (`tracker run --once` creates it; "
                               "or pass --db, or set `database:` in config.yaml)")
        self.path = path
        self._writer = writer_lock(path)
        try:
            conn = connect_read(path) if read_only else connect(path, wal=False)
        except (sqlite3.Error, OSError) as exc:
            raise TrackerError(f"{path}: cannot open database ({exc})") from None
        self.db = Database(conn)
        try:
            refuse_newer(self.db, path)
            refuse_foreign(self.db, path)
            if read_only:
                if check_current:
                    refuse_older(self.db, path)
                return
            try:
                use_wal(conn)  # (written into the file: only once it is known ours)
                migrations.apply(self.db)
            except sqlite3.DatabaseError as exc:
                raise TrackerError(f"{path}: not a tracker database ({exc})") from None
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """A short write transaction, taken IMMEDIATE so it never dies half-way on a lock.
        Inside one already open (a batch of documents) it is a savepoint of that one: what
        fails inside it is undone alone, the rest of the batch commits together. With
        ``savepoints`` off (tracker.writer) it is nothing, and a failure inside it raises
        ``WriteAgain`` and keeps the whole transaction from committing."""
        conn = self.db.conn
        if conn.in_transaction and not self.savepoints:
            try:
                yield self.db
            except BaseException as exc:  # nothing undoes it alone: the whole transaction
                self._spoiled = True  # even if a caller swallows this, it will not commit
                if isinstance(exc, WriteAgain):
                    raise
                raise WriteAgain(str(exc)) from exc
            return
        if conn.in_transaction:  # a savepoint: a failing document fails alone
            self._pending.write(conn)  # the enclosing scope's counts stay with it
            conn.execute("SAVEPOINT part")
            try:
                yield self.db
                self._pending.write(conn)  # what it counted goes, or stays, with it
            except BaseException:
                self._pending.clear()
                conn.execute("ROLLBACK TO part")
                conn.execute("RELEASE part")
                raise
            conn.execute("RELEASE part")
            return
        if not self._writer.acquire(timeout=WRITE_WAIT):
            raise TrackerError(f"{self.path}: another thread of this process kept the "
                               f"database locked for {WRITE_WAIT:g} s")
        try:
            conn.execute("BEGIN IMMEDIATE")  # another process may write too
            self._spoiled = False
            self._pending.clear()  # nothing of an undone transaction comes into this one
            try:
                yield self.db
                if self._spoiled:
                    raise WriteAgain("a write inside this transaction failed")
                self._pending.write(conn)
                conn.execute("COMMIT")
            except BaseException:
                self._pending.clear()
                # A failed COMMIT (disk full, I/O error) may leave the transaction open:
                # a long-lived connection would then never commit again.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            self._writer.release()

    # -- knowledge base and sources ------------------------------------------------------
    def sync_entities(self, kb: KnowledgeBase) -> None:
        """Upsert the KB's entities and affiliations (entities no longer in the KB stay, so
        old mentions keep their names); nothing to do when this KB version is there."""
        stored = self.db.execute("SELECT count(*) FROM entities WHERE kb_version = ?",
                                 [kb.version]).fetchone()[0]
        links = self.db.execute("SELECT count(*) FROM affiliations").fetchone()[0]
        if stored == len(kb.entities) and links == sum(len(e.affiliations)
                                                       for e in kb.politicians()):
            return
        # Plain statements of many rows: sqlite-utils' upsert_all took 2 s for the 21,000
        # entities, paid by every new database.
        columns = ("id", "name", "type", "country", "wikidata", "aliases", "surname",
                   "kb_version", "discovered", "builtin")
        with self.write() as db:
            insert_many(db.conn, f"INSERT INTO entities ({', '.join(columns)})", [
                (e.id, e.name, e.type, e.country, e.wikidata,
                 json.dumps([*e.aliases, *e.exact_case], ensure_ascii=False), e.surname,
                 kb.version, 0, int(e.builtin)) for e in kb.entities.values()],
                "ON CONFLICT (id) DO UPDATE SET " + ", ".join(
                    f"{c} = excluded.{c}" for c in columns[1:]))
            db.execute("DELETE FROM affiliations")
            insert_many(db.conn, 'INSERT INTO affiliations (politician_id, party_id, "start", '
                                 '"end")', [
                (e.id, a.party, a.start.isoformat() if a.start else None,
                 a.end.isoformat() if a.end else None)
                for e in kb.politicians() for a in e.affiliations])
        self.forget_entities_gone(kb)

    def forget_entities_gone(self, kb: KnowledgeBase) -> int:
        """Drop the entities the KB no longer has that no mention names any more (after a
        `retag`, an entity whose id changed): kept, they made its name ambiguous and its
        old id a filter matching nothing. Discovered people stay. Returns how many went."""
        with self.write() as db:
            return db.execute(
                "DELETE FROM entities WHERE discovered = 0 "
                "AND id NOT IN (SELECT value FROM json_each(?)) "
                "AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = entities.id) "
                "AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.party_id = entities.id) "
                "AND NOT EXISTS (SELECT 1 FROM affiliations a WHERE a.politician_id = "
                "entities.id OR a.party_id = entities.id)",
                [json.dumps(list(kb.entities))]).rowcount

    def sync_sources(self, sources: Sequence) -> None:
        with self.write() as db:
            for src in sources:
                db["sources"].upsert({"name": src.name, "kind": src.kind,
                                      "location": src.location, "interval_s": src.interval,
                                      "lang": src.lang}, pk="name")

    def record_run(self, source: str, *, ok: bool, error: str | None, new_docs: int) -> int:
        """Record a pass's outcome; returns the source's consecutive failures (0 if ok)."""
        now = now_iso()
        with self.write() as db:
            row = db.execute("SELECT consecutive_failures FROM sources WHERE name = ?",
                             [source]).fetchone()
            failures = 0 if ok else ((row[0] or 0) if row else 0) + 1
            update = {"last_fetch_at": now, "last_status": "ok" if ok else "error",
                      "consecutive_failures": failures}
            if ok:
                update["last_success_at"] = now
            else:
                update["last_error"] = error
            if new_docs:
                update["last_new_at"] = now
            db["sources"].update(source, update)
        return failures

    def set_next_run(self, source: str, when: dt.datetime | None) -> None:
        with self.write() as db:
            db["sources"].update(source, {"next_run_at": iso(when) if when else None})

    def log_fetches(self, rows: Sequence[tuple]) -> None:
        """Many fetch log rows at once, (source, url, status, outcome, bytes, duration_ms,
        error, fetched_at) each: the pipeline writes a pass's fetches with its next batch
        of documents, not in a transaction of their own."""
        if rows:
            with self.write():
                self.db.conn.executemany(
                    "INSERT INTO fetches (source, url, status, outcome, bytes, duration_ms, "
                    "error, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def prune_fetches(self, source: str, older_than: float) -> int:
        """Forget a source's fetch log rows older than ``older_than`` seconds (the log
        feeds `tracker sources`' health; kept forever it grows without bound)."""
        cutoff = iso(dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=older_than))
        with self.write() as db:
            return db.execute("DELETE FROM fetches WHERE source = ? AND fetched_at < ?",
                              [source, cutoff]).rowcount

    # -- documents -----------------------------------------------------------------------
    def cache_headers(self, url: str) -> tuple[str | None, str | None]:
        row = next(self.db.query("SELECT etag, last_modified FROM http_cache WHERE url = ?",
                                 [url]), None)
        return (row["etag"], row["last_modified"]) if row else (None, None)

    def remember_headers(self, url: str, etag: str | None, last_modified: str | None) -> None:
        if etag or last_modified:
            with self.write() as db:
                db["http_cache"].upsert({"url": url, "etag": etag, "last_modified": last_modified,
                                         "checked_at": now_iso()}, pk="url")

    def has_url(self, url: str) -> bool:
        """Whether a document was stored from this URL, or from a page naming it canonical."""
        return self.known_urls([url]).get(url, "") is None  # (a failure is no document)

    def known_urls(self, urls: Sequence[str]) -> dict[str, str | None]:
        """Which of these URLs ``has_url`` knows, in one statement: each statement after
        the writer's commit reads the indexes' pages again (0.25 ms a URL in a daemon).
        A URL only held as a recent failure maps to the failure's reason, a stored one to
        None (a feed none of whose items were ever stored is still failing)."""
        if not urls:
            return {}
        marks = ", ".join("?" * len(urls))
        since = iso(dt.datetime.now(dt.timezone.utc) - FAILED_FOR)
        known: dict[str, str | None] = {}
        for url, reason in self.db.execute(
                f"SELECT url, NULL FROM documents WHERE url IN ({marks}) UNION "
                f"SELECT url, NULL FROM seen_urls WHERE url IN ({marks}) UNION "
                f"SELECT url, reason FROM failed_links WHERE url IN ({marks}) "
                "AND failed_at >= ?", [*urls, *urls, *urls, since]):
            if reason is None or url not in known:
                known[url] = reason
        return known

    def remember_failure(self, url: str, reason: str,
                         hold: dt.timedelta = FAILED_FOR) -> None:
        """A feed link that failed for good (``FetchError.lasting``): ``known_urls``
        counts it known for ``FAILED_FOR``, so no pass fetches it again meanwhile. A
        shorter ``hold`` (a link that ran to its deadline) is kept as an older failure."""
        failed_at = dt.datetime.now(dt.timezone.utc) - (FAILED_FOR - min(hold, FAILED_FOR))
        with self.write() as db:
            db.execute("INSERT OR REPLACE INTO failed_links (url, reason, failed_at) "
                       "VALUES (?, ?, ?)", [url, reason, iso(failed_at)])

    def remember_skipped(self, url: str, stamp: str, reason: str) -> None:
        """A file that gave no document as it is now (``stamp``: its size and time)."""
        with self.write() as db:
            db.execute("INSERT OR REPLACE INTO skipped_files (url, stamp, reason, skipped_at) "
                       "VALUES (?, ?, ?, ?)", [url, stamp, reason, now_iso()])

    def skipped_files(self) -> dict[str, str]:
        """The files passed over, by URL, with the stamp they had then."""
        return dict(self.db.execute("SELECT url, stamp FROM skipped_files"))

    def remember_alias(self, alias: str, canonical: str) -> None:
        """A feed link that led to a document stored under its canonical URL."""
        doc = self.db.execute("SELECT id FROM documents WHERE url = ? ORDER BY rowid DESC "
                              "LIMIT 1", [canonical]).fetchone()
        if doc:
            self.remember_moved(alias, doc[0])

    def latest(self, url: str) -> tuple[str, str] | None:
        """(id, text hash) of the latest version stored from this URL; for a file, from
        the path it was stored under before it was moved or renamed (``same_file``)."""
        row = self.db.execute("SELECT id, text_hash FROM documents WHERE url = ? "
                              "ORDER BY rowid DESC LIMIT 1", [url]).fetchone()
        if row is None and url.startswith("file:"):
            row = self.db.execute(
                "SELECT d.id, d.text_hash FROM seen_urls s JOIN documents d "
                "ON d.id = s.document_id WHERE s.url = ?", [url]).fetchone()
        return (row[0], row[1]) if row else None

    def same_file(self, source: str, digest: str) -> str | None:
        """The id of a file's document of this source already stored with this very text:
        the same file, moved, renamed or copied within the folder (counted once, not
        twice)."""
        row = self.db.execute(
            "SELECT id FROM documents WHERE text_hash = ? AND source = ? "
            "AND url LIKE 'file:%' ORDER BY rowid DESC LIMIT 1", [digest, source]).fetchone()
        return row[0] if row else None

    def remember_moved(self, url: str, document_id: str) -> None:
        """``url`` leads to a stored document: a feed's link to the article stored under its
        canonical URL (``remember_alias``), or a file moved from the path it was stored
        under (``latest`` then finds it: read as unchanged, versioned when edited)."""
        with self.write() as db:
            db["seen_urls"].upsert({"url": url, "document_id": document_id}, pk="url")

    def save(self, article: Article, mentions: Sequence[Mention], *, kb_version: str,
             tagger_version: str, previous: str | None = None, digest: str | None = None,
             print_: Fingerprint | None = None) -> str | None:
        """Store a document and its mentions in one transaction; None if already stored.

        ``previous`` is the id of the version this one replaces (a watched page or file),
        so a page that changes back to an earlier text is a new version again. A document
        whose text is an exact or near copy of one stored from another URL (an agency
        dispatch on several sites) is stored too, ``duplicate_of`` naming the first copy.
        ``digest`` and ``print_`` (the text's hash and fingerprint) come made by the
        worker processes; computed here when not given."""
        digest = digest or text_hash(article.text)
        key = f"{article.url}\n{digest}" + (f"\n{previous}" if previous else "")
        doc_id = hashlib.sha256(key.encode()).hexdigest()[:20]
        print_ = print_ or fingerprint(article.text)
        with self.write() as db:
            conn = db.conn
            if conn.execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone():
                return None
            original = self._copies.original_of(conn, article.url, digest, print_)
            published = iso(article.published_at)
            rowid = conn.execute(
                "INSERT INTO documents (id, source, url, title, author, published_at, "
                "date_source, lang, text, text_hash, fetched_at, duplicate_of, kb_version, "
                "tagger_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [doc_id, article.source, article.url, article.title, article.author,
                 published, article.date_source, article.lang, article.text,
                 digest, iso(article.fetched_at), original, kb_version,
                 tagger_version]).lastrowid
            self._copies.remember(conn, doc_id, print_)
            kept = self._insert_mentions(doc_id, article, mentions, kb_version, tagger_version)
            self.saved_mentions = len(kept)
            self._pending.add(rowid, source=article.source, lang=article.lang,
                              published=published, original=original is None,
                              keys=((m.entity_id, m.party_id) for m in kept))
            if self.on_saved is not None:  # alerts: queued with the mentions, or not at all
                self.on_saved(db, doc_id)
        return doc_id

    def _insert_mentions(self, doc_id: str, article: Article, mentions: Sequence[Mention],
                         kb_version: str, tagger_version: str) -> Sequence[Mention]:
        """A page can hold a hundred mentions, each stored with its sentence, and this
        runs once per document: a few statements of many rows each. Returns the mentions
        stored (the rules may leave some out), counted by the caller: the counting
        triggers stand aside (m009)."""
        published = iso(article.published_at)
        rules = self._ruleset()
        if rules:  # what reviewers said never to count again (tracker.rules)
            mentions = rules.keep(article.source, mentions)
        if mentions:
            mentions = new_in_version(self.db.conn, doc_id, article.url, mentions)
        # A discovered person is an entity of its own, marked so, until accepted into a KB;
        # one accepted, then taken out of the KB again, is discovered again (its row of the
        # old KB kept it out of `candidates`, and `kb accept` refused it).
        self.db.conn.executemany(
            "INSERT INTO entities (id, name, type, surname, discovered) "
            "VALUES (?, ?, 'politician', ?, 1) ON CONFLICT (id) DO UPDATE SET discovered = 1 "
            "WHERE entities.discovered = 0 AND entities.kb_version IS NOT ?",
            [(m.entity_id, m.entity_name or m.surface,
              (m.entity_name or m.surface).split()[-1], kb_version) for m in mentions
             if m.method == "discovered"])
        if not mentions:
            return mentions
        conn = self.db.conn
        with _counting_paused(conn):
            insert_many(
                conn,
                'INSERT INTO mentions (id, document_id, entity_id, party_id, surface, start, '
                '"end", sentence, rule, published_at, position, method, confidence, '
                "kb_version, tagger_version)",
                [(f"{doc_id}:{m.start}:{m.end}", doc_id, m.entity_id, m.party_id, m.surface,
                  m.start, m.end, m.sentence, m.rule, published, article.position(m.start),
                  m.method, m.confidence, kb_version, tagger_version) for m in mentions])
        return mentions

    def _ruleset(self) -> Ruleset:
        """The rules table, read again only when it changed (rule ids are never reused,
        so its row count and largest id tell)."""
        stamp = self.db.execute("SELECT count(*), max(id) FROM rules").fetchone()
        if stamp != self._rules_stamp:
            self._rules, self._rules_stamp = Ruleset(load_rules(self.db)), stamp
        return self._rules

    def count_candidates(self, found: Sequence, url: str) -> None:
        """Add names seen in one stored document to the candidates table."""
        if not found:
            return
        now = now_iso()
        with self.write() as db:
            db.conn.executemany(
                "INSERT INTO candidates (name, label, count, first_seen, last_seen, example, "
                "example_url) VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT (name, label) DO "
                "UPDATE SET count = count + 1, last_seen = excluded.last_seen",
                [(c.name, c.label, now, now, c.sentence, url) for c in found])

    def documents(self, since: dt.date | None = None) -> Iterator[dict]:
        sql = "SELECT * FROM documents"
        params: list = []
        if since:
            sql += " WHERE published_at >= ?"
            params.append(since.isoformat())
        yield from self.db.query(sql + " ORDER BY rowid", params)

    def replace_mentions(self, doc_id: str, article: Article, mentions: Sequence[Mention], *,
                         kb_version: str, tagger_version: str) -> None:
        """Swap a stored document's mentions for freshly computed ones, atomically."""
        with self.write() as db:
            conn = db.conn
            # The document's pairs out at once, not recounted mention by mention (m012).
            with _counting_paused(conn):
                for statement in PAIRS_OUT:
                    conn.execute(statement, [doc_id])
                conn.execute("DELETE FROM mentions WHERE document_id = ?", [doc_id])
            kept = self._insert_mentions(doc_id, article, mentions, kb_version, tagger_version)
            self.saved_mentions = len(kept)
            if kept:
                for statement in DOCUMENT_COUNTS:  # its row's source, language, copy status
                    conn.execute(statement, [doc_id])
            for statement in PAIRS_IN:
                conn.execute(statement, [doc_id])
            db.execute("UPDATE documents SET kb_version = ?, tagger_version = ? WHERE id = ?",
                       [kb_version, tagger_version, doc_id])

    def source_rows(self) -> list[dict]:
        return source_rows(self.db)


def source_rows(db: Database) -> list[dict]:
    """Each source's health: counts, last outcomes, and the share of its polls answered
    304 Not Modified over the last week (how much conditional GET saves)."""
    since = iso(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=7))
    return list(db.query("""
        SELECT s.*,
               (SELECT count(*) FROM documents d WHERE d.source = s.name) AS documents,
               (SELECT round(avg(f.outcome = 'not-modified'), 2) FROM fetches f
                 WHERE f.source = s.name AND f.url = s.location AND f.fetched_at >= ?)
                 AS not_modified_rate
        FROM sources s ORDER BY s.name""", [since]))
