"""The worker processes that do the per-page work (``tracker.prepare``: extraction,
language, fingerprint, tagging), so that one daemon uses every core while its main
process only schedules and fetches (``tracker.writeprocess`` stores).

Each worker has a ``Tagger`` (KB and spaCy models): the one the fork server built before
it forked (``tracker.zygote``), or, for another KB, its own. The pool starts them
without waiting: the main process fetches meanwhile, and the first batches wait for the
first worker ready. A worker that dies (killed, out of memory) breaks the pool: new
workers start and every batch that was in flight is sent again, once.

Workers are forked from a ``forkserver`` (never from the daemon itself, which has
threads): a clean process that imports spaCy, its French and English language modules and
the extraction stack once and builds the tagger once, so each worker starts without
compiling spaCy's tokenizer expressions or loading the KB again. They run one thread of
numerical work each (the parallelism is the processes; a BLAS pool per worker
would oversubscribe the cores and take memory), ignore Ctrl-C (the main process decides
when to stop), and exit when the main process goes. With one process (one core, or
``tag_processes: 1``) the same interface runs the work in the calling thread. What runs
inside each worker (its initializer and tasks) is ``tracker.workerprocess``.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from tracker.errors import TrackerError
from tracker.forking import end_broken, fork_all
from tracker.kb import KnowledgeBase
from tracker.models import Fetched, Prepared, tagger_version
from tracker.workerprocess import (
    build_tagger,
    feed_items,
    initialize,
    prepare_pages,
)

if TYPE_CHECKING:
    from tracker.sources import FeedItem
    from tracker.tag import Tagger

log = logging.getLogger(__name__)
WORKER_MB = 400  # what a worker may hold (issue 13); `auto` leaves that much per worker
MAIN_MB = 300  # the main process (fetching, its caches) and the writing process
EARLY_BREAKS = 3  # pools in a row dying before any worker is ready: give up
IN_FLIGHT_PER_WORKER = 3  # batches of all sources queued or running, per worker
# One thread of numerical work per worker; glibc's per-thread malloc arenas kept few.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "BLIS_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}


def default_processes() -> int:
    """One worker per core (the main process only coordinates), as many as the memory
    available holds at ``WORKER_MB`` each; one on a single core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    available = _available_mb()
    if available is not None:
        cores = min(cores, int((available - MAIN_MB) // WORKER_MB))
    return max(1, cores)


def _available_mb() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


# What the fork server imports once for every worker; the last one builds the workers'
# tagger there (the KB and the models), which each worker inherits when it forks.
# spacy.lang.fr is imported by the tagger's build (tracker.zygote), where its tokenizer's
# big expression comes from the cache folder (tracker.regexcache).
PRELOAD = ["spacy", "spacy.lang.en", "trafilatura", "tracker.prepare", "tracker.tag",
           "tracker.zygote"]


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def start_fork_server(entities: Sequence = (), languages: Sequence[str] = ()) -> None:
    """Start the fork server now, not at the first fork: its imports (a second of CPU;
    three before the French tokenizer's expression was kept, ``tracker.regexcache``) and
    the workers' tagger, built there once from ``entities`` (``tracker.zygote``), then
    load while the main process loads the KB and opens the store, and the workers come up
    that much sooner."""
    from tracker import zygote

    _set_worker_env()
    os.environ[zygote.ENV] = zygote.encode(entities, sorted(languages))
    context = _context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _set_worker_env() -> None:
    for key, value in WORKER_ENV.items():  # inherited by the fork server and its workers
        os.environ.setdefault(key, value)


class Job:
    """One batch on its way through the workers. ``result()`` waits for it. When the
    workers died under it (killed, out of memory), its pages are sent again one by one:
    a page whose worker dies twice is given up with an error, the others go on."""

    def __init__(self, pool: WorkerPool, pages: list[Fetched]):
        self.pool, self.pages = pool, pages
        # A place among the batches in flight (all sources together): released when the
        # batch is done, whether or not its source has read it yet.
        pool._slots.acquire()
        try:
            self.future = pool._submit(pages)
        except BaseException:
            pool._slots.release()
            raise
        self.future.add_done_callback(lambda _: pool._slots.release())

    def done(self) -> bool:
        """Its result is there (or its failure): ``result()`` will not wait."""
        return self.future.done()

    def result(self) -> list[Prepared]:
        try:
            return self.future.result()
        except BrokenProcessPool:
            log.warning("batch sent again, page by page", extra={
                "pages": len(self.pages), "reason": "a worker process died"})
        again = [(page, self.pool._submit([page])) for page in self.pages]
        return [self._alone(page, future) for page, future in again]

    def _alone(self, page: Fetched, future: Future) -> Prepared:
        for attempt in range(2):
            try:
                return future.result()[0]
            except BrokenProcessPool:
                if attempt == 0:
                    future = self.pool._submit([page])
        log.error("page given up", extra={"url": page.url,
                                          "reason": "its worker process died twice"})
        return Prepared(None, error=f"{page.url}: given up, the worker process died twice "
                                    "on it (out of memory?)")


class WorkerPool:
    """``submit(pages)`` returns a ``Job`` whose ``result()`` is each page's ``Prepared``."""

    def __init__(self, kb: KnowledgeBase, entities: Sequence, processes: int,
                 languages: Sequence[str] = ()):
        self.kb = kb
        self.processes = processes
        self.languages = tuple(languages)
        self.version = tagger_version(kb.version)
        self._entities = list(entities)
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._local: Future | None = None  # the in-thread tagger, when one process
        self._ready: set[int] = set()
        self._generation = 0  # of the executor: workers say which pool they belong to
        self._events = None  # the workers' "ready" messages (a multiprocessing queue)
        self._context: multiprocessing.context.BaseContext | None = None
        self._created = threading.Event()  # the first executor exists (or failed to)
        self.failure: str | None = None  # why the workers cannot start, once known
        self.restarts = 0
        self._early_breaks = 0
        self._started_at = 0.0
        # Batches queued or running at once, for every source together: enough to keep
        # each worker busy, few enough that the fetched bodies waiting in the main process
        # stay a few MB however many sources run.
        self._slots = threading.Semaphore(IN_FLIGHT_PER_WORKER * max(1, processes))
        # Called with (workers ready, workers) as they come up: the terminal shows it.
        self.on_status: Callable[[int, int], None] | None = None

    @property
    def ready(self) -> int:
        return len(self._ready)

    def start(self) -> None:
        """Start loading the workers and return at once: fetching goes on meanwhile."""
        self._started_at = time.monotonic()
        if self.processes <= 1:
            loader = ThreadPoolExecutor(1, thread_name_prefix="tagger-load")
            self._local = loader.submit(self._load_local)
            loader.shutdown(wait=False)
            return
        _set_worker_env()
        self._context = _context()
        self._events = self._context.SimpleQueue()
        threading.Thread(target=self._listen, name="workers-ready", daemon=True).start()
        # The first fork waits for the fork server's imports (seconds): not the caller.
        threading.Thread(target=self._first_executor, name="workers-start",
                         daemon=True).start()

    def _first_executor(self) -> None:
        executor = None
        with self._lock:
            try:
                executor = self._executor = self._new_executor(spawn=False)
            except Exception as exc:  # noqa: BLE001 - told to every batch
                self.failure = f"the worker processes cannot start ({exc})"
            finally:
                self._created.set()
        if executor is None:
            return
        took, error = fork_all(executor, self.processes)  # here, while batches queue
        if error:
            log.error("a worker process could not be forked", extra={"error": error})
            if not took:  # none at all: every batch says why
                self.failure = f"the worker processes cannot start ({error})"
        if took:  # where a start's seconds go: the fork server's loading, or the forks
            log.info("worker processes forked", extra={
                "processes": len(took), "first_fork_s": round(took[0], 2),
                "other_forks_s": round(sum(took[1:]), 2),
                "seconds": round(time.monotonic() - self._started_at, 2)})

    def _load_local(self) -> Tagger:
        try:
            tagger = build_tagger(self.kb)
        except Exception as exc:
            self.failure = f"the tagger cannot start ({type(exc).__name__}: {exc})"
            raise TrackerError(self.failure) from None
        self._ready.add(os.getpid())
        self._status()
        return tagger

    def _new_executor(self, spawn: bool = True) -> ProcessPoolExecutor:
        """A pool whose processes fork one by one (``tracker.forking.fork_all``) while
        batches queue: in a thread of its own when ``spawn``, else the caller's to start."""
        self._generation += 1  # a late word from the pool replaced is not this one's
        executor = ProcessPoolExecutor(
            max_workers=self.processes, mp_context=self._context,
            initializer=initialize,
            initargs=(self._entities, self.kb.version, self.languages, self._events,
                      self._generation))
        self._ready = set()
        if spawn:
            threading.Thread(target=self._spawn_more, args=(executor,),
                             name="workers-start", daemon=True).start()
        return executor

    def _spawn_more(self, executor: ProcessPoolExecutor) -> None:
        """A replacement pool's forks: one that fails is said; its batches fail alone."""
        _, error = fork_all(executor, self.processes)
        if error:
            log.error("a worker process could not be forked", extra={"error": error})

    def _listen(self) -> None:
        """Workers say when they are ready (or why they cannot be)."""
        while True:
            event = self._events.get()
            if event is None:
                return
            generation, pid, error = event
            if generation != self._generation:
                continue  # from a pool replaced since
            if error and not self.restarts:  # the setup is broken: nothing would work
                self.failure = f"the worker processes cannot start ({error})"
                log.error("worker processes cannot start", extra={"error": error})
            elif error:  # one replacement worker: its batches fail, the others go on
                log.error("a worker process could not start", extra={"error": error})
            else:
                self._ready.add(pid)
                if len(self._ready) == self.processes and not self.restarts:
                    log.info("worker processes ready", extra={
                        "processes": self.processes,
                        "seconds": round(time.monotonic() - self._started_at, 2)})
            self._status()

    def _status(self) -> None:
        if self.on_status:
            self.on_status(len(self._ready), max(1, self.processes))

    def submit(self, pages: list[Fetched]) -> Job:
        return Job(self, pages)

    def _submit(self, pages: list[Fetched]) -> Future:
        if self._local is not None:
            return self._run_local(pages)
        self._created.wait()
        with self._lock:
            if self.failure:
                raise TrackerError(self.failure)
            if self._executor is None:
                raise TrackerError("the worker processes are stopped")
            try:
                return self._submit_locked(pages)
            except (BrokenProcessPool, TrackerError):
                raise
            except Exception as exc:  # a submit that forks, and fails (fork server gone)
                raise TrackerError("the worker processes cannot start "
                                   f"({type(exc).__name__}: {exc})") from None

    def _submit_locked(self, pages: list[Fetched]) -> Future:
        """Under ``_lock``, with an executor: a batch in, or the pool replaced."""
        try:
            return self._executor.submit(prepare_pages, pages)  # type: ignore[union-attr]
        except BrokenProcessPool:  # a worker died (killed, out of memory): new ones
            self.restarts += 1
            # Workers that die while loading (memory too short for the models) would
            # be started again and again: after a few pools in a row, say so and stop.
            self._early_breaks = 0 if self._ready else self._early_breaks + 1
            if self._early_breaks >= EARLY_BREAKS:
                self.failure = ("the worker processes die while loading, "
                                f"{self._early_breaks} times in a row (out of memory?)")
                raise TrackerError(self.failure) from None
            log.error("a worker process died; starting new ones",
                      extra={"restarts": self.restarts})
            end_broken(self._executor)
            self._executor = self._new_executor()
            return self._executor.submit(prepare_pages, pages)

    def parse_feed(self, body: bytes, base_url: str, content_type: str
                   ) -> tuple[list[FeedItem], str | None]:
        """A feed's items (``tracker.sources.parse_feed``), parsed by a worker process
        once the workers are ready: feedparser is pure Python, 0.4 to 0.7 ms of CPU an
        item (65 ms for a feed of 100), as much as fetching the item's page, and the main
        process only coordinates. The feed waits behind the batches already queued; the
        source's thread waits for it while the others fetch. Until every worker is ready
        (starting, or one process), or when they die under it, it is parsed in the
        calling thread."""
        future = self._feed_future(body, base_url, content_type)
        if future is not None:
            with contextlib.suppress(BrokenProcessPool):  # restarted by the next batch
                parsed = future.result()
                if parsed is not None:
                    return parsed
        from tracker.sources import parse_feed

        return parse_feed(body, base_url, content_type)

    def _feed_future(self, body: bytes, base_url: str, content_type: str) -> Future | None:
        # One process; or workers still forking (a batch's submit may hold the lock
        # through a fork): not every worker is ready, the queue drains slowly, and the
        # feed would wait behind the batches in it.
        if self._local is not None or len(self._ready) < self.processes:
            return None
        with self._lock:
            if self.failure or self._executor is None or len(self._ready) < self.processes:
                return None
            try:
                return self._executor.submit(feed_items, body, base_url, content_type)
            except (BrokenProcessPool, RuntimeError):  # dead workers, or shut down
                return None

    def _run_local(self, pages: list[Fetched]) -> Future:
        from tracker.prepare import prepare_many

        future: Future = Future()
        try:
            tagger = self._local.result()  # type: ignore[union-attr]
            with self._lock:  # one spaCy pipeline, used by one thread at a time
                future.set_result(prepare_many(pages, tagger, self.languages))
        except Exception as exc:  # noqa: BLE001 - delivered through the future
            future.set_exception(exc)
        return future

    def close(self, wait: bool = False) -> None:
        """Stop the workers; batches already submitted still complete. ``wait`` for the
        processes to end: a worker still being forked when the daemon exits (a start that
        failed right after the pool's) finds its parent's semaphores gone, and prints a
        traceback of its own."""
        if self._context is not None:  # started: the first executor is made, or failed
            self._created.wait()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait)
        if self._events is not None:
            self._events.put(None)  # the listening thread ends
