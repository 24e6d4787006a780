"""An operator's story about the worker processes: a watched page that has not changed
is not tagged again, and batches in flight when the kernel kills the workers come back
whole, sent again page by page to new workers."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tracker.models import Fetched
from tracker.prepare import prepare_many
from tracker.sources import parse_feed

FEED = (Path(__file__).parent / "site" / "feed.xml").read_bytes()

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
        # A feed read while they are dead is parsed here rather than lost.
        assert pool.parse_feed(FEED, "https://example.org/feed", "application/rss+xml") \
            == parse_feed(FEED, "https://example.org/feed", "application/rss+xml")
        results = [job.result() for job in jobs]
        assert [len(r) for r in results] == [4, 4, 4]
        assert all(p.error is None and p.mentions for r in results for p in r)
        assert pool.restarts >= 1 and pool.failure is None
    finally:
        pool.close()


def test_feeds_are_parsed_by_the_workers_once_they_are_ready(kb, monkeypatch):
    """feedparser costs the main process as much CPU an item as fetching the item's page:
    a worker parses the feed once one is ready. Before that it is parsed in the calling
    thread, so fetching starts while the workers load."""
    from tracker import sources
    from tracker.sources import NotAFeedError
    from tracker.workers import WorkerPool

    expected = parse_feed(FEED, "https://example.org/feed", "application/rss+xml")
    assert len(expected[0]) >= 2
    pool = WorkerPool(kb, [], 2, ["fr"])
    pool.start()
    try:
        assert pool.ready == 0  # still loading: parsed here
        assert pool.parse_feed(FEED, "https://example.org/feed", "application/rss+xml") \
            == expected
        deadline = time.monotonic() + 120
        while pool.ready < 2 and time.monotonic() < deadline:
            assert pool.failure is None
            time.sleep(0.1)
        assert pool.ready == 2

        def here(*_args):
            raise AssertionError("parsed in the main process")

        monkeypatch.setattr(sources, "parse_feed", here)  # the workers have their own
        assert pool.parse_feed(FEED, "https://example.org/feed", "application/rss+xml") \
            == expected
        # A page that is no feed says so, from the worker, with the source's URL.
        with pytest.raises(NotAFeedError, match="https://example.org/page: not a feed"):
            pool.parse_feed(b"<html><body>Bonjour</body></html>", "https://example.org/page",
                            "text/html")
    finally:
        pool.close()


def _uses_the_prebuilt_tagger() -> bool:
    """Run inside a worker: whether its tagger is the one the fork server built."""
    from tracker import workerprocess, zygote

    return zygote._BUILT is not None and workerprocess._worker[0] is zygote._BUILT[0]


PREBUILT = """
import sys, time
from tests.conftest import KB_FILE
from tests.test_workers import _uses_the_prebuilt_tagger
from tracker.kbload import load_kb
from tracker.workers import WorkerPool, start_fork_server

if __name__ == "__main__":
    other = [KB_FILE, {"type": "politician", "id": "jane-doe", "name": "Jane Doe"}]
    start_fork_server([KB_FILE] if sys.argv[1] == "same" else other, ["fr"])
    pool = WorkerPool(load_kb([KB_FILE]), [KB_FILE], 2, ["fr"])
    pool.start()
    deadline = time.monotonic() + 120
    while pool.ready < 2 and time.monotonic() < deadline and pool.failure is None:
        time.sleep(0.1)
    print(pool.failure or pool._executor.submit(_uses_the_prebuilt_tagger).result())
    pool.close()
"""


def _run(tmp_path: Path, text: str, *args: str, timeout: float = 300) -> str:
    """A pool's story as a program of its own (a fork server, workers, an exit), run from
    the repository: what it printed, once it exited 0."""
    import subprocess
    import sys

    script = tmp_path / "story.py"
    script.write_text(text)
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, str(script), *args], cwd=root,
                         env={**os.environ, "PYTHONPATH": str(root)},
                         capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_workers_start_with_the_tagger_their_fork_server_built(tmp_path):
    """The KB and the models load once, in the fork server, before the workers fork; a
    worker given another KB (changed since, or reloaded) loads its own and works."""
    for given, expected in (("same", "True"), ("other", "False")):
        out = _run(tmp_path, PREBUILT, given)
        assert out.strip().splitlines()[-1] == expected, (given, out)


SLOW_FORK = """
import sys, time, multiprocessing.context as context
from tests.conftest import KB_FILE
from tests.test_workers import _page
from tracker.kbload import load_kb
from tracker.workers import WorkerPool, start_fork_server

