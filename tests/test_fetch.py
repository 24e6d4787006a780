"""A site owner's and an admin's story: the fetcher is polite, bounded, and never reaches
private addresses it was not allowed to."""

from __future__ import annotations

import ipaddress
import socket
import time

import pytest

from tracker.errors import BlockedError, FetchError, TrackerError
from tracker.fetch import Fetcher

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]
PAGE = "<html><body><p>Bonjour</p></body></html>"


def fetcher(**kw) -> Fetcher:
    opts = {"user_agent": "tracker/test (+https://example.org)", "timeout": 2.0,
            "per_host_delay": 0.0, "allow_networks": LOOPBACK, "backoff": 0.05}
    return Fetcher(**{**opts, **kw})


def test_user_agent_robots_and_conditional_get(site):
    site.set("/a.html", PAGE)
    f = fetcher()
    first = f.fetch(site.url("/a.html"))
    assert first.status == 200 and first.body == PAGE.encode() and first.etag
    assert site.requests[-1][2]["User-Agent"] == "tracker/test (+https://example.org)"
    again = f.fetch(site.url("/a.html"), etag=first.etag)
    assert again.not_modified and again.body == b""
    with pytest.raises(BlockedError, match="robots.txt"):
        f.fetch(site.url("/prive/coulisses.html"))
    assert site.hits("/prive/coulisses.html") == 0 and site.hits("/robots.txt") == 1


def test_private_addresses_are_refused_by_default(site):
    site.set("/canary", PAGE)
    f = fetcher(allow_networks=[])
    port = site.base.rsplit(":", 1)[1]
    for url in (site.url("/canary"), f"http://2130706433:{port}/canary",
                f"http://127.1:{port}/canary", f"http://0x7f.1:{port}/canary",
                f"http://[::1]:{port}/canary", f"http://[::ffff:127.0.0.1]:{port}/canary",
                "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/",
                "http://10.0.0.1/", "file:///etc/passwd", "ftp://127.0.0.1/x",
                "http://127.0.0.1\\@example.org/"):
        with pytest.raises(BlockedError, match="refused"):
            f.fetch(url)
    assert site.hits("/canary") == 0


@pytest.mark.parametrize("address, reaches", [
    ("64:ff9b::7f00:1", "127.0.0.1"), ("64:ff9b::a9fe:a9fe", "169.254.169.254"),  # NAT64
    ("2002:7f00:1::1", "127.0.0.1"), ("2002:a9fe:a9fe::1", "169.254.169.254"),  # 6to4
    ("::127.0.0.1", "127.0.0.1"),  # the old IPv4-compatible form
])
def test_ipv6_addresses_carrying_a_private_ipv4_are_refused(address, reaches):
    """On an IPv6-only host with NAT64 these reach the machine itself or the cloud's
    metadata service; only the ::ffff: mapped form was unwrapped."""
    assert f"non-public address {reaches}" in fetcher(allow_networks=[]).address_refusal(address)
    assert fetcher(allow_networks=[]).address_refusal("64:ff9b::808:808") is None  # 8.8.8.8
    loopback6 = fetcher(allow_networks=[ipaddress.ip_network("::1/128")])
    assert loopback6.address_refusal("::1") is None  # allowed ::1 is not "0.0.0.1"


def test_every_redirect_hop_is_checked_and_limited(site):
    site.set("/to-metadata", "", status=302,
             headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    site.set("/to-file", "", status=302, headers={"Location": "file:///etc/passwd"})
    site.set("/loop-a", "", status=302, headers={"Location": "/loop-b"})
    site.set("/loop-b", "", status=302, headers={"Location": "/loop-a"})
    site.set("/hop", "", status=301, headers={"Location": "/a.html"})
    site.set("/a.html", PAGE)
    f = fetcher()
    with pytest.raises(BlockedError, match="non-public address 169.254.169.254"):
        f.fetch(site.url("/to-metadata"))
    with pytest.raises(BlockedError, match="scheme 'file'"):
        f.fetch(site.url("/to-file"))
    with pytest.raises(FetchError, match="more than 5 redirects"):
        f.fetch(site.url("/loop-a"))
    assert site.hits("/loop-a") + site.hits("/loop-b") == 6
    ok = f.fetch(site.url("/hop"))
    assert ok.final_url == site.url("/a.html") and ok.url == site.url("/hop")


def test_retries_5xx_with_backoff_but_not_404(site):
    site.sequence("/flaky", [(503, "busy", {"Retry-After": "0"}), (500, "oops", {}),
                             (200, PAGE, {"Content-Type": "text/html"})])
    site.set("/missing", "nope", status=404)
    f = fetcher()
    assert f.fetch(site.url("/flaky")).status == 200
    assert site.hits("/flaky") == 3
    with pytest.raises(FetchError, match="HTTP 404") as err:
        f.fetch(site.url("/missing"))
    assert err.value.status == 404 and site.hits("/missing") == 1


def test_size_cap_content_type_and_deadline(site):
    site.set("/big.html", "<p>" + "x" * 5000 + "</p>")
    site.set("/doc.pdf", b"%PDF-1.4 ...", content_type="application/pdf")
    site.set("/slow.html", PAGE)
    site.drip["/slow.html"] = 0.3
    f = fetcher(max_bytes=1000, timeout=0.5, retries=0)
    with pytest.raises(FetchError, match="exceeds 1000"):
        f.fetch(site.url("/big.html"))
    with pytest.raises(FetchError, match="application/pdf is not text"):
        f.fetch(site.url("/doc.pdf"))
    started = time.monotonic()
    with pytest.raises(FetchError, match="deadline"):
        f.fetch(site.url("/slow.html"))  # one byte every 0.3 s: the read timeout never fires
    assert time.monotonic() - started < 3.0


def test_one_host_waits_its_delay_between_requests(site):
    site.set("/a.html", PAGE)
    f = fetcher(per_host_delay=0.4)
    f.fetch(site.url("/a.html"))  # also fetches robots.txt, then waits
    started = time.monotonic()
    f.fetch(site.url("/a.html"))
    f.fetch(site.url("/a.html"))
    assert time.monotonic() - started >= 0.8


def test_dns_rebinding_is_refused_at_connect_time(site, monkeypatch):
    """The name resolves to a public address when checked, to loopback when connected."""
    import socket

    site.set("/secret", "internal secret")
    real = socket.getaddrinfo
    calls = {"n": 0}

    def flipping(host, port, *args, **kwargs):
        if host == "rebind.example":
            calls["n"] += 1
            address = "93.184.216.34" if calls["n"] == 1 else "127.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", flipping)
    port = site.base.rsplit(":", 1)[1]
    with pytest.raises(BlockedError, match="refused at connect: non-public address 127.0.0.1"):
        fetcher(allow_networks=[], obey_robots=False).fetch(f"http://rebind.example:{port}/secret")
    assert site.hits("/secret") == 0


