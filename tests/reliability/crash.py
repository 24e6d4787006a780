"""kill -9 the tracker at random points of a pass, again and again; then check that the
database is intact, no document lacks its mentions, and a last pass completes the rest
without duplicates. `python -m tests.reliability.crash --kills 30` runs it standalone; the
test suite runs a shorter loop."""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARTICLES = 40
PEOPLE = ["Emmanuel Macron", "Marine Le Pen", "Jean-Luc Mélenchon", "Gabriel Attal",
          "Olivier Faure", "Jordan Bardella", "François Bayrou", "Édouard Philippe"]


def article(n: int) -> str:
    who = PEOPLE[n % len(PEOPLE)]
    body = "".join(f"<p>{who} a pris la parole devant les députés, épisode {n}, paragraphe "
                   f"{i}, pour défendre son projet et répondre aux critiques.</p>"
                   for i in range(8))
    return (f"<html lang='fr'><body><nav>Accueil</nav><article><h1>Dépêche {n}</h1>{body}"
            f"</article><footer>Pied de page</footer></body></html>")


def feed(base: str) -> str:
    items = "".join(f"<item><title>Dépêche {n}</title><link>{base}/crash/{n}.html</link>"
                    f"<pubDate>Mon, 01 Jan 2024 10:{n:02d}:00 +0000</pubDate></item>"
                    for n in range(ARTICLES))
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>C</title>{items}" \
           "</channel></rss>"


def check(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        return {
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
            "documents": conn.execute("SELECT count(*) FROM documents").fetchone()[0],
            "orphans": conn.execute(
                "SELECT count(*) FROM documents d WHERE NOT EXISTS "
                "(SELECT 1 FROM mentions m WHERE m.document_id = d.id)").fetchone()[0],
            "duplicates": conn.execute(
                "SELECT count(*) - count(DISTINCT url) FROM documents").fetchone()[0],
        }
    finally:
        conn.close()


def _documents(db: Path) -> int:
    """Documents stored so far; 0 while the database or its tables do not exist yet."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(db)
        try:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def crash_loop(config: Path, db: Path, kills: int, seed: int = 1) -> dict:
    """Kill `tracker run --once` ``kills`` times while it writes; returns the figures."""
    rng = random.Random(seed)
    survived = 0
    worst = {"orphans": 0, "duplicates": 0}
    for _ in range(kills):
        before = _documents(db)
        proc = subprocess.Popen([sys.executable, "-m", "tracker", "run", "--once", "--config",
                                 str(config)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:  # wait for writes
            if _documents(db) > before:
                break
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = check(db)
        worst = {k: max(worst[k], state[k]) for k in worst}
        survived += state["integrity"] == "ok"
        if state["documents"] >= ARTICLES:  # everything stored: start over on a fresh db
            for path in db.parent.glob(db.name + "*"):
                path.unlink()
    final = subprocess.run([sys.executable, "-m", "tracker", "run", "--once", "--config",
                            str(config)], capture_output=True, timeout=300)
    end = check(db)
    return {"kills": kills, "survived": survived, "orphans": worst["orphans"],
            "duplicates": max(worst["duplicates"], end["duplicates"]),
            "final_exit": final.returncode, "final_documents": end["documents"],
            "final_orphans": end["orphans"]}


def serve_feed() -> str:
    """The crash corpus (a feed of ARTICLES pages) on a loopback server; its feed URL."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/feed.xml":
                body, ctype = feed(base), "application/rss+xml"
            elif self.path.startswith("/crash/"):
                body, ctype = article(int(self.path[7:].split(".")[0])), "text/html"
            else:  # robots.txt: none
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/feed.xml"


def main() -> None:
    import yaml

    parser = argparse.ArgumentParser(description="kill -9 loop against a loopback feed")
    parser.add_argument("--kills", type=int, default=30)
    args = parser.parse_args()
    feed_url = serve_feed()
    work = Path(tempfile.mkdtemp(prefix="tracker-crash-"))
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump({
        "database": str(work / "crash.db"),
        "entities": [],
        "defaults": {"per_host_delay": "0s"}, "allow_networks": ["127.0.0.0/8"],
        "sources": [{"name": "crash", "kind": "feed",
                     "url": feed_url}]}))
    print(crash_loop(config, work / "crash.db", args.kills))


if __name__ == "__main__":
    main()
