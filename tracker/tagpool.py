"""Tagging in worker processes, so spaCy's NER uses every core while the main process
fetches, extracts and stores.

NER is the pipeline's bottleneck and holds the GIL; threads cannot share it. Each worker
process builds its own ``Tagger`` (KB and spaCy models) once, when the pool starts, then
tags batches of texts with ``nlp.pipe``. A source submits its articles a batch at a time
and keeps fetching while earlier batches are tagged. With one process (a one-core
machine, or ``tag_processes: 1``) the same interface tags in the calling thread.

The workers are started with ``spawn`` (never ``fork``: the daemon has threads), ignore
Ctrl-C (the main process decides when to stop), and exit when the main process goes.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from tracker.errors import TrackerError
from tracker.kb import KnowledgeBase, load_kb
from tracker.models import Mention

log = logging.getLogger(__name__)
Item = tuple[str, str, "dt.date | None"]  # text, language, date for party affiliations
Result = tuple[list[Mention], list]  # mentions, candidates

_worker_tagger = None  # the worker process's own Tagger (worker processes only)


def default_processes() -> int:
    """One tagging process per core, up to four (more rarely pays: memory and the main
    process's own work grow with them); one on a single core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    return max(1, min(4, cores))


def _start_worker(entities: Sequence) -> None:
    global _worker_tagger
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    from tracker.tag import Tagger

    _worker_tagger = Tagger(load_kb(entities))
    for lang in ("fr", "en"):
        _worker_tagger.pipeline(lang)


def _exit_with_parent(parent: int) -> None:
    """A worker whose main process died (kill -9, out of memory) would wait forever for
    work: it exits as soon as it is orphaned."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _tag_batch(items: list[Item]) -> list[Result]:
    assert _worker_tagger is not None, "worker not initialised"
    return _worker_tagger.analyse_many(items)


class TagPool:
    """``submit(items)`` returns a future of each item's (mentions, candidates)."""

    def __init__(self, kb: KnowledgeBase, entities: Sequence, processes: int):
        self.kb = kb
        self.processes = processes
        self._entities = list(entities)
        self._lock = threading.Lock()
        self._local = None
        self._executor: ProcessPoolExecutor | None = None
        if processes <= 1:
            from tracker.tag import Tagger

            self._local = Tagger(kb)
        self.version = self._version()

    def _version(self) -> str:
        from tracker.tag import TAGGER_VERSION

        return f"{TAGGER_VERSION}+kb.{self.kb.version}"

    def start(self) -> None:
        """Load the models now (in every worker), so a broken setup fails at start."""
        if self._local is not None:
            for lang in ("fr", "en"):
                self._local.pipeline(lang)
            return
        self._executor = self._new_executor()
        warmups = [self._executor.submit(_tag_batch, [("Emmanuel Macron.", "fr", None)])
                   for _ in range(self.processes)]
        try:
            for future in warmups:
                future.result(timeout=300)
        except BrokenProcessPool as exc:
            self.close()
            raise TrackerError(f"tagging processes failed to start ({exc})") from None

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker, initargs=(self._entities,))

    def submit(self, items: list[Item]) -> Future:
        if self._local is not None:
            future: Future = Future()
            try:
                with self._lock:  # one spaCy pipeline, used by one thread at a time
                    future.set_result(self._local.analyse_many(items))
            except Exception as exc:  # noqa: BLE001 - delivered through the future
                future.set_exception(exc)
            return future
        with self._lock:
            if self._executor is None:
                raise TrackerError("the tagging processes are stopped")
            try:
                return self._executor.submit(_tag_batch, items)
            except BrokenProcessPool:  # a worker died (killed, out of memory): replace them
                log.error("a tagging process died; starting new ones")
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
                return self._executor.submit(_tag_batch, items)

    def close(self) -> None:
        """Stop the workers; batches already submitted still complete."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False)
