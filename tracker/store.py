"""The SQLite store (sqlite-utils): schema under versioned migrations, and every write.

Plain tables with foreign keys and one view (``mention_rows``), so sqlite-utils and
Datasette users can explore the file. WAL, a busy timeout and short write transactions
begun IMMEDIATE keep readers and the daemon from blocking each other; a document and
its mentions are committed together or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from tracker.dedupe import Fingerprint, fingerprint, is_copy, shingles
from tracker.errors import TrackerError
from tracker.kb import KnowledgeBase
from tracker.models import Article, Mention

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
# Daily counts per dimension, kept by triggers as mentions come, go or change, so trends
# over a year of a million mentions read a few thousand rows. A mention counts on the day
# of its own ``published_at``; ``originals`` leaves out mentions in documents that copy an
# earlier one (``duplicate_of``). Keys: {row} is the mention (NEW or OLD), d its document.
COUNT_DIMENSIONS = {
    "entity": "{row}.entity_id", "party": "{row}.party_id", "source": "d.source",
    "lang": "coalesce(d.lang, '')",
}


def _add(row: str) -> list[str]:
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


def _remove(row: str) -> list[str]:
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


def _document_counts(doc: str, sign: str) -> list[str]:
    """Statements moving all of document ``doc``'s mentions in (+) or out (-) of the
    counts, for an edit of the document's source, language or copy status."""
    out = []
    for dimension, key in COUNT_DIMENSIONS.items():
        key = key.format(row="m").replace("d.", f"{doc}.")
        grouped = (f"SELECT substr(coalesce(m.published_at, {doc}.published_at), 1, 10) AS day,"
                   f" {key} AS key, count(*) AS n, "
                   f"count(*) * ({doc}.duplicate_of IS NULL) AS o FROM mentions m "
                   f"WHERE m.document_id = {doc}.id AND {key} IS NOT NULL GROUP BY 1, 2")
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


def _count_triggers() -> list[str]:
    def trigger(name: str, when: str, statements: list[str]) -> str:
        return f"CREATE TRIGGER {name} {when} BEGIN\n" + "\n".join(statements) + "\nEND"

    counted = "document_id, entity_id, party_id, published_at"
    edited = "duplicate_of, source, lang"
    return [
        trigger("mentions_count_insert", "AFTER INSERT ON mentions", _add("NEW")),
        trigger("mentions_count_delete", "AFTER DELETE ON mentions", _remove("OLD")),
        trigger("mentions_count_update", f"AFTER UPDATE OF {counted} ON mentions",
                _remove("OLD") + _add("NEW")),
        trigger("documents_count_before", f"BEFORE UPDATE OF {edited} ON documents",
                _document_counts("OLD", "-")),
        trigger("documents_count_after", f"AFTER UPDATE OF {edited} ON documents",
                _document_counts("NEW", "+")),
    ]


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
    for trigger in _count_triggers():
        db.execute(trigger)
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


def backup(store: Store, output: Path) -> int:
    """A consistent copy of the database through SQLite's online backup API (one read
    transaction: writers go on meanwhile), checked with integrity_check, then moved into
    place; returns its page count."""
    output = Path(output)
    tmp = output.with_name(f".{output.name}.part")
    try:
        tmp.unlink(missing_ok=True)
        target = sqlite3.connect(str(tmp))
        try:
            store.db.conn.backup(target)
            verdict = target.execute("PRAGMA integrity_check").fetchone()[0]
            pages = target.execute("PRAGMA page_count").fetchone()[0]
        finally:
            target.close()
        if verdict != "ok":
            raise TrackerError(f"{output}: the copy failed its integrity check ({verdict})")
        tmp.replace(output)
    except (sqlite3.Error, OSError) as exc:
        raise TrackerError(f"{output}: backup failed ({exc})") from None
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)
    return pages


def now_iso() -> str:
    return iso(dt.datetime.now(dt.timezone.utc))


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


