"""Many rows written by a few statements of many rows each, for the store's hot inserts
(a document's mentions, a transaction's counts)."""

from __future__ import annotations

import sqlite3


def insert_many(conn: sqlite3.Connection, head: str, rows: list[tuple], tail: str = "") -> None:
    """``head`` ("INSERT INTO t (a, b)") for many rows, as few statements of many rows each
    (``VALUES (...), (...)``, then ``tail``, e.g. an ON CONFLICT clause).

    ``executemany`` runs the statement once a row, and SQLite sets a trigger's program up
    again at each run, before its WHEN clause can say no: 9 to 18 us a row for the
    mentions' three insert triggers, more than the row itself. One statement of many rows
    sets each up once. Chunks of 64, 32 ... 1 rows keep the variables under SQLite's
    oldest limit (999, for up to 15 columns) and the statements few, so they stay in the
    statement cache. A chunk that fails is undone whole (the caller's savepoint or
    transaction undoes the rest)."""
    if not rows:
        return
    width = len(rows[0])
    if any(len(row) != width for row in rows):  # flattened, they would shift silently
        raise ValueError(f"rows of unequal width for {head}")
    one = "(" + ", ".join("?" * width) + ")"
    start, size = 0, 64
    while start < len(rows):
        while size > len(rows) - start:
            size //= 2
        chunk = rows[start:start + size]
        conn.execute(f"{head} VALUES {', '.join([one] * size)} {tail}",
                     [value for row in chunk for value in row])
        start += size
