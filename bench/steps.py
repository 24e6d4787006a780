"""The main process's CPU by step: each thread's own CPU time (``time.thread_time``)
spent inside chosen functions of the daemon, summed over a pass.

Samplers (py-spy, ``bench/threads.py``) tell where threads are, not what they cost: in a
gVisor sandbox py-spy counted a thread in ``time.sleep`` (a host's delay) as busy, 6 % of
the main process's samples on that one line, and said the known-URL checks took 5 % of
the main process when their CPU was 3 %. Wrapping each step with a thread clock costs a
microsecond a call and counts only CPU. Steps nest (``save`` holds ``insert mentions``):
read each against its thread's total, not as parts that add up.

    python bench/ceiling.py --articles 2000 --processes 2 --steps
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator


def _steps() -> list[tuple[object, str, str]]:
    """(owner, attribute, label): the writing thread's steps, then the sources'."""
    import requests

    from tracker import copies, counting, fetch, pipeline, store, workers, writer

    return [
        (writer.Writer, "_run", "writer: the whole thread"),
        (store.Store, "save", "writer: Store.save"),
        (store.Store, "_insert_mentions", "writer:   the mentions' INSERT"),
        (copies.Copies, "original_of", "writer:   the near-copy lookup"),
        (counting.PendingCounts, "write", "writer: the transaction's counts"),
        (store.Store, "count_candidates", "writer: candidates"),
        (store.Store, "log_fetches", "writer: the fetch log"),
        (pipeline.Pipeline, "run_source", "sources: the whole threads"),
        (fetch.Fetcher, "fetch", "sources: fetching"),
        (requests.Session, "get", "sources:   requests' Session.get"),
        (workers.WorkerPool, "parse_feed", "sources: feeds (here, or waiting for a worker)"),
        (store.Store, "known_urls", "sources: known-URL checks"),
        (store.Store, "__init__", "sources: opening the store"),
        (pipeline._Pending, "add", "sources: batches sent and read back"),
    ]


@contextlib.contextmanager
def clocked() -> Iterator[Counter]:
    """Within the block, the steps' thread CPU seconds by label (and ``label #`` calls)."""
    spent: Counter = Counter()
    lock = threading.Lock()
    patched = []
    for owner, name, label in _steps():
        original = getattr(owner, name)

        def timed(*args, _original=original, _label=label, **kwargs):
            started = time.thread_time()
            try:
                return _original(*args, **kwargs)
            finally:
                took = time.thread_time() - started
                with lock:
                    spent[_label] += took
                    spent[_label + " #"] += 1

        patched.append((owner, name, original))
        setattr(owner, name, timed)
    try:
        yield spent
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def report(spent: Counter, pages: int) -> str:
    lines = []
    for _, _, label in _steps():
        if spent[label + " #"]:
            lines.append(f"    {label:50s} {1000 * spent[label] / max(1, pages):6.2f} ms a "
                         f"page ({spent[label + ' #']:,} calls)")
    return "\n".join(lines)