class Store:
    """One connection to the database; open one per thread."""

    def __init__(self, path: str | Path, *, create: bool = True, read_only: bool = False,
                 check_current: bool = True):
        """Open (with ``create``, create) and migrate the database; ``read_only`` opens
        an existing tracker database as it is, for the commands that only read."""
        path = Path(path)
        if (read_only or not create) and not path.exists():
            raise TrackerError(f"{path}: no database here (`tracker run --once` creates it; "
                               "or pass --db, or set `database:` in config.yaml)")
        self.path = path
        try:
            conn = self._connect_read(path) if read_only else self._connect(path)
        except (sqlite3.Error, OSError) as exc:
            raise TrackerError(f"{path}: cannot open database ({exc})") from None
        self.db = Database(conn)
        try:
            self._check_version()
            self._check_ours()
            if read_only:
                if check_current:
                    self._check_current()
                return
            try:
                migrations.apply(self.db)
            except sqlite3.DatabaseError as exc:
                raise TrackerError(f"{path}: not a tracker database ({exc})") from None
        except BaseException:
            conn.close()
            raise

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")  # up to 64 MB of pages, as used
        return conn

    @staticmethod
    def _connect_read(path: Path) -> sqlite3.Connection:
        """Never creates the file, never changes its journal mode, refuses every write.
        Opened read-write where allowed, so that closing it removes the -wal and -shm
        files it needed (a read-only connection leaves them behind); else read-only."""
        uri = path.resolve().as_uri()
        try:
            conn = sqlite3.connect(f"{uri}?mode=rw", uri=True, timeout=30,
                                   check_same_thread=False)
            conn.execute("PRAGMA schema_version").fetchone()
        except sqlite3.OperationalError:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30,
                                   check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA cache_size = -65536")
        return conn

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_version(self) -> None:
        try:
            applied = {m.name for m in migrations.applied(self.db)}
        except sqlite3.DatabaseError as exc:
            raise TrackerError(f"{self.path}: not a SQLite database ({exc})") from None
        known = {m.name for m in migrations._migrations}
        newer = applied - known
        if newer:
            raise TrackerError(f"{self.path}: written by a newer tracker (schema "
                               f"{', '.join(sorted(newer))}); upgrade tracker to open it")

    def _check_ours(self) -> None:
        """Another program's SQLite file is refused untouched; an empty one is ours to
        fill."""
        if migrations.applied(self.db):
            return
        tables = self.db.table_names()
        if tables:
            raise TrackerError(f"{self.path}: not a tracker database (it holds other "
                               f"tables: {', '.join(sorted(tables)[:5])}); pass the "
                               "tracker's --db")

    def _check_current(self) -> None:
        pending = migrations.pending(self.db)
        if pending:
            raise TrackerError(
                f"{self.path}: written by an older tracker ({len(pending)} schema "
                f"change{'s' if len(pending) > 1 else ''} to apply); upgrade it with "
                f"`tracker db upgrade --db {self.path}` (or any `tracker run`)")

    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """A short write transaction, taken IMMEDIATE so it never dies half-way on a lock."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- knowledge base and sources ------------------------------------------------------
    def sync_entities(self, kb: KnowledgeBase) -> None:
        """Upsert the KB's entities and affiliations (entities no longer in the KB stay, so
        old mentions keep their names)."""
        with self.write() as db:
            db["entities"].upsert_all(({
                "id": e.id, "name": e.name, "type": e.type, "country": e.country,
                "wikidata": e.wikidata, "aliases": json.dumps([*e.aliases, *e.exact_case],
                                                              ensure_ascii=False),
                "surname": e.surname, "kb_version": kb.version, "discovered": 0,
                "builtin": int(e.builtin),
            } for e in kb.entities.values()), pk="id")
            db.execute("DELETE FROM affiliations")
            db["affiliations"].insert_all({
                "politician_id": e.id, "party_id": a.party,
                "start": a.start.isoformat() if a.start else None,
                "end": a.end.isoformat() if a.end else None,
            } for e in kb.politicians() for a in e.affiliations)

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

    def log_fetch(self, source: str, url: str, *, status: int | None, outcome: str,
                  size: int = 0, duration: float = 0.0, error: str | None = None) -> None:
        with self.write() as db:
            db["fetches"].insert({"source": source, "url": url, "status": status,
                                  "outcome": outcome, "bytes": size,
                                  "duration_ms": int(duration * 1000), "error": error,
                                  "fetched_at": now_iso()})

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
        return bool(self.db.execute(
            "SELECT 1 FROM documents WHERE url = ? UNION ALL "
            "SELECT 1 FROM seen_urls WHERE url = ? LIMIT 1", [url, url]).fetchone())

    def remember_alias(self, alias: str, canonical: str) -> None:
        """A feed link that led to a document stored under its canonical URL."""
        with self.write() as db:
            doc = db.execute("SELECT id FROM documents WHERE url = ? ORDER BY rowid DESC LIMIT 1",
                             [canonical]).fetchone()
            if doc:
                db["seen_urls"].upsert({"url": alias, "document_id": doc[0]}, pk="url")

    def latest(self, url: str) -> tuple[str, str] | None:
        """(id, text hash) of the latest version stored from this URL."""
        row = self.db.execute("SELECT id, text_hash FROM documents WHERE url = ? "
                              "ORDER BY rowid DESC LIMIT 1", [url]).fetchone()
        return (row[0], row[1]) if row else None

    def save(self, article: Article, mentions: Sequence[Mention], *, kb_version: str,
             tagger_version: str, previous: str | None = None) -> str | None:
        """Store a document and its mentions in one transaction; None if already stored.

        ``previous`` is the id of the version this one replaces (a watched page or file),
        so a page that changes back to an earlier text is a new version again. A document
        whose text is an exact or near copy of one stored from another URL (an agency
        dispatch on several sites) is stored too, ``duplicate_of`` naming the first copy."""
        digest = text_hash(article.text)
        key = f"{article.url}\n{digest}" + (f"\n{previous}" if previous else "")
        doc_id = hashlib.sha256(key.encode()).hexdigest()[:20]
        print_ = fingerprint(article.text)
        with self.write() as db:
            if db.execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone():
                return None
            db["documents"].insert({
                "id": doc_id, "source": article.source, "url": article.url,
                "title": article.title, "author": article.author,
                "published_at": iso(article.published_at), "date_source": article.date_source,
                "lang": article.lang, "text": article.text, "text_hash": digest,
                "fetched_at": iso(article.fetched_at),
                "duplicate_of": self._original_of(article.url, digest, print_),
                "kb_version": kb_version, "tagger_version": tagger_version,
            })
            db["document_bands"].insert_all(
                ({"band": band, "document_id": doc_id} for band in print_.bands),
                batch_size=100)
            self._insert_mentions(doc_id, article, mentions, kb_version, tagger_version)
        return doc_id

    def _insert_mentions(self, doc_id: str, article: Article, mentions: Sequence[Mention],
                         kb_version: str, tagger_version: str) -> None:
        """Plain executemany: a page can hold a hundred mentions, each stored with its
        sentence, and this runs once per document."""
        published = iso(article.published_at)
        # A discovered person is an entity of its own, marked so, until accepted into a KB.
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO entities (id, name, type, surname, discovered) "
            "VALUES (?, ?, 'politician', ?, 1)",
            [(m.entity_id, m.entity_name or m.surface,
              (m.entity_name or m.surface).split()[-1]) for m in mentions
             if m.method == "discovered"])
        self.db.conn.executemany(
            'INSERT INTO mentions (id, document_id, entity_id, party_id, surface, start, "end", '
            "sentence, rule, published_at, position, method, confidence, kb_version, "
            "tagger_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(f"{doc_id}:{m.start}:{m.end}", doc_id, m.entity_id, m.party_id, m.surface,
              m.start, m.end, m.sentence, m.rule, published, article.position(m.start),
              m.method, m.confidence, kb_version, tagger_version) for m in mentions])

    def count_candidates(self, found: Sequence, url: str) -> None:
        """Add names seen in one stored document to the candidates table."""
        if not found:
            return
        now = now_iso()
        with self.write() as db:
            for c in found:
                db.execute(
                    "INSERT INTO candidates (name, label, count, first_seen, last_seen, example, "
                    "example_url) VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT (name, label) DO "
                    "UPDATE SET count = count + 1, last_seen = excluded.last_seen",
                    [c.name, c.label, now, now, c.sentence, url])

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
            db.execute("DELETE FROM mentions WHERE document_id = ?", [doc_id])
            self._insert_mentions(doc_id, article, mentions, kb_version, tagger_version)
            db.execute("UPDATE documents SET kb_version = ?, tagger_version = ? WHERE id = ?",
                       [kb_version, tagger_version, doc_id])

    def _original_of(self, url: str, digest: str, print_: Fingerprint) -> str | None:
        """The first copy stored from another URL of this text, exact or near; None if new.
        Runs inside the write transaction, so two sources never both store an original."""
        row = self.db.execute("SELECT id, duplicate_of FROM documents WHERE text_hash = ? "
                              "AND url != ? ORDER BY rowid LIMIT 1", [digest, url]).fetchone()
        if row:
            return row[1] or row[0]
        if not print_.bands:
            return None
        marks = ", ".join("?" * len(print_.bands))
        candidates = self.db.execute(
            f"SELECT d.id, d.duplicate_of, d.text FROM documents d WHERE d.url != ? AND d.id IN "
            f"(SELECT document_id FROM document_bands WHERE band IN ({marks})) "
            "ORDER BY d.rowid LIMIT 50", [url, *print_.bands]).fetchall()
        for cand_id, cand_original, text in candidates:
            if is_copy(print_.shingles, shingles(text)):
                return cand_original or cand_id
        return None

    def source_rows(self) -> list[dict]:
        """Each source's health: counts, last outcomes, and the share of its polls answered
        304 Not Modified over the last week (how much conditional GET saves)."""
        since = iso(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=7))
        return list(self.db.query("""
            SELECT s.*,
                   (SELECT count(*) FROM documents d WHERE d.source = s.name) AS documents,
                   (SELECT round(avg(f.outcome = 'not-modified'), 2) FROM fetches f
                     WHERE f.source = s.name AND f.url = s.location AND f.fetched_at >= ?)
                     AS not_modified_rate
            FROM sources s ORDER BY s.name""", [since]))
