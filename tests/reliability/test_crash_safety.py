"""An operator's story: the machine dies mid-pass (kill -9), or the kernel kills one of the
worker processes and the writing process; nothing stored is damaged, and the same pass
(a worker and the writer killed) or the next one (the daemon killed) completes the corpus
without losses or duplicates. The full
30-kill loop is `python -m tests.reliability.crash --kills 30` (figures in
tests/reliability/README.md)."""

from __future__ import annotations

from tests.conftest import write_config
from tests.reliability.crash import ARTICLES, PAGE_DELAY, article, crash_loop, feed


def test_kill_9_during_passes_loses_and_duplicates_nothing(site, tmp_path):
    site.set("/feed.xml", feed(site.base), content_type="application/rss+xml")
    for n in range(ARTICLES):
        site.set(f"/crash/{n}.html", article(n))
    # Two worker processes, to kill one; a polite delay, so the pass writes for a second.
    config = write_config(tmp_path, [{"name": "crash", "kind": "feed",
                                      "url": site.url("/feed.xml")}],
                          defaults={"tag_processes": 2, "per_host_delay": PAGE_DELAY})
    figures = crash_loop(config, tmp_path / "tracker.db", kills=3, worker_every=3)
    assert (figures["daemon_kills"], figures["worker_kills"]) == (2, 1)
    assert figures["writer_kills"] == 1  # with the worker, the writing process
    # Each kill came while documents were being written, as the counts at the kill show.
    assert figures["landed_mid_write"] == 3, figures["rows"]
    assert all(0 < n < ARTICLES for n in figures["stored_at_kill"])
    assert figures["survived"] == 3 and figures["failed_exits"] == 0, figures["rows"]
    assert (figures["lost"], figures["duplicates"], figures["orphans"]) == (0, 0, 0)
    assert figures["dangling"] == 0  # PRAGMA foreign_key_check