def test_robots_txt_behind_a_redirect_is_followed(site):
    site.set("/robots.txt", "", status=301, headers={"Location": "/real-robots.txt"})
    site.set("/real-robots.txt", "User-agent: *\nDisallow: /interdit/\n",
             content_type="text/plain")
    site.set("/a.html", PAGE)
    site.set("/interdit/b.html", PAGE)
    f = fetcher()
    assert f.fetch(site.url("/a.html")).status == 200
    with pytest.raises(BlockedError, match="robots.txt"):
        f.fetch(site.url("/interdit/b.html"))
    assert site.hits("/interdit/b.html") == 0


def test_a_failure_says_what_happened_in_words(site, tmp_path):
    """An operator reads `tracker sources`: a server that is down said "robots.txt
    unreachable" and cut urllib3's text before the cause, a link with a space said
    "backslash or control character", a files source on a file said "folder not
    found"."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(FetchError, match=r"robots.txt unreachable \(connection failed: "
                                         r"connection refused\)"):
        fetcher(retries=0).fetch(f"http://127.0.0.1:{port}/feed.xml")
    with pytest.raises(FetchError, match=r"connection failed: connection refused$"):
        fetcher(retries=0, obey_robots=False).fetch(f"http://127.0.0.1:{port}/feed.xml")
    with pytest.raises(BlockedError, match="a space in the URL"):
        fetcher().fetch(site.url("/a b.html"))
    from tracker.sources import list_files, parse_feed
    (tmp_path / "note.txt").write_text("x")
    with pytest.raises(TrackerError, match="note.txt: not a folder"):
        list_files(tmp_path / "note.txt")
    with pytest.raises(TrackerError, match="nowhere: folder not found"):
        list_files(tmp_path / "nowhere")
    # A feed's link with a space is asked for as a browser would.
    items, _ = parse_feed(b"<rss version='2.0'><channel><title>t</title><item><link>"
                          b"https://ex.org/a b.html</link></item></channel></rss>", "https://ex.org/")
    assert [i.url for i in items] == ["https://ex.org/a%20b.html"]
    # Items whose link is a script, a mail address or nothing cannot be fetched: a feed of
    # only such items says so (it read as empty and healthy); beside items with a page,
    # they are skipped quietly (a podcast's episodes).
    unlinked = (b"<item><link>javascript:void(0)</link></item><item><link>mailto:a@ex.org"
                b"</link></item><item><title>x</title></item>")
    items, warning = parse_feed(b"<rss version='2.0'><channel><title>t</title>" + unlinked
                                + b"</channel></rss>", "https://ex.org/")
    assert items == [] and warning == "none of its 3 items has a web link"
    items, warning = parse_feed(b"<rss version='2.0'><channel><title>t</title>" + unlinked
                                + b"<item><link>HTTPS://ex.org/b.html</link></item></channel>"
                                b"</rss>", "https://ex.org/")
    assert [i.url for i in items] == ["https://ex.org/b.html"] and warning is None


def test_unreachable_robots_txt_skips_the_host_for_now(site):
    site.set("/robots.txt", "oops", status=503)
    site.set("/a.html", PAGE)
    with pytest.raises(FetchError, match="robots.txt unreachable"):
        fetcher(retries=0).fetch(site.url("/a.html"))
    assert site.hits("/a.html") == 0


def test_sources_on_one_host_starting_together_read_its_robots_txt_once(site):
    """Three sources on one host, polled together by `run --once`: robots.txt was asked
    for three times in the pass, once a source (README audit)."""
    import threading

    site.set("/robots.txt", "User-agent: *\nDisallow: /interdit/\n", content_type="text/plain")
    for n in range(3):
        site.set(f"/{n}.html", PAGE)
    f = fetcher(per_host_delay=0.2)
    threads = [threading.Thread(target=f.fetch, args=(site.url(f"/{n}.html"),))
               for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert [site.hits(f"/{n}.html") for n in range(3)] == [1, 1, 1]
    assert site.hits("/robots.txt") == 1
