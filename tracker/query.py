"""Questions asked of the store: which mentions match the user's filters.

Only SQL with bound parameters; names typed by users (party, politician) are resolved
against the entities table, case- and accent-insensitively, over ids, names and aliases.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from sqlite_utils import Database

from tracker.errors import ConfigError
from tracker.kb import fold

EXPORT_COLUMNS = ("published_at", "source", "url", "title", "entity", "entity_type", "party",
                  "surface", "sentence", "lang")


@dataclass(frozen=True)
class MentionFilter:
    party: str | None = None
    politician: str | None = None
    source: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    lang: str | None = None
    direct: bool = False
    no_duplicates: bool = False
    position: str | None = None  # title, lead or body
    type: str | None = None  # party or politician
    search: str | None = None  # words or "phrases" the document must contain
    no_discovered: bool = False  # leave out people the KB does not know yet
    raw: bool = False  # keep mentions a reviewer marked wrong
    review: str | None = None  # right, wrong or none (not reviewed): a reviewer's queue
    limit: int | None = None
    offset: int = 0


def resolve(db: Database, name: str, type_: str) -> str:
    """The entity whose id, canonical name or alias folds to ``name``, else whose surname
    does, if only one has it; a usage error otherwise."""
    if db.execute("SELECT 1 FROM entities WHERE id = ? AND type = ?",
                  [name, type_]).fetchone():
        return name  # an id (the dashboard's links, scripts): one lookup, not a scan
    key = fold(name)
    by_name, by_surname = [], []
    for row in db.query("SELECT id, name, aliases, surname, builtin, discovered "
                        "FROM entities WHERE type = ?", [type_]):
        if row["id"] == name:
            return name
        names = [row["id"], row["name"], *json.loads(row["aliases"] or "[]")]
        if key in {fold(n) for n in names}:
            by_name.append(row)
        elif row["surname"] and fold(row["surname"]) == key:
            by_surname.append(row)
    found = by_name or by_surname
    # A hand-kept entry wins over open-data namesakes ("PS" is the French one).
    kept = [r for r in found if not r["builtin"] and not r["discovered"]]
    if len(found) > 1 and len(kept) == 1:
        return kept[0]["id"]
    if len(found) == 1:
        return found[0]["id"]
    if found:
        # With the ids: two people may share the full name ("David Martin"), and an id
        # always works.
        named = sorted(f"{r['name']} ({r['id']})" for r in found)
        more = f", and {len(named) - 8} more" if len(named) > 8 else ""
        raise ConfigError(f"{type_} {name!r} is ambiguous ({', '.join(named[:8])}{more}): "
                          "give the full name or the id")
    raise ConfigError(f"unknown {type_} {name!r}: not an id, name or alias in the "
                      "knowledge base")


def check_source(db: Database, name: str) -> str:
    """A source name as stored, or a usage error that lists the known ones (looked up by
    index; the list is read only for the error)."""
    if db.execute("SELECT EXISTS (SELECT 1 FROM sources WHERE name = ?) OR EXISTS "
                  "(SELECT 1 FROM documents WHERE source = ?)", [name, name]).fetchone()[0]:
        return name
    known = [r[0] for r in db.execute(
        "SELECT name FROM sources UNION SELECT source FROM documents ORDER BY 1")]
    if name not in known:
        listed = ", ".join(known[:30]) + (", ..." if len(known) > 30 else "")
        raise ConfigError(f"--source {name!r}: no such source in this database (known: "
                          f"{listed or 'none yet'})")
    return name


def count_mentions(db: Database, f: MentionFilter) -> int:
    """How many mentions match, whatever the limit: from the daily counts when the
    filter is dates and at most one of party, politician, source and language (a few
    hundred rows, not a million); from the documents' totals for a search that names no
    entity; else from the mentions."""
    where_clauses(db, f)  # checks and resolves the names either way
    daily = _daily_count(db, f)
    if daily is not None:
        return daily
    found = _document_count(db, f)
    if found is not None:
        return found
    # The mentions with the tables the filters name, not the view's five; then less the
    # few reviewed as wrong (a word most documents hold: 1 s through the view). The
    # entities only for --type: joining them reads every mention's row for its entity
    # (872,510 matches of a word: 0.5 s against 0.18 s). A mention's entity is always
    # stored (the store writes it first and never deletes one), as the daily counts
    # assume too.
    where, params = where_clauses(db, dataclasses.replace(f, raw=True), TABLE_COLUMNS)
    entities = " JOIN entities e ON e.id = m.entity_id" if f.type else ""
    total = db.execute("SELECT count(*) FROM mentions m JOIN documents d ON d.id = "
                       f"m.document_id{entities}"
                       + "".join((" WHERE " if i == 0 else " AND ") + w
                                 for i, w in enumerate(where)), params).fetchone()[0]
    return total if f.raw or f.review else total - _wrong_count(db, f)


def _wrong_count(db: Database, f: MentionFilter) -> int:
    """The mentions matching ``f`` that a reviewer marked wrong (a few rows)."""
    where, params = where_clauses(db, dataclasses.replace(f, raw=True))
    return db.execute(
        "SELECT count(*) FROM mention_rows WHERE mention_id IN (SELECT mention_id FROM "
        "reviews WHERE verdict = 'wrong') AND review = 'wrong'"
        + "".join(" AND " + w for w in where), params).fetchone()[0]


def _document_count(db: Database, f: MentionFilter) -> int | None:
    """A search, with dates, source, language or copies at most: the sum of the found
    documents' totals (m014; a mention's date is its document's). The documents' rows
    are read only for those other filters."""
    if (f.search is None or f.party or f.politician or f.direct or f.position or f.type
            or f.no_discovered or f.review):
        return None
    where, params = where_clauses(db, dataclasses.replace(f, raw=True, search=None),
                                  DOCUMENT_COLUMNS)
    found = "IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)"
    if where:
        sql = ("SELECT coalesce(sum(t.mentions), 0) FROM documents d JOIN "
               f"document_mentions t ON t.document = d.rowid WHERE d.rowid {found} AND "
               + " AND ".join(where))
    else:
        sql = f"SELECT coalesce(sum(mentions), 0) FROM document_mentions WHERE document {found}"
    total = db.execute(sql, [fts_query(f.search), *params]).fetchone()[0]
    return total if f.raw else total - _wrong_count(db, f)


# The filters that name columns of documents alone, for counts from document totals.
DOCUMENT_COLUMNS = {"source": "d.source", "published_at": "d.published_at", "lang": "d.lang",
                    "duplicate_of": "d.duplicate_of"}


CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # no part of any text; a NUL ends an SQL string


def _daily_count(db: Database, f: MentionFilter) -> int | None:
    if (f.direct or f.position or f.type or f.search is not None or f.no_discovered
            or f.review):
        return None
    keyed = [(dimension, value) for dimension, value in (
        ("party", f.party and resolve(db, f.party, "party")),
        ("entity", f.politician and resolve(db, f.politician, "politician")),
        ("source", f.source), ("lang", f.lang)) if value]
    if len(keyed) > 1:
        return None
    dimension, key = keyed[0] if keyed else ("lang", None)
    sql = (f"SELECT coalesce(sum({'originals' if f.no_duplicates else 'mentions'}), 0) "
           "FROM mention_counts WHERE dimension = ?")
    params: list = [dimension]
    if key is not None:
        sql += " AND key = ?"
        params.append(key)
    if f.since:
        sql += " AND day >= ?"
        params.append(f.since.isoformat())
    if f.until:
        sql += " AND day <= ?"
        params.append(f.until.isoformat())
    total = db.execute(sql, params).fetchone()[0]
    if not f.raw:  # less the few mentions reviewed as wrong that match
        total -= _wrong_count(db, f)
    return total


def fts_query(text: str) -> str:
    """The user's search as an FTS5 query that cannot break: each word and each "quoted
    phrase" becomes a quoted string (so `"`, `NEAR(`, `AND`, `*` or `:` are only text),
    all must appear; a word ending in `*` matches as a prefix, a bare `OR` between two
    terms is kept; `-word`, `-"a phrase"` or `NOT word` leaves out the documents holding
    it, whatever the rest (`Farage -Trump` found the one Farage story naming Trump, and
    `Farage NOT Trump` nothing: both were searched as words). Case and accents are
    ignored by the index itself."""
    terms: list[str] = []
    excluded: list[str] = []
    negate = False
    # Control characters are no words; FTS5 reads a NUL as the end of its query.
    text = CONTROL.sub(" ", text)
    for minus, phrase, word in re.findall(r'(-?)"([^"]*)"|(\S+)', text):
        if word == "OR":
            if terms and terms[-1] != "OR":
                terms.append("OR")
            continue
        if word == "NOT":
            negate = True
            continue
        if word.startswith("-") and re.search(r"[^\W_]", word):
            minus, word = "-", word.lstrip("-")
        prefix = word.endswith("*") and bool(word.rstrip("*"))
        raw = word.rstrip("*") if prefix else (phrase or word)
        if not re.search(r"[^\W_]", raw):  # the index reads "_" as a separator too
            continue
        term = '"' + raw.replace('"', '""') + '"' + ("*" if prefix else "")
        if minus or negate:
            excluded.append(term)
            if terms and terms[-1] == "OR":  # "a OR -b" is "a", without b
                terms.pop()
        else:
            terms.append(term)
        negate = False
    while terms and terms[-1] == "OR":
        terms.pop()
    if not terms:
        if excluded:
            raise ConfigError(f"--search {text!r}: give a word to find as well as the "
                              "ones to leave out (-word, NOT word)")
        raise ConfigError(f"--search {text!r}: no word to search for")
    if not excluded:
        return " ".join(terms)
    return f"({' '.join(terms)}) NOT ({' OR '.join(excluded)})"


def _select(db: Database, f: MentionFilter, columns: str, newest_first: bool
            ) -> tuple[str, list]:
    where, params = where_clauses(db, f, newest_page=newest_first and f.limit is not None)
    sql = f"SELECT {columns} FROM mention_rows"
    if where:
        sql += " WHERE " + " AND ".join(where)
    order = "DESC" if newest_first else "ASC"
    sql += f" ORDER BY published_at {order}, document_id {order}, start"
    if f.limit is not None or f.offset:
        sql += " LIMIT ? OFFSET ?"
        params.extend([-1 if f.limit is None else f.limit, f.offset])
    return sql, params


def mention_rows(db: Database, f: MentionFilter, *, newest_first: bool = True
                 ) -> Iterator[dict]:
    """Rows of the ``mention_rows`` view matching the filter, streamed from a cursor.
    Names in the filter are resolved now, so a bad one fails before any output."""
    sql, params = _select(db, f, f"{', '.join(EXPORT_COLUMNS)}, rule, mention_id",
                          newest_first)
    return db.query(sql, params)


# What the web API gives of each mention: the export columns, and what a reviewer needs.
PAGE_COLUMNS = (*EXPORT_COLUMNS, "mention_id AS id", "entity_id", "party_id", "method",
                "confidence", "review")


def page_rows(db: Database, f: MentionFilter) -> Iterator[dict]:
    """A page of matching mentions (``limit``, ``offset``), newest first."""
    sql, params = _select(db, f, ", ".join(PAGE_COLUMNS), True)
    return db.query(sql, params)


# First characters a spreadsheet reads as a formula: = + - @ tab CR (as code points).
FORMULA_CODES = "(61, 43, 45, 64, 9, 13)"
PAGE_TEXT = ("url", "title", "surface", "sentence")  # written by strangers


def _csv_cell(column: str, delimiter: str) -> str:
    """SQL for one CSV cell: formula-looking text gets a leading apostrophe (OWASP);
    page text is always quoted, names only when they hold a quote, the delimiter or a
    line break; our own ISO dates are written as they are."""
    if column == "published_at":
        return f"coalesce({column}, '')"
    prefix = f"CASE WHEN unicode({column}) IN {FORMULA_CODES} THEN '''' ELSE '' END"
    quoted = f"""'"' || {prefix} || replace({column}, '"', '""') || '"'"""
    if column in PAGE_TEXT:
        return f"CASE WHEN {column} IS NULL THEN '' ELSE {quoted} END"
    sep = delimiter.replace("'", "''")
    return (f"""CASE WHEN {column} IS NULL THEN '' WHEN instr({column}, '"') """
            f"OR instr({column}, '{sep}') OR instr({column}, char(10)) "
            f"OR instr({column}, char(13)) OR unicode({column}) IN {FORMULA_CODES} "
            f"THEN {quoted} ELSE {column} END")


def csv_lines(db: Database, f: MentionFilter, *, delimiter: str = ",",
              newest_first: bool = False) -> sqlite3.Cursor:
    """Each matching mention as one finished CSV line (export columns, no line end),
    built by SQLite: quoting and formula neutralisation run in C and Python only writes
    lines, so a million-row export streams in constant memory, near the sqlite3 tool's
    own speed."""
    sep = delimiter.replace("'", "''")
    line = f" || '{sep}' || ".join(_csv_cell(c, delimiter) for c in EXPORT_COLUMNS)
    sql, params = _select(db, f, line, newest_first)
    return db.execute(sql, params)


# Where each filtered column lives: in the ``mention_rows`` view, or in the raw tables
# (m: mentions, d: documents, e: the mention's entity) that `tracker stats` reads.
VIEW_COLUMNS = {c: c for c in ("entity_id", "party_id", "source", "published_at", "lang",
                               "duplicate_of", "position", "entity_type", "document_id",
                               "method", "review")}
TABLE_COLUMNS = {"entity_id": "m.entity_id", "party_id": "m.party_id", "source": "d.source",
                 "published_at": "m.published_at", "lang": "d.lang",
                 "duplicate_of": "d.duplicate_of", "position": "m.position",
                 "entity_type": "e.type", "document_id": "m.document_id",
                 "method": "m.method",
                 "review": "(SELECT r.verdict FROM reviews r WHERE r.mention_id = m.id "
                           "AND r.entity_id = m.entity_id)"}


def where_clauses(db: Database, f: MentionFilter, columns: dict[str, str] = VIEW_COLUMNS,
                  *, newest_page: bool = False) -> tuple[list[str], list]:
    """The filter as SQL conditions with bound parameters, over ``columns``
    (``newest_page``: for a page of the newest mentions)."""
    c = columns
    where: list[str] = []
    params: list = []
    if f.party:
        # --direct: the party's own names, not its members' words ("socialistes").
        where.append(f"{c['entity_id']} = ? AND {c['method']} != 'member'" if f.direct
                     else f"{c['party_id']} = ?")
        params.append(resolve(db, f.party, "party"))
    if f.politician:
        where.append(f"{c['entity_id']} = ?")
        params.append(resolve(db, f.politician, "politician"))
    if f.source:
        where.append(f"{c['source']} = ?")
        params.append(check_source(db, f.source))
    if f.since and f.until and f.since > f.until:
        raise ConfigError(f"--since {f.since} is after --until {f.until}")
    if f.since:
        where.append(f"{c['published_at']} >= ?")
        params.append(f.since.isoformat())
    if f.until:
        where.append(f"{c['published_at']} < ?")
        params.append((f.until + dt.timedelta(days=1)).isoformat())
    if f.lang:
        where.append(f"{c['lang']} = ?")
        params.append(f.lang)
    if f.no_duplicates:
        where.append(f"{c['duplicate_of']} IS NULL")
    if f.no_discovered:
        where.append(f"coalesce({c['method']}, '') != 'discovered'")
    if f.position:
        where.append(f"{c['position']} = ?")
        params.append(f.position)
    if f.type:
        where.append(f"{c['entity_type']} = ?")
        params.append(f.type)
    if f.review == "none":  # not reviewed yet: what a reviewer has left to read
        where.append(f"{c['review']} IS NULL")
    elif f.review in ("right", "wrong"):
        where.append(f"{c['review']} = ?")
        params.append(f.review)
    elif f.review is not None:
        raise ConfigError(f"--review {f.review!r}: choose right, wrong or none")
    elif not f.raw:  # a reviewer said this mention is wrong: it counts nowhere
        where.append(f"coalesce({c['review']}, '') != 'wrong'")
    if f.search is not None:
        query = fts_query(f.search)
        # A page of the newest mentions of a word most documents hold: read the mentions
        # newest first and stop at the page's end (the unary + keeps SQLite from starting
        # at the documents found, all of whose mentions it would then sort: a second).
        ids = ("+" if newest_page and _common(db, query) else "") + c["document_id"]
        where.append(f"{ids} IN (SELECT id FROM documents WHERE rowid IN "
                     "(SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?))")
        params.append(query)
    return where, params


COMMON = 2000  # documents matching a search, past which a page is read newest first


def _common(db: Database, query: str) -> bool:
    return db.execute("SELECT count(*) FROM (SELECT 1 FROM documents_fts WHERE "
                      f"documents_fts MATCH ? LIMIT {COMMON + 1})", [query]).fetchone()[0] > COMMON
