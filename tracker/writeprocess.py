"""The writing thread (``tracker.writer``) in a process of its own.

Storing a page (its row and full-text index, fifty mentions, the counts, the fingerprint's
bands, the candidates) costs about 4 ms of CPU, two thirds of what the daemon's main
process spent a page, under the same GIL as every source's fetching. In its own process
the writer no longer takes that time from fetching, and the main process's CPU a page
falls to what scheduling and fetching cost: one daemon can feed more workers.

The main process sends each task (a picklable callable, ``writer.SaveBatch``) through a
pipe; the child hands it to its ``Writer``, which groups the batches waiting into one
transaction as before, and sends each result (or error) back once committed. The child's
log records come back the same way and are logged here. When the child dies (killed by
the kernel, say), a new one writes the batches it had not answered, before any later
batch; a batch that kills that one too fails, as a failed commit fails it (its source
fetches the pages again at the next pass). The child exits with the main process, even
killed, like the worker processes.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.util
import os
import pickle
import signal
import socket
import threading
import weakref
from collections.abc import Sequence
from concurrent.futures import Future
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError

log = logging.getLogger(__name__)
NAME = b"tracker-writer"  # the child's name in ps, top and /proc/PID/comm
IDLE_AFTER_CLOSE = 5.0  # seconds a child started after ``close`` waits for more work
RETRIES = 1  # times a task the writing process died with goes to a new one
EXIT_WAIT = 30.0  # seconds this process, exiting without ``close``, lets the child finish


class WriterProcess:
    """``tracker.writer.Writer``'s interface, the writing done in a child process:
    ``submit(task)`` returns a future of ``task(store)``'s result once committed."""

    def __init__(self, db_path: Path, alerts: Sequence = (), timezone: str = "UTC"):
        self.db_path = Path(db_path)
        self.alerts = tuple(alerts)  # mention rules are checked as documents are stored
        self.timezone = timezone
        self._lock = threading.Lock()  # the child and its state
        self._send_lock = threading.Lock()  # one sender at a time on the pipe
        self._child: _Child | None = None
        self._closed = False
        self._exiting = False
        _watch_exit(self)

    def start(self) -> None:
        """Start the child now, so that its imports are done before the first batch."""
        with self._lock:
            if self._child is None and not self._exiting:
                self._child = _Child.start(self, linger=self._closed)

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.process.pid if child is not None else None

    def submit(self, task: Any) -> Future:
        future: Future = Future()
        with self._lock:
            child, number = self._add(task, future, 0)
        self._send(child, number, task)
        return future

    def close(self) -> None:
        """Write what was sent, then stop the child. A later ``submit`` (a pass still
        running when a reload closed its pipeline) starts one that stops once idle."""
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
        if child is not None:
            with self._send_lock, contextlib.suppress(OSError, ValueError):
                child.conn.send(None)
            child.reader.join()

    def _at_exit(self) -> None:
        """This process is exiting without ``close``: the child gets what was sent
        written (its pipe closed, it stops), within a bound, else it is killed."""
        with self._lock:
            self._exiting = True
            child, self._child = self._child, None
        if child is None:
            return
        with contextlib.suppress(OSError, ValueError), socket.socket(  # end of input: it stops
                fileno=os.dup(child.conn.fileno())) as end:
            end.shutdown(socket.SHUT_WR)
        child.reader.join(EXIT_WAIT)  # its last answers and log lines handled here
        if child.process.is_alive():
            child.process.kill()
            child.reader.join(5)

    def _add(self, task: Any, future: Future, tries: int) -> tuple[_Child, int]:
        """The child that will write ``task`` (called holding the lock), and its number
        there. A child whose reader has ended is no longer ``_child``: ``_ended`` takes
        its tasks and clears it under this same lock."""
        if self._child is None:
            if self._exiting:
                raise TrackerError("the writing process is stopping: this process exits")
            self._child = _Child.start(self, linger=self._closed)
        return self._child, self._child.add(task, future, tries)

    def _send(self, child: _Child, number: int, task: Any) -> None:
        try:
            data = ForkingPickler.dumps((number, task))
        except Exception as exc:  # noqa: BLE001 - a task that cannot be pickled: a bug
            child.forget(number, TrackerError(f"unsendable batch: {exc}"))
            return
        try:
            with self._send_lock:  # blocks while the child's queue is full: back-pressure
                child.conn.send_bytes(data)
        except (OSError, ValueError):
            pass  # the child is gone: its reader sends the task to the next one

    def _ended(self, child: _Child) -> None:
        """``child`` is gone (its reader ends here). The tasks it had not answered go to a
        new child once, in the order they came and before any later batch: a submit waits
        for this lock, and one that came before is among them. An answer lost with the
        child may have been committed: storing is idempotent (the document is then not
        counted as new, and its fetch log rows are written twice). The tasks sent again
        share a transaction: one that kills the new child fails them all (their sources
        fetch the pages again at the next pass)."""
        with self._lock:
            lost = child.over()
            if self._child is child:
                self._child = None  # the next batch starts a new one
            why = TrackerError("the writing process stopped" + (
                f" (exit code {child.process.exitcode})" if child.process.exitcode else ""))
            again, failed = [], []
            no_start: TrackerError | None = None  # a new process could not start
            for task, future, tries in lost:
                if future.done():
                    continue
                if tries >= RETRIES or self._exiting:
                    failed.append((future, why))
                    continue
                if no_start is not None:  # none is tried again
                    failed.append((future, no_start))
                    continue
                try:
                    again.append((*self._add(task, future, tries + 1), task))
                except Exception as exc:  # noqa: BLE001 - no new process (out of memory)
                    no_start = TrackerError(
                        f"the writing process stopped and could not start again ({exc})")
                    failed.append((future, no_start))
            if again:
                log.warning("the writing process stopped; its batches go to a new one",
                            extra={"batches": len(again),
                                   "exit_code": child.process.exitcode})
            for new, number, task in again:  # under the lock: before any later batch
                self._send(new, number, task)
        for future, exc in failed:  # outside the lock: a callback may submit
            future.set_exception(exc)


