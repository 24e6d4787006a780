"""Questions asked of the store: which mentions match the user's filters.

Only SQL with bound parameters; names typed by users (party, politician) are resolved
against the entities table, case- and accent-insensitively, over ids, names and aliases.
"""

from __future__ import annotations

import datetime as dt
import json
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
    limit: int | None = None


def resolve(db: Database, name: str, type_: str) -> str:
    """The entity whose id, canonical name or alias folds to ``name``, else whose surname
    does, if only one has it; a usage error otherwise."""
    key = fold(name)
    by_name, by_surname = [], []
    for row in db.query("SELECT id, name, aliases, surname FROM entities WHERE type = ?",
                        [type_]):
        names = [row["id"], row["name"], *json.loads(row["aliases"] or "[]")]
        if key in {fold(n) for n in names}:
            by_name.append(row)
        elif row["surname"] and fold(row["surname"]) == key:
            by_surname.append(row)
    found = by_name or by_surname
    if len(found) == 1:
        return found[0]["id"]
    if found:
        names = ", ".join(sorted(r["name"] for r in found))
        raise ConfigError(f"{type_} {name!r} is ambiguous ({names}): give the full name")
    raise ConfigError(f"unknown {type_} {name!r}: not an id, name or alias in the "
                      "knowledge base")


def mention_rows(db: Database, f: MentionFilter, *, newest_first: bool = True
                 ) -> Iterator[dict]:
    """Rows of the ``mention_rows`` view matching the filter, streamed from a cursor.
    Names in the filter are resolved now, so a bad one fails before any output."""
    where, params = _where(db, f)
    sql = f"SELECT {', '.join(EXPORT_COLUMNS)}, rule, mention_id FROM mention_rows"
    if where:
        sql += " WHERE " + " AND ".join(where)
    order = "DESC" if newest_first else "ASC"
    sql += f" ORDER BY published_at {order}, document_id, start"
    if f.limit is not None:
        sql += " LIMIT ?"
        params.append(f.limit)
    return db.query(sql, params)


def _where(db: Database, f: MentionFilter) -> tuple[list[str], list]:
    where: list[str] = []
    params: list = []
    if f.party:
        where.append("entity_id = ?" if f.direct else "party_id = ?")
        params.append(resolve(db, f.party, "party"))
    if f.politician:
        where.append("entity_id = ?")
        params.append(resolve(db, f.politician, "politician"))
    if f.source:
        where.append("source = ?")
        params.append(f.source)
    if f.since:
        where.append("published_at >= ?")
        params.append(f.since.isoformat())
    if f.until:
        where.append("published_at < ?")
        params.append((f.until + dt.timedelta(days=1)).isoformat())
    if f.lang:
        where.append("lang = ?")
        params.append(f.lang)
    if f.no_duplicates:
        where.append("duplicate_of IS NULL")
    if f.position:
        where.append("position = ?")
        params.append(f.position)
    return where, params
