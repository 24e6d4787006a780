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
    limit: int | None = None


def resolve(db: Database, name: str, type_: str) -> list[str]:
    """Entity ids whose id, canonical name or alias folds to ``name``; error if none."""
    key = fold(name)
    ids = []
    for row in db.query("SELECT id, name, aliases FROM entities WHERE type = ?", [type_]):
        names = [row["id"], row["name"], *json.loads(row["aliases"] or "[]")]
        if key in {fold(n) for n in names}:
            ids.append(row["id"])
    if not ids:
        raise ConfigError(f"unknown {type_} {name!r}: not an id, name or alias in the "
                          "knowledge base")
    return ids


def mention_rows(db: Database, f: MentionFilter, *, newest_first: bool = True
                 ) -> Iterator[dict]:
    """Rows of the ``mention_rows`` view matching the filter, streamed from a cursor."""
    where, params = _where(db, f)
    sql = f"SELECT {', '.join(EXPORT_COLUMNS)}, rule, mention_id FROM mention_rows"
    if where:
        sql += " WHERE " + " AND ".join(where)
    order = "DESC" if newest_first else "ASC"
    sql += f" ORDER BY published_at {order}, document_id, start"
    if f.limit is not None:
        sql += " LIMIT ?"
        params.append(f.limit)
    yield from db.query(sql, params)


def _where(db: Database, f: MentionFilter) -> tuple[list[str], list]:
    where: list[str] = []
    params: list = []
    if f.party:
        ids = resolve(db, f.party, "party")
        column = "entity_id" if f.direct else "party_id"
        where.append(f"{column} IN ({', '.join('?' * len(ids))})")
        params.extend(ids)
    if f.politician:
        ids = resolve(db, f.politician, "politician")
        where.append(f"entity_id IN ({', '.join('?' * len(ids))})")
        params.extend(ids)
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
    return where, params
