"""One thread writes every source's prepared pages, several batches a transaction.

Sources used to write their own batches, each taking its turn at SQLite's one write lock
for a transaction of 8 documents, on a connection whose page cache the other sources'
commits had just made stale. Each commit wrote again the index pages every document
touches (the daily counts, the fingerprint bands, the mentions' indexes, the full-text
index). In a gVisor sandbox, where each of those writes is a costly system call, twenty
sources spent 59 % of their time waiting for the lock, and the daemon's main process
stored at most 122 pages/s.

Now a source hands each prepared batch to this thread and goes back to fetching. The
thread writes every batch waiting, up to ``MAX_BATCHES``, in one transaction and in the
order they came, so a source's pages stay in order. That transaction takes no savepoints,
which cost as much again (SQLite copies each page a savepoint touches): when anything in
a batch fails, it is undone and each batch is written again alone, a savepoint a
document, so a failing document fails alone. A batch's future gives what its task
returned once it is committed: its source counts it then, in its own thread. The queue is
bounded: when the disk is slower than the workers, the sources wait here instead of
holding pages in memory.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tracker.dedupe import shingles
from tracker.errors import TrackerError
from tracker.models import NO_TEXT, Fetched, Prepared
from tracker.sources import canonical_url
from tracker.store import Store

log = logging.getLogger(__name__)
MAX_BATCHES = 16  # batches a transaction at most: the lock is held a fraction of a second
QUEUE = 32  # batches waiting at most
SAME_STORY = 0.5  # share of five-word runs an update of a story keeps
IDLE_AFTER_CLOSE = 5.0  # seconds a thread started after ``close`` waits for more work

# Writes a batch with the store it is given; what it returns is its future's result.
Task = Callable[[Store], Any]


class _TaskFailed(Exception):
    """A task failed inside the shared transaction (not the lock, nor the commit)."""


class Writer:
    """``submit(task)`` runs ``task(store)`` in the writing thread, inside a transaction
    shared with other tasks; the returned future gives the task's result once it is
    committed (or why it failed)."""

    def __init__(self, db_path: Path, on_saved: Callable | None = None):
        self.db_path = db_path
        self.on_saved = on_saved
        self._queue: queue.Queue[tuple[Task, Future] | None] = queue.Queue(QUEUE)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._broken: BaseException | None = None
        self._closed = False
        self.transactions = 0  # committed, for the curious (bench, tests)

    def submit(self, task: Task) -> Future:
        future: Future = Future()
        # Under the lock, so that no task lands behind the stop marker of ``close``.
        with self._lock:
            if self._broken is not None:
                raise TrackerError(f"the writing thread stopped ({self._broken})")
            if self._thread is None:  # opened here: a database that cannot open fails now
                store = Store(self.db_path)
                store.on_saved = self.on_saved
                self._thread = threading.Thread(target=self._run, args=(store,),
                                                name="writer", daemon=True)
                self._thread.start()
            self._queue.put((task, future))
        return future

    def close(self) -> None:
        """Write what is queued, then stop the thread. A later ``submit`` (a pass that
        was still running when a reload closed its pipeline) starts it again, and that
        thread stops by itself once idle."""
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join()

    def _run(self, store: Store) -> None:
        tasks: list[tuple[Task, Future]] = []
        try:
            while True:
                try:
                    first = self._queue.get(timeout=IDLE_AFTER_CLOSE if self._closed else None)
                except queue.Empty:
                    with self._lock:
                        if self._queue.empty():  # no submit between: the next starts anew
                            self._thread = None
                            return
                    continue
                if first is None:
                    return
                tasks, stop = [first], False
                while len(tasks) < MAX_BATCHES:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stop = True
                        break
                    tasks.append(more)
                self._write(store, tasks)
                tasks = []
                if stop:
                    return
        except BaseException as exc:  # a bug here: no source may wait for it forever
            log.exception("the writing thread stopped")
            self._broken = exc
            self._fail(tasks, exc)
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    self._fail([item], exc)
        finally:
            store.close()

    def _write(self, store: Store, tasks: list[tuple[Task, Future]]) -> None:
        """All the batches in one transaction without savepoints (each costs a copy of
        every page it touches: twice the CPU a page). When a batch fails, that is undone
        and each batch is written again alone, a savepoint a document; when the lock or
        the commit fails, every batch fails with it."""
        store.savepoints = False
        try:
            with store.write():
                results = []
                for task, _ in tasks:
                    try:
                        results.append(task(store))
                    except BaseException as exc:  # noqa: BLE001 - written again, alone
                        raise _TaskFailed(str(exc)) from exc
        except _TaskFailed as exc:
            store.savepoints = True
            log.info("batches written again one by one",
                     extra={"batches": len(tasks), "reason": str(exc)})
            for task, future in tasks:
                self._write_alone(store, task, future)
            return
        except BaseException as exc:  # noqa: BLE001 - the lock or the commit: told to all
            store.savepoints = True
            log.error("batches not stored", extra={"batches": len(tasks), "error": str(exc)})
            self._fail(tasks, exc)
            return
        store.savepoints = True
        self.transactions += 1
        for result, (_, future) in zip(results, tasks, strict=True):
            future.set_result(result)

    def _write_alone(self, store: Store, task: Task, future: Future) -> None:
        try:
            with store.write():
                result = task(store)
        except BaseException as exc:  # noqa: BLE001 - told to its source
            future.set_exception(exc)
            return
        self.transactions += 1
        future.set_result(result)

    @staticmethod
    def _fail(tasks: list[tuple[Task, Future]], exc: BaseException) -> None:
        for _, future in tasks:
            if not future.done():
                future.set_exception(exc)


@dataclass
class SaveBatch:
    """A prepared batch and the fetch log rows gathered before it: the writer's task
    (``task(store)``), sent to its process, so plain data."""

    fetches: list[tuple]
    pages: list[Fetched]  # without their bodies
    prepared: list[Prepared]
    kb_version: str
    tagger_version: str

    def __call__(self, store: Store) -> list[tuple[str, str | int] | None]:
        store.log_fetches(self.fetches)
        return [self._store_one(store, page, ready)
                for page, ready in zip(self.pages, self.prepared, strict=True)]

    def _store_one(self, store: Store, page: Fetched,
                   ready: Prepared) -> tuple[str, str | int] | None:
        """Store one prepared page, unless it is known already (under the canonical URL
        it names, or as the latest version of a watched page or file). Says what became
        of it: ("saved", its mentions), ("skipped", ""), ("error", why) or None (stored
        already)."""
        if ready.error or ready.article is None:
            reason = ready.error or f"{page.url}: not prepared"
            if page.stamp and reason.endswith(NO_TEXT):
                # A file without text: told once, not on every pass. (A failure of the
                # tracker's own, a worker lost, is tried again.)
                store.remember_skipped(page.url, page.stamp, reason)
            return "error", reason
        if ready.unchanged:  # a watched page or file as it was: nothing new
            return "skipped", ""
        article, url, link = ready.article, page.url, None
        # A feed's link stands for the article's own address: the one the page declares
        # (on the site it was fetched from), else the one its redirects led to. The same
        # article reached directly from another feed is then one document, not two.
        named = False
        if (page.feed_item and ready.canonical
                and _same_host(ready.canonical, page.moved_to or url)
                and not _site_root(ready.canonical, page.moved_to or url)
                and canonical_url(ready.canonical) != url):
            link, url, named = url, canonical_url(ready.canonical), True
        elif page.feed_item and page.moved_to:
            link, url = url, page.moved_to
        if link and store.has_url(url):
            if named and not _same_story(store, url, ready):
                # Another article is stored under the address this page names: its
                # canonical is wrong (a CMS naming one URL on every page), not the story's.
                link, url = (page.url, page.moved_to) if page.moved_to else (None, page.url)
                if link and store.has_url(url):
                    store.remember_alias(link, url)
                    return "skipped", ""
            else:
                store.remember_alias(link, url)  # next time, known without fetching
                return "skipped", ""
        if link:
            article = dataclasses.replace(article, url=url)
        if (url.startswith("file:") and page.previous is None and ready.digest
                and (stored := store.same_file(page.source, ready.digest))):
            # A folder moved or a file renamed: its text is stored already. Remembered
            # under its new path, it is read as unchanged from now on.
            store.remember_moved(url, stored)
            return "skipped", ""
        try:
            saved = store.save(article, ready.mentions, kb_version=self.kb_version,
                               tagger_version=self.tagger_version, previous=page.previous,
                               digest=ready.digest, print_=ready.print_)
        except sqlite3.IntegrityError as exc:  # this document alone (its savepoint undone)
            log.error("document not stored", extra={"url": url, "error": str(exc)})
            return "error", f"{url}: not stored ({exc})"
        if link:
            store.remember_alias(link, url)
        if not saved:
            return None
        store.count_candidates(ready.candidates, article.url)
        return "saved", store.saved_mentions


def _site_root(canonical: str, url: str) -> bool:
    """A canonical pointing to the site's home page from an article: a misconfiguration."""
    home = urlsplit(canonical)
    return home.path in ("", "/") and not home.query and urlsplit(url).path not in ("", "/")


def _same_story(store: Store, url: str, ready: Prepared) -> bool:
    """The document stored under ``url`` tells the same story as ``ready`` (the same, or
    an update sharing most of its five-word runs); True when none is stored there by URL
    (it is known through an alias)."""
    text = ready.article.text if ready.article else ""
    row = store.db.execute("SELECT text FROM documents WHERE url = ? ORDER BY rowid DESC "
                           "LIMIT 1", [url]).fetchone()
    if row is None or row[0] == text:
        return True
    ours = ready.print_.shingles if ready.print_ else shingles(text)  # the worker's own
    theirs = shingles(row[0])
    if not ours or not theirs:
        return " ".join(text.split()) == " ".join(row[0].split())
    return len(ours & theirs) >= SAME_STORY * min(len(ours), len(theirs))


def _same_host(a: str, b: str) -> bool:
    """A page may only rename itself within its own site (no cross-site canonical)."""
    return urlsplit(a).netloc.lower() == urlsplit(b).netloc.lower()
