"""`tracker db backup`: a consistent copy of a live database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tracker.errors import TrackerError
from tracker.store import Store


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
