"""Figures computed once per state of the database, for every client that asks.

A year's overview or a party's page over a million mentions takes from a tenth of a
second to a few; fifty people opening it at once would each pay that, on every core. The
result is kept with the database's state: the size and modification time of the file
and of its write-ahead log, which every commit changes. While one request computes a
figure, the others asking the same wait for it instead of computing it too.

Two kinds of commit, two rules:
- **The server's own** (a review, a rule): nothing kept is shown again, so a verdict
  shows at once in every count (``forget``, called by the server's writer).
- **Another program's** (`tracker run` collecting, a `retag`): once a kept figure is
  ``max_age`` seconds old, one background thread computes it afresh, and readers are
  shown the kept one meanwhile; only one older than ``STALE_AT_MOST`` times that makes its
  reader wait. During collection the daemon commits every few seconds; computing every
  figure again after each would keep a core busy and make every reader wait (a p95 of 5 s
  for 50 clients over a million mentions). With ``max_age`` 0 every commit makes the next
  request compute afresh.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from tracker.errors import TrackerError

T = TypeVar("T")
SIZE = 256  # figures kept: pages, API answers and pages of mentions, across parameters
MAX_AGE = 10.0  # seconds before a figure is computed again after another program's commit
STALE_AT_MOST = 3  # times max_age: a figure older is never shown (background behind)
KEPT_BYTES = 256_000_000  # encoded answers kept in all (every politician by month: 113 MB)
COMPUTING = 3  # figures computed at once; more only contend for the GIL
JOINED = 1 << 20  # bytes of pieces a streamed answer's reader takes as one, at most
STREAMING = COMPUTING - 1  # streamed answers made at once: a slot is left for the pages
RAW_ROWS = 1_000_000  # rows of raw results kept in all (a year's politicians by week: 500,000)


@dataclass
class _Kept:
    value: Any
    state: tuple  # the database's state before it was computed
    at: float  # time.monotonic() when its computation began


class Memo:
    def __init__(self, path: Path, reader: Callable[[], contextlib.AbstractContextManager],
                 size: int = SIZE, max_age: float = MAX_AGE, raw: Raw | None = None,
                 slots: threading.Semaphore | None = None):
        self.path = path
        # Figures computed at once (shared by the server's memos). Fifty clients on a
        # server just started asked for 17 figures at once: their threads fought for the
        # GIL, every answer, kept ones too, waited 3.5 s, and the p95 was 0.66 to 1.1 s.
        # Two or three at a time (SQLite reads in one while Python works in another): 0.39
        # to 0.48 s; one at a time: 0.94 s.
        self.slots = slots if slots is not None else threading.BoundedSemaphore(COMPUTING)
        self.raw = raw  # raw counts kept across the server's reviews
        self.wal = path.with_name(path.name + "-wal")
        self.reader = reader  # a read connection for a computation (the request's is busy)
        self.size = size
        self.max_age = max_age
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._generation = 0  # the server's own writes
        self._background = threading.Semaphore(1)  # one refresh at a time: readers first
        self._queued: set[Hashable] = set()  # refreshes waiting for their turn
        self._bytes = 0  # of the encoded answers kept (bytes values)
        self._flights: dict[Hashable, _Flight] = {}  # streamed answers being made
        # Taken before a slot: three downloads of seconds each (every politician by
        # month, every view) would otherwise hold every slot, and no page be computed.
        self._streaming = threading.BoundedSemaphore(STREAMING)

    def state(self) -> tuple:
        """What changes with every commit (two stat calls)."""
        out = []
        for path in (self.path, self.wal):
            try:
                st = path.stat()
                out += [st.st_mtime_ns, st.st_size]
            except OSError:
                out += [None, None]
        return tuple(out)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Any]:
        """A connection for a computation, its raw reads kept (``Raw``)."""
        with self.reader() as db:
            yield self.raw.reads(db) if self.raw is not None else db

    def forget(self) -> None:
        """The server wrote: nothing computed before may be shown again."""
        with self._lock:
            self._generation += 1
            self._items.clear()
            self._flights.clear()  # their readers read on; new ones start afresh
            self._bytes = 0

    def get(self, key: Hashable, compute: Callable[[Any], T]) -> T:
        """``compute(db)``'s value for ``key``: in the database's present state, or, when
        another program committed since, as it was at most ``max_age`` seconds ago (more
        while the background computation is under way, up to ``STALE_AT_MOST`` times)."""
        asked = time.monotonic()
        state = self.state()
        with self._lock:
            found, value = self._shown(key, compute, asked, state)
            if found:
                return value
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:  # one computes, the others asking the same wait for it
            with self._lock:
                kept = self._items.get(key)
                if kept is not None and (kept.state == state or kept.at >= asked):
                    return kept.value  # computed while this one waited
            try:
                return self._compute(key, compute)
            finally:
                self._done(key, gate)

    def stream(self, key: Hashable, produce: Callable[[Any], Iterator[bytes]]
               ) -> bytes | Iterator[bytes]:
        """``b"".join(produce(db))`` for ``key`` when ``get`` would show it kept; else
        its pieces as they are made (every politician by month is 113 MB, made in about 2 s:
        its first rows go out at once). One thread makes them, in a slot, whatever pace
        its clients read at; every reader asking meanwhile reads the same pieces (fifty
        readers of a year of counts each making their own took 20 s); they are kept once
        all are made."""
        asked = time.monotonic()
        state = self.state()
        with self._lock:
            found, value = self._shown(key, lambda db: b"".join(produce(db)), asked, state)
            if found:
                return value
            flight = self._flights.get(key)
            # Joined when it began in this state, or recently enough (as ``get`` shows).
            new = flight is None or not (flight.state == state
                                         or asked - flight.at < self.max_age)
            if new:
                flight = self._flights[key] = _Flight(state, asked)
        if new:
            try:
                threading.Thread(target=self._fly, args=(key, produce, flight),
                                 name="memo-stream", daemon=True).start()
            except RuntimeError as exc:  # no thread to be had: a 503, try again later
                with self._lock:
                    if self._flights.get(key) is flight:
                        del self._flights[key]
                busy = TrackerError("the server cannot start computing this now (no "
                                    "thread to be had); try again in a moment")
                busy.__cause__ = exc
                flight.finish(busy)
        return flight.read()

    def _fly(self, key: Hashable, produce: Callable[[Any], Iterator[bytes]],
             flight: _Flight) -> None:
        with self._lock:
            generation = self._generation
        try:
            # One slot throughout, as ``get``'s computations: taken again for each of
            # a year's 107 pieces, among fifty readers' pages, it made them in seconds.
            with self._streaming, self.slots, self.reading() as db:
                made = produce(db)
                try:
                    for piece in made:
                        flight.add(piece)
                finally:
                    getattr(made, "close", lambda: None)()  # (a generator's cleanup)
            if sum(map(len, flight.pieces)) < KEPT_BYTES // 2:  # (else not kept)
                self._keep(key, b"".join(flight.pieces), flight.state, flight.at,
                           generation)
        except BaseException as exc:  # noqa: BLE001 - its readers raise it
            flight.finish(exc)
        else:
            flight.finish(None)
        finally:
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]

    def _shown(self, key: Hashable, compute: Callable[[Any], Any], asked: float,
               state: tuple) -> tuple[bool, Any]:
        """(True, the kept value) when it may be shown (holding the lock): computed in
        this ``state``, or recently enough (then computed again in the background once
        ``max_age`` old)."""
        kept = self._items.get(key)
        if kept is None:
            return False, None
        self._items.move_to_end(key)
        if kept.state == state:
            return True, kept.value
        age = asked - kept.at
        if age < self.max_age * STALE_AT_MOST:
            if age >= self.max_age and key not in self._computing and key not in self._queued:
                self._refresh(key, compute)
            return True, kept.value
        return False, None

    def _done(self, key: Hashable, gate: threading.Lock) -> None:
        """``key`` is no longer being computed (unless another gate took its place)."""
        with self._lock:
            if self._computing.get(key) is gate:
                del self._computing[key]

    def _compute(self, key: Hashable, compute: Callable[[Any], T]) -> T:
        with self._lock:
            generation = self._generation
        with self.slots:
            at, state = time.monotonic(), self.state()
            with self.reading() as db:
                value = compute(db)
        self._keep(key, value, state, at, generation)
        return value

    def _keep(self, key: Hashable, value: Any, state: tuple, at: float,
              generation: int) -> None:
        """Keep ``value``, computed from ``state``: not if the server wrote meanwhile;
        nor an answer of half the budget or more."""
        size = len(value) if isinstance(value, bytes) else 0
        with self._lock:
            old = self._items.get(key)
            if (generation == self._generation and size < KEPT_BYTES // 2
                    and (old is None or old.at <= at)):  # (not over a newer one)
                old = self._items.pop(key, None)
                self._bytes -= _size(old)
                self._items[key] = _Kept(value, state, at)
                self._bytes += size
                while len(self._items) > self.size or self._bytes > KEPT_BYTES:
                    self._bytes -= _size(self._items.popitem(last=False)[1])

    def _refresh(self, key: Hashable, compute: Callable[[Any], T]) -> None:
        """Compute ``key`` again in the background (called holding the lock), readers
        shown the kept value meanwhile. A refresh waiting for its turn holds no gate: a
        reader that may not wait (the figure too old, or a review since) computes it."""
        self._queued.add(key)

        def run() -> None:
            try:
                with self._background:
                    with self._lock:
                        self._queued.discard(key)
                        kept = self._items.get(key)
                        if kept is None or key in self._computing or (
                                kept.state == self.state()):
                            return  # forgotten, being computed, or fresh already
                        gate = self._computing[key] = threading.Lock()
                        gate.acquire()
                    try:
                        self._compute(key, compute)
                    finally:
                        self._done(key, gate)
                        gate.release()
            except Exception:  # noqa: BLE001 - the next reader computes it, and says why
                pass

        try:
            threading.Thread(target=run, name="memo-refresh", daemon=True).start()
        except RuntimeError:  # no thread to be had: a reader computes it later
            self._queued.discard(key)


class _Flight:
    """A streamed answer being made: its pieces so far, for every reader."""

    def __init__(self, state: tuple, at: float) -> None:
        self.state, self.at = state, at  # the database's state and the time it began
        self.pieces: list[bytes] = []
        self._done = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()

    def add(self, piece: bytes) -> None:
        with self._changed:
            self.pieces.append(piece)
            self._changed.notify_all()

    def finish(self, error: BaseException | None) -> None:
        with self._changed:
            self._done, self._error = True, error
            self._changed.notify_all()

    def read(self) -> Iterator[bytes]:
        """Every piece, as it comes (those made meanwhile as one, up to ``JOINED`` bytes:
        each is a hop to a thread of the server's pool); the maker's error, if it failed."""
        at = 0
        while True:
            with self._changed:
                while at == len(self.pieces) and not self._done:
                    self._changed.wait()
                ready, size = [], 0
                while at + len(ready) < len(self.pieces) and size < JOINED:
                    ready.append(self.pieces[at + len(ready)])
                    size += len(ready[-1])
                if not ready:
                    if self._error is not None:
                        raise _own_copy(self._error)
                    return
            at += len(ready)
            yield ready[0] if len(ready) == 1 else b"".join(ready)


def _own_copy(error: BaseException) -> BaseException:
    """The maker's error for one reader: the same type and message, a traceback of its
    own (one object raised in many threads at once would grow one traceback from all)."""
    try:
        mine = copy.copy(error)
    except Exception:  # noqa: BLE001 - an exception that cannot be copied
        mine = TrackerError(f"the figures could not be made ({type(error).__name__})")
    mine.__cause__, mine.__traceback__ = error, None
    return mine


def _size(kept: _Kept | None) -> int:
    return len(kept.value) if kept is not None and isinstance(kept.value, bytes) else 0


class Raw:
    """Results of the SELECTs that read no review, kept until another program commits.

    A review makes every figure be computed again, yet changes none of what most of that
    work reads: the daily counts, roll-ups and co-mention pairs stay raw, and the review
    corrections are read apart (``grouping._wrong``, ``figures._kept``). Kept per ``version``,
    the server's own connection's count of other connections' commits (its own writes,
    reviews among them, do not move it); any other write of the server forgets them all.
    """

    def __init__(self, version: Callable[[], int | None], rows: int = RAW_ROWS):
        self.version = version
        self.rows = rows  # at most this many rows kept in all
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, tuple[int, list, Any]] = OrderedDict()
        self._held = 0
        self._generation = 0  # the server's writes other than reviews

    def forget(self) -> None:
        with self._lock:
            self._items.clear()
            self._held = 0
            self._generation += 1

    def reads(self, db: Database) -> Database:
        """``db``, whose ``execute`` answers a SELECT that reads no review from here."""
        return _RawReads(db.conn, self)

    def fetch(self, sql: str, parameters: Any, run: Callable[[], Any]) -> Any:
        version = self.version()
        key = (sql, _hashable(parameters))
        with self._lock:
            generation = self._generation
            kept = self._items.get(key)
            if kept is not None and version is not None and kept[0] == version:
                self._items.move_to_end(key)
                return _Rows(kept[1], kept[2])
        cursor = run()
        # A result past a quarter of the budget (a year of mentions with their sentences,
        # which co-mentions stream) is read on as it comes, not held.
        rows = cursor.fetchmany(self.rows // 4 + 1)
        if len(rows) > self.rows // 4:
            return _Rows(rows, cursor.description, rest=cursor)
        with self._lock:
            if version is not None and generation == self._generation:
                old = self._items.pop(key, None)
                self._held -= len(old[1]) if old else 0
                self._items[key] = (version, rows, cursor.description)
                self._held += len(rows)
                while self._held > self.rows:
                    _, (_, gone, _) = self._items.popitem(last=False)
                    self._held -= len(gone)
        return _Rows(rows, cursor.description)



def _kept_sql(sql: str) -> bool:
    head = sql.lstrip()[:4].upper()
    text = sql.upper()
    return head in ("SELE", "WITH") and "REVIEW" not in text and "MENTION_ROWS" not in text


def _hashable(parameters: Any) -> Hashable:
    if parameters is None:
        return None
    if isinstance(parameters, dict):
        return tuple(sorted(parameters.items()))
    return tuple(parameters)


class _RawReads(Database):
    def __init__(self, conn, raw: Raw):
        super().__init__(conn)
        self._raw = raw

    def execute(self, sql: str, parameters=None):  # type: ignore[override]
        # Inside a read transaction (``figures.snapshot``) the reader sees its snapshot,
        # which the version read on another connection cannot name.
        if self.conn.in_transaction or not _kept_sql(sql):
            return super().execute(sql, parameters)
        return self._raw.fetch(sql, parameters, lambda: super(_RawReads, self).execute(
            sql, parameters))


class _Rows:
    """A cursor over kept rows (then the ``rest`` of a real one): what the figures' code
    asks of one."""

    def __init__(self, rows: list, description: Any, rest: Any = None):
        self._rows, self._at, self.description, self._rest = rows, 0, description, rest

    def fetchone(self) -> Any:
        if self._at < len(self._rows):
            self._at += 1
            return self._rows[self._at - 1]
        return self._rest.fetchone() if self._rest is not None else None

    def fetchall(self) -> list:
        out, self._at = self._rows[self._at:], len(self._rows)
        return out + self._rest.fetchall() if self._rest is not None else out

    def __iter__(self) -> Iterator:
        rows = self._rows
        while self._at < len(rows):  # a year of counts is 60,000 rows: not a call each
            self._at += 1
            yield rows[self._at - 1]
        if self._rest is not None:
            yield from self._rest