fork = context.ForkServerProcess._Popen
def slow_fork(process_obj):  # as in a gVisor sandbox, slower: a second a worker
    time.sleep(1.0)
    return fork(process_obj)
context.ForkServerProcess._Popen = staticmethod(slow_fork)

if __name__ == "__main__":
    start_fork_server([KB_FILE], ["fr"])
    pool = WorkerPool(load_kb([KB_FILE]), [KB_FILE], 3, ["fr"])
    pool.start()
    assert pool.submit([_page("first")]).result()[0].mentions
    first = pool.ready  # the workers up when the first batch came back
    deadline = time.monotonic() + 60
    while pool.ready < 3 and time.monotonic() < deadline and pool.failure is None:
        pool.submit([_page("next")]).result()  # as sources do: a worker is idle at once
    print(pool.failure or first, pool.ready, len(pool._executor._processes))
    pool.close()
"""


def test_workers_take_batches_as_they_fork_and_all_fork_where_forking_is_slow(tmp_path):
    """On a 16-core sandbox forking a worker from the fork server takes half a second. A
    pool of 14 stopped at 6 there: the executor starts a process only when a submit finds
    none idle, and the first workers were idle again before the next fork. Holding each
    worker until all had forked fixed that, but tagged nothing for the first 14 forks.
    Now the first batch comes back from the first worker while the others still fork, and
    every worker still starts while each batch finds one idle."""
    first, ready, processes = _run(tmp_path, SLOW_FORK).split()
    assert int(first) < 3  # tagged before the last fork
    assert (ready, processes) == ("3", "3")  # then every worker, no fewer processes


CLOSED_IDLE = """
import time
from tests.conftest import KB_FILE
from tracker.kbload import load_kb
from tracker.workers import WorkerPool, start_fork_server

if __name__ == "__main__":
    start_fork_server([KB_FILE], ["fr"])
    pool = WorkerPool(load_kb([KB_FILE]), [KB_FILE], 2, ["fr"])
    pool.start()
    deadline = time.monotonic() + 120
    while pool.ready < 2 and time.monotonic() < deadline and pool.failure is None:
        time.sleep(0.1)
    print(pool.failure or pool.ready)
    pool.close()  # no batch ever sent: nothing had told the workers to exit
"""


def test_a_pool_closed_before_any_batch_lets_the_daemon_exit(tmp_path):
    """`run --once` with every feed unchanged, or a reload refused, closes the workers
    before sending them anything: they exit, and so does the daemon, instead of waiting
    for work for ever (multiprocessing joins them at exit)."""
    assert _run(tmp_path, CLOSED_IDLE, timeout=120).split() == ["2"]


FAULTS = """
import resource
from bench import corpus
from tracker import language
from tracker.kbload import load_kb
from tracker.workerprocess import build_tagger

if __name__ == "__main__":
    language.identifier(("en", "fr"))  # kept in the cache folder: read, not decompressed
    tagger = build_tagger(load_kb([]))  # as a fork server builds the workers' tagger
    texts = [corpus.text_of(a) for a in corpus.generate(24)]  # 1,000 words each
    tagger.analyse_many([(t, "fr", None) for t in texts[:8]], batch_size=4)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    tagger.analyse_many([(t, "fr", None) for t in texts[8:]], batch_size=4)
    print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 16)
"""


@pytest.mark.skipif("CS_GNU_LIBC_VERSION" not in getattr(os, "confstr_names", {}),
                    reason="glibc's malloc")
def test_a_tagging_process_reuses_its_memory_instead_of_faulting_it_in_for_every_page(
        tmp_path):
    """NER's matrices are megabytes a batch: above glibc's first mmap threshold, each is a
    fresh mapping faulted in page by page (4,400 faults a text of 1,000 words, 15 % of a
    worker's CPU), unless a process that tags keeps such blocks
    (``tag._keep_big_blocks``; the workers inherit it from their fork server). A process
    that reads the language model from the cache folder frees no large block that would
    raise the threshold by chance, as decompressing it did."""
    per_text = float(_run(tmp_path, FAULTS).strip().splitlines()[-1])
    assert per_text < 1000, per_text  # about 20 with the threshold set
