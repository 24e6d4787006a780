"""An admin's story: feeds and pages written by strangers cannot read local files, blow up
memory or stop the daemon; a crafted name stays a string."""

from __future__ import annotations

import sqlite3
import time

from click.testing import CliRunner

from tests.conftest import write_config
from tracker.cli import cli
from tracker.sources import parse_feed

SECRET = "SENTINEL-7f3a-do-not-leak"


def _run(config, *extra):
    return CliRunner().invoke(cli, ["run", "--once", "--config", str(config), *extra])


def _everything(db_path, log_path) -> str:
    conn = sqlite3.connect(db_path)
    dump = "\n".join(conn.iterdump())
    return dump + (log_path.read_text("utf-8") if log_path.exists() else "")


def test_external_entities_never_reach_the_database_or_logs(site, tmp_path):
    sentinel = tmp_path / "secret.txt"
    sentinel.write_text(SECRET, "utf-8")
    article = site.url("/articles/obama-paris.html")
    site.set("/xxe.xml", f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{sentinel}">]>
<rss version="2.0"><channel><title>&xxe;</title>
<item><title>Obama &xxe;</title><link>{article}</link><description>&xxe;</description>
<pubDate>Sat, 06 Jun 2009 18:30:00 +0000</pubDate></item></channel></rss>""",
             content_type="application/rss+xml")
    site.set("/xxe.html", f"""<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{sentinel}">]>
<html><body><article><h1>Royal &xxe;</h1><p>Ségolène Royal a répondu hier aux questions
des journalistes sur la campagne et le programme du Parti socialiste. &xxe;</p></article>
</body></html>""")
    log = tmp_path / "run.log"
    config = write_config(tmp_path, [
        {"name": "feed", "kind": "feed", "url": site.url("/xxe.xml")},
        {"name": "page", "kind": "page", "url": site.url("/xxe.html")},
    ])
    _run(config, "--log-file", str(log))
    everything = _everything(tmp_path / "tracker.db", log)
    assert SECRET not in everything
    assert "Ségolène Royal a répondu" in everything  # the page itself was stored


def test_billion_laughs_feed_is_refused_quickly():
    levels = "".join(f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">' for i in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "ha">{levels}]>'
            '<rss version="2.0"><channel><title>&l9;</title><item><title>x</title>'
            '<link>https://example.org/a</link></item></channel></rss>').encode()
    started = time.monotonic()
    try:
        items, _ = parse_feed(body, "https://example.org/feed")
    except Exception as exc:  # noqa: BLE001 - refusing is fine, hanging or exploding is not
        items = [str(exc)]
    assert time.monotonic() - started < 2
    assert all(len(str(i)) < 10_000 for i in items)


def test_huge_feed_is_taken_newest_first_in_bounded_passes(site, tmp_path):
    items = "".join(
        f"<item><title>Item {i}</title><link>{site.url(f'/gone/{i}.html')}</link>"
        f"<pubDate>Mon, 01 Jan 2024 {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} +0000"
        "</pubDate></item>" for i in range(10_000))
    site.set("/huge.xml", f"<?xml version='1.0'?><rss version='2.0'><channel><title>Huge"
                          f"</title>{items}</channel></rss>", content_type="application/rss+xml")
    config = write_config(tmp_path, [{"name": "huge", "kind": "feed",
                                      "url": site.url("/huge.xml")}])
    started = time.monotonic()
    result = _run(config)  # every link is a 404: the feed is a failing source, told so
    assert result.exit_code == 1 and "every new item failed (200)" in result.output
    assert time.monotonic() - started < 60
    requested = [p for _, p, _ in site.requests if p.startswith("/gone/")]
    assert len(requested) == 200 and "/gone/9999.html" in requested


def test_a_long_undated_feed_keeps_taking_its_newest_items(site, tmp_path):
    """300 items without dates, newest first: the 200 kept were the oldest, and a story
    added at the top was never fetched (2026 operator audit)."""
    def feed(numbers):
        items = "".join(f"<item><title>Item {i}</title><link>{site.url(f'/gone/{i}.html')}"
                        "</link></item>" for i in numbers)
        return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Undated</title>"
                f"{items}</channel></rss>")

    site.set("/undated.xml", feed(range(299, -1, -1)), content_type="application/rss+xml")
    config = write_config(tmp_path, [{"name": "undated", "kind": "feed",
                                      "url": site.url("/undated.xml")}])
    _run(config)
    requested = {p for _, p, _ in site.requests if p.startswith("/gone/")}
    assert "/gone/299.html" in requested and "/gone/0.html" not in requested
    site.set("/undated.xml", feed(range(300, -1, -1)), content_type="application/rss+xml")
    _run(config)
    assert "/gone/300.html" in {p for _, p, _ in site.requests}


def test_garbage_nesting_and_giant_lines_do_not_stop_the_others(site, tmp_path):
    import random

    rng = random.Random(3)
    site.set("/garbage.html", bytes(rng.randrange(256) for _ in range(300_000)),
             content_type="text/html")
    site.set("/nested.html", "<html><body>" + "<div>" * 100_000 + "Marine Le Pen"
             + "</div>" * 100_000 + "</body></html>")
    site.set("/line.html", "<html><body><p>" + "Macron " * 7_000_000 + "</p></body></html>")
    site.set("/bad-utf8.html", b"<html><body><article><p>Jordan Bardella \xff\xfe a tenu un "
             b"meeting \xc3 devant les militants du Rassemblement national \xe9 hier.</p>"
             b"</article></body></html>", content_type="text/html; charset=utf-8")
    config = write_config(tmp_path, [
        {"name": "garbage", "kind": "page", "url": site.url("/garbage.html")},
        {"name": "nested", "kind": "page", "url": site.url("/nested.html")},
        {"name": "line", "kind": "page", "url": site.url("/line.html")},
        {"name": "bad-utf8", "kind": "page", "url": site.url("/bad-utf8.html")},
        {"name": "good", "kind": "feed", "url": site.url("/feed.xml")},
    ])
    result = _run(config)
    assert "Traceback" not in result.output
    conn = sqlite3.connect(tmp_path / "tracker.db")
    sources = dict(conn.execute("SELECT name, last_status FROM sources"))
    assert sources["good"] == "ok"
    assert "exceeds" in conn.execute("SELECT last_error FROM sources WHERE name = 'line'"
                                     ).fetchone()[0]
    docs = dict(conn.execute("SELECT source, count(*) FROM documents GROUP BY source"))
    assert docs["good"] == 3 and docs.get("bad-utf8") == 1
