"""Soak test: the daemon against a loopback news site that publishes all the time.

Runs `tracker run` for a while (10 minutes by default) against a site on 127.0.0.1 that
publishes a new article every few seconds, samples the daemon's memory, then stops it
with SIGTERM and reports: articles published, stored, missed, fetch errors, memory over
time. Not part of the test suite (see tests/reliability/README.md for the figures).

    python bench/soak.py --minutes 10 --every 3
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = ["Emmanuel Macron", "Marine Le Pen", "Jean-Luc Mélenchon", "Gabriel Attal",
          "Jordan Bardella", "Olivier Faure", "Édouard Philippe", "François Bayrou",
          "Éric Ciotti", "Marine Tondelier", "Fabien Roussel", "Bruno Retailleau"]
_VOCABULARY = ("réforme budget retraites assemblée sénat vote motion censure gouvernement "
               "ministre majorité opposition sondage campagne élection meeting débat loi")
WORDS = _VOCABULARY.split()


class Newsroom:
    """Publishes one article every ``every`` seconds; the feed lists the latest 30."""

    def __init__(self, every: float):
        self.every = every
        self.articles: list[tuple[int, float, str, str]] = []  # (n, time, title, html)
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def publish_forever(self) -> None:
        rng = random.Random(7)
        n = 0
        while not self.stop.is_set():
            n += 1
            who = rng.sample(PEOPLE, 2)
            paragraphs = "".join(
                f"<p>{who[i % 2]} " + " ".join(rng.choice(WORDS) for _ in range(40))
                + f" {n}-{i}.</p>" for i in range(6))
            html = (f"<html lang='fr'><body><nav>Accueil Politique</nav><article><h1>Dépêche "
                    f"{n} : {who[0]}</h1>{paragraphs}</article><aside>Les plus lus : "
                    f"Nicolas Sarkozy</aside></body></html>")
            with self.lock:
                self.articles.append((n, time.time(), f"Dépêche {n}", html))
            self.stop.wait(self.every)

    def feed(self, base: str) -> bytes:
        with self.lock:
            latest = self.articles[-30:]
        items = "".join(
            f"<item><title>{title}</title><link>{base}/a/{n}.html</link>"
            f"<pubDate>{format_datetime(_utc(when))}</pubDate></item>"
            for n, when, title, _ in reversed(latest))
        return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
                f"<title>Soak</title>{items}</channel></rss>").encode()

    def page(self, n: int) -> bytes | None:
        with self.lock:
            for num, _, _, html in self.articles:
                if num == n:
                    return html.encode()
        return None


def _utc(ts: float):
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.timezone.utc)


def serve(room: Newsroom) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/feed.xml":
                body, ctype = room.feed(base), "application/rss+xml"
            elif self.path.startswith("/a/"):
                body = room.page(int(self.path[3:].split(".")[0]))
                ctype = "text/html; charset=utf-8"
            else:
                body = None
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--every", type=float, default=3, help="seconds between articles")
    parser.add_argument("--interval", default="10s", help="feed polling interval")
    args = parser.parse_args()
    room = Newsroom(args.every)
    threading.Thread(target=room.publish_forever, daemon=True).start()
    server = serve(room)
    work = Path(tempfile.mkdtemp(prefix="tracker-soak-"))
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump({
        "database": str(work / "soak.db"), "entities": [],
        "defaults": {"per_host_delay": "0s", "timeout": "5s"},
        "allow_networks": ["127.0.0.0/8"],
        "sources": [{"name": "soak", "kind": "feed", "interval": args.interval,
                     "url": f"http://127.0.0.1:{server.server_address[1]}/feed.xml"}],
    }))
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "run", "--config", str(config),
                             "--log-file", str(work / "soak.log")], cwd=ROOT)
    started = time.time()
    samples = []
    while time.time() - started < args.minutes * 60:
        time.sleep(10)
        if proc.poll() is not None:
            sys.exit(f"daemon died with {proc.returncode}; see {work / 'soak.log'}")
        samples.append((round(time.time() - started), round(rss_mb(proc.pid), 1)))
    room.stop.set()
    proc.send_signal(signal.SIGTERM)
    stop_started = time.time()
    code = proc.wait(timeout=60)
    conn = sqlite3.connect(work / "soak.db")
    stored = {int(u.rsplit("/", 1)[1].split(".")[0])
              for (u,) in conn.execute("SELECT url FROM documents")}
    last_poll = conn.execute("SELECT max(fetched_at) FROM fetches WHERE url LIKE '%feed.xml' "
                             "AND outcome = 'ok'").fetchone()[0]
    last_poll_ts = _parse(last_poll)
    due = {n for n, when, _, _ in room.articles if when < last_poll_ts - 1}
    errors = conn.execute("SELECT count(*) FROM fetches WHERE outcome = 'error'").fetchone()[0]
    mentions = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
    print(f"ran {args.minutes:g} min; published {len(room.articles)} articles, "
          f"{len(due)} before the last poll; stored {len(stored)} documents, "
          f"{mentions} mentions; missed {len(due - stored)}; fetch errors {errors}; "
          f"SIGTERM exit {code} in {time.time() - stop_started:.1f}s")
    rss = [m for _, m in samples]
    print(f"RSS MB: first {rss[0]}, min {min(rss)}, max {max(rss)}, last {rss[-1]}")
    print("RSS over time (s, MB):", samples[:: max(1, len(samples) // 12)])


def _parse(value: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


if __name__ == "__main__":
    main()
