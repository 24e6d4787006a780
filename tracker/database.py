"""Opening a tracker database file: the connection settings of the writers and of the
readers, the checks that refuse a file that is not ours or not of this version, and the
one lock per file that the threads of this process take to write. ``tracker.store``
builds on it; the dashboard opens its own connections with it."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path

from sqlite_utils import Database

from tracker.errors import TrackerError
from tracker.schema import migrations

# One lock per database file in this process. The daemon's source threads take turns at
# writing on it, each woken as soon as the one before commits. Left to SQLite's busy
# handler, a writer that finds the file locked sleeps 1, 2, 5 ... up to 100 ms before it
# looks again: with 28 source threads that cost each source half its pass.
_WRITERS: dict[str, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()
WRITE_WAIT = 30.0  # seconds, as the busy timeout


def writer_lock(path: Path) -> threading.Lock:
    key = str(path.resolve())
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(key, threading.Lock())


def connect(path: Path, *, wal: bool = True) -> sqlite3.Connection:
    """A connection that writes: WAL, a busy timeout, foreign keys, a large page cache.
    ``wal`` False leaves the file's journal mode for ``use_wal`` to set once the file is
    known to be ours: the mode is written into the file, and another program's file is
    refused untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writable(path)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    if wal:
        use_wal(conn)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -65536")  # up to 64 MB of pages, as used
    # Each stored document is a savepoint, whose undo copy of every page it touches
    # went to a temporary file once past 64 KB: about 400 writes to a file a document,
    # a system call each (strace), which a sandboxed kernel makes dear. Kept in memory,
    # as are, deliberately, a migration's index sorts (tens of MB for a million rows).
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def writable(path: Path) -> None:
    """Check that this user may write the database, its folder and its -wal and -shm
    files, and say which one it may not; SQLite said "attempt to write a readonly
    database". A read of a read-only file leaves -wal and -shm files as read-only as the
    file (SQLite copies its mode): once the file is writable again they refused every
    write. This user's own are given their write bit back."""
    if path.exists() and not os.access(path, os.W_OK):
        raise TrackerError(f"{path}: the file is read-only and this command writes it "
                           "(chmod u+w)")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise TrackerError(f"{path.parent}: this folder is not writable; the database "
                           "keeps its -wal and -shm files beside it")
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        try:
            mode = side.stat()
        except FileNotFoundError:
            continue
        mine = not hasattr(os, "geteuid") or mode.st_uid == os.geteuid()
        if mine and not mode.st_mode & stat.S_IWUSR:
            side.chmod(stat.S_IMODE(mode.st_mode) | stat.S_IWUSR)
        elif not os.access(side, os.W_OK):
            raise TrackerError(f"{side}: not writable by this user (left by a read as "
                               "another user?); remove it while no tracker uses the "
                               "database")


def use_wal(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")


def connect_read(path: Path) -> sqlite3.Connection:
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


def refuse_newer(db: Database, path: Path) -> None:
    """A file written by a newer tracker is refused: its schema may mean other things."""
    try:
        applied = {m.name for m in migrations.applied(db)}
    except sqlite3.DatabaseError as exc:
        raise TrackerError(f"{path}: not a SQLite database ({exc})") from None
    known = {m.name for m in migrations._migrations}
    newer = applied - known
    if newer:
        raise TrackerError(f"{path}: written by a newer tracker (schema "
                           f"{', '.join(sorted(newer))}); upgrade tracker to open it")


def refuse_foreign(db: Database, path: Path) -> None:
    """Another program's SQLite file is refused untouched; an empty one is ours to fill."""
    if migrations.applied(db):
        return
    tables = db.table_names()
    if tables:
        raise TrackerError(f"{path}: not a tracker database (it holds other "
                           f"tables: {', '.join(sorted(tables)[:5])}); pass the "
                           "tracker's --db")


def refuse_older(db: Database, path: Path) -> None:
    """A reader does not upgrade a file: it says how to."""
    pending = migrations.pending(db)
    if pending:
        raise TrackerError(
            f"{path}: written by an older tracker ({len(pending)} schema "
            f"change{'s' if len(pending) > 1 else ''} to apply); upgrade it with "
            f"`tracker db upgrade --db {path}` (or any `tracker run`)")
