"""An operator's story about the worker processes: a watched page that has not changed
is not tagged again, and batches in flight when the kernel kills the workers come back
whole, sent again page by page to new workers."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

from tests.conftest import SAMPLES
from tracker.models import Fetched
from tracker.prepare import prepare_many

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)


def _page(name: str, **extra) -> Fetched:
    path = next(p for p in sorted(SAMPLES.iterdir()) if p.suffix == ".html")
    return Fetched("veille", f"https://journal.example/{name}", path.read_bytes(), NOW,
                   **extra)


def test_an_unchanged_watched_page_is_not_tagged_again(tagger):
    first = prepare_many([_page("a", versioned=True)], tagger)[0]
    assert first.error is None and first.mentions and first.print_ is not None
    again = prepare_many([_page("a", versioned=True, known_digest=first.digest)], tagger)[0]
    assert again.unchanged and again.digest == first.digest
    assert again.mentions == [] and again.print_ is None  # neither tagged nor fingerprinted
    changed = prepare_many([_page("a", versioned=True, known_digest="another")], tagger)[0]
    assert not changed.unchanged and changed.mentions == first.mentions


def test_batches_in_flight_when_the_workers_are_killed_come_back_whole(kb):
    from tests.reliability.crash import workers_of
    from tracker.workers import WorkerPool

    pool = WorkerPool(kb, [], 2, ["fr"])
    pool.start()
    try:
        deadline = time.monotonic() + 120
        while pool.ready < 2 and time.monotonic() < deadline:
            assert pool.failure is None
            time.sleep(0.1)
        jobs = [pool.submit([_page(f"{b}-{i}") for i in range(4)]) for b in range(3)]
        for worker in workers_of(os.getpid()):
            os.kill(worker, signal.SIGKILL)
        results = [job.result() for job in jobs]
        assert [len(r) for r in results] == [4, 4, 4]
        assert all(p.error is None and p.mentions for r in results for p in r)
        assert pool.restarts >= 1 and pool.failure is None
    finally:
        pool.close()
