"""An operator's story: the machine dies mid-pass (kill -9); nothing stored is damaged and
the next pass completes what was missed, without duplicates. The full 30-kill loop is
`python -m tests.reliability.crash --kills 30` (figures in tests/reliability/README.md)."""

from __future__ import annotations

from tests.conftest import write_config
from tests.reliability.crash import ARTICLES, article, crash_loop, feed


def test_kill_9_during_passes_loses_and_duplicates_nothing(site, tmp_path):
    site.set("/feed.xml", feed(site.base), content_type="application/rss+xml")
    for n in range(ARTICLES):
        site.set(f"/crash/{n}.html", article(n))
    config = write_config(tmp_path, [{"name": "crash", "kind": "feed",
                                      "url": site.url("/feed.xml")}])
    figures = crash_loop(config, tmp_path / "tracker.db", kills=3)
    assert figures["survived"] == 3
    assert figures["orphans"] == 0 and figures["duplicates"] == 0
    assert figures["final_exit"] == 0
    assert figures["final_documents"] == ARTICLES and figures["final_orphans"] == 0