_LIVE: weakref.WeakSet[WriterProcess] = weakref.WeakSet()
_HOOKED: list[bool] = []  # the exit hook is registered once


def _watch_exit(writer: WriterProcess) -> None:
    """At exit, each writer not closed lets its child finish, before multiprocessing's
    exit function joins the children: it would wait forever for one that ignores
    SIGTERM, and a process that exits without ``close`` (a reload that failed half-way)
    would never end."""
    if not _HOOKED:
        # Run by multiprocessing's exit function before it signals and joins the
        # children, whatever the order of atexit's hooks.
        multiprocessing.util.Finalize(None, _at_exit_all, exitpriority=100)
        _HOOKED.append(True)
    _LIVE.add(writer)


def _at_exit_all() -> None:
    for writer in list(_LIVE):
        try:
            writer._at_exit()
        except Exception:  # noqa: BLE001 - the next writer's child must still end
            log.exception("the writing process could not be stopped at exit")


class _Child:
    """One child process, its pipe, and the tasks it has not answered yet."""

    def __init__(self, owner: WriterProcess, process, conn):
        self.owner, self.process, self.conn = owner, process, conn
        self._tasks: dict[int, tuple[Any, Future, int]] = {}
        self._lock = threading.Lock()
        self._next = 0
        self.reader = threading.Thread(target=self._read, name="writer-replies", daemon=True)

    @classmethod
    def start(cls, owner: WriterProcess, linger: bool) -> _Child:
        context = multiprocessing.get_context("spawn")  # nothing of this process's threads
        ours, theirs = context.Pipe()
        process = context.Process(
            target=serve, name="tracker-writer", daemon=True,
            args=(theirs, str(owner.db_path), owner.alerts, owner.timezone,
                  IDLE_AFTER_CLOSE if linger else None,
                  logging.getLogger().getEffectiveLevel()))
        process.start()
        theirs.close()
        child = cls(owner, process, ours)
        child.reader.start()
        return child

    def add(self, task: Any, future: Future, tries: int) -> int:
        """The number ``task`` is answered under."""
        with self._lock:
            self._next += 1
            self._tasks[self._next] = (task, future, tries)
            return self._next

    def forget(self, number: int, exc: BaseException) -> None:
        with self._lock:
            _, future, _ = self._tasks.pop(number, (None, None, 0))
        if future is not None and not future.done():
            future.set_exception(exc)

    def over(self) -> list[tuple[Any, Future, int]]:
        """The tasks not answered, in the order sent (the owner no longer adds any)."""
        with self._lock:
            lost = [self._tasks[n] for n in sorted(self._tasks)]
            self._tasks = {}
        return lost

    def _read(self) -> None:
        try:
            while True:
                message = self.conn.recv()
                if message is None:
                    break
                if message[0] == "log":
                    record = logging.makeLogRecord(message[1])
                    logger = logging.getLogger(record.name)
                    if logger.isEnabledFor(record.levelno):  # this process's levels
                        logger.handle(record)
                    continue
                _, number, ok, value = message
                with self._lock:
                    _, future, _ = self._tasks.pop(number, (None, None, 0))
                if future is not None and not future.done():
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        except (EOFError, OSError):
            pass  # the child died
        except Exception:  # a reply that cannot be read: a bug; this child is done with
            log.exception("the writing process's reply could not be read")
            self.process.kill()
        finally:
            self.process.join(timeout=30)
            if self.process.is_alive():  # stuck on its way out: done with
                self.process.kill()
                self.process.join()
            with self.owner._send_lock, contextlib.suppress(OSError):  # no sender midway
                self.conn.close()
            self.owner._ended(self)


