"""An operator's story: the daemon is killed (kill -9) while alerts are due, again and
again; once it runs to the end, every alert has been received at least once, and an alert
received twice carried the same key both times. The 20-kill loop is
`python -m tests.reliability.alert_crash --kills 20` (figures in
tests/reliability/README.md)."""

from __future__ import annotations

from tests.reliability.alert_crash import Hook, alert_crash_loop, write_setup
from tests.reliability.crash import ARTICLES, article, feed


def test_kill_9_while_alerts_are_due_loses_none(site, tmp_path):
    site.set("/feed.xml", feed(site.base), content_type="application/rss+xml")
    for n in range(ARTICLES):
        site.set(f"/crash/{n}.html", article(n))
    hook = Hook()
    config = write_setup(tmp_path, site.url("/feed.xml"), hook)
    figures = alert_crash_loop(config, tmp_path / "alerts.db", hook, kills=3)
    assert figures["final_exit"] == 0
    assert figures["alerts"] == ARTICLES  # one per article: each names a politician
    assert figures["sent"] == ARTICLES and figures["missing"] == 0
    assert figures["unknown_keys"] == 0 and figures["keys_match_bodies"]
    assert figures["landed_while_pending"] >= 1