# -- in the child ------------------------------------------------------------------------

def serve(conn, db_path: str, alerts: Sequence, timezone: str, linger: float | None,
          level: int = logging.INFO) -> None:
    """The child: each task received goes to a ``Writer``; each result goes back once
    committed. Stops at the ``None`` that ``close`` sends (after writing what came before
    it), when the main process is gone, or, started after a close, once idle."""
    _name(NAME)  # first: told from the workers from its first moment
    from tracker.workerprocess import exit_with_parent
    from tracker.writer import Writer

    # Ctrl-C and a service's stop (systemd signals every process of the service) are the
    # main process's to handle: it finishes its passes, then closes this one, whose
    # batches are then all committed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=exit_with_parent, daemon=True).start()
    send_lock = threading.Lock()
    root = logging.getLogger()
    root.handlers[:] = [_Forward(conn, send_lock)]
    root.setLevel(level)  # the main process's: -v shows this one's debug lines too
    on_saved = None
    if alerts:
        from tracker.alerts.outbox import Outbox

        on_saved = Outbox(alerts, timezone).on_saved
    writer = Writer(Path(db_path), on_saved=on_saved)
    open_tasks = [0]  # received and not yet answered
    count_lock = threading.Lock()

    def answer(number: int, future: Future) -> None:
        try:
            exc = future.exception()
            message = ("done", number, exc is None, future.result() if exc is None
                       else _portable(exc))
            try:
                data = ForkingPickler.dumps(message)
            except Exception as bad:  # noqa: BLE001 - a result that cannot travel: a bug
                data = ForkingPickler.dumps(("done", number, False,
                                             TrackerError(f"unsendable result: {bad}")))
            with send_lock, contextlib.suppress(OSError, ValueError):  # parent gone
                conn.send_bytes(data)
        finally:
            with count_lock:
                open_tasks[0] -= 1

    try:
        while True:
            if linger is not None and not conn.poll(linger):
                with count_lock:
                    if open_tasks[0] == 0:
                        break
                continue
            try:
                message = conn.recv()
            except EOFError:
                break  # the main process closed its end: gone
            if message is None:
                break
            number, task = message
            with count_lock:
                open_tasks[0] += 1
            try:
                future = writer.submit(task)
            except Exception as exc:  # noqa: BLE001 - the writing thread stopped: told
                future = Future()
                future.set_exception(exc)
            future.add_done_callback(lambda done, number=number: answer(number, done))
    finally:
        writer.close()  # what was received is written, and answered
        with send_lock, contextlib.suppress(OSError):
            conn.send(None)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it comes out of a pickle as it went in, else a ``TrackerError`` saying
    what it was (an exception that cannot be rebuilt would break the reply pipe)."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return TrackerError(f"{type(exc).__name__}: {exc}")


class _Forward(logging.Handler):
    """The child's log records, sent to the main process, whose logging writes them."""

    def __init__(self, conn, lock: threading.Lock):
        super().__init__()
        self.conn, self.sending = conn, lock  # not ``self.lock``: logging's own

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields = dict(record.__dict__)
            fields["msg"], fields["args"] = record.getMessage(), None
            if record.exc_info:
                fields["exc_text"] = logging.Formatter().formatException(record.exc_info)
            fields["exc_info"] = None
            fields = {k: v for k, v in fields.items() if _picklable(v)}
            with self.sending:
                self.conn.send(("log", fields))
        except Exception:  # noqa: BLE001 - logging never breaks the writing
            self.handleError(record)


def _picklable(value: Any) -> bool:
    try:
        pickle.dumps(value)
        return True
    except Exception:  # noqa: BLE001
        return False


def _name(name: bytes) -> None:
    """Linux's name of this process (``prctl(PR_SET_NAME)``): tells the writer from the
    worker processes in ps and top, and to the benchmarks."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name), 0, 0, 0)
