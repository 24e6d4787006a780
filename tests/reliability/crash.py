"""kill -9 the tracker, or one of its worker processes, while a pass writes, again and
again; each time check that the database is intact, then that a restart completes the
corpus with nothing lost, duplicated or orphaned. Each kill waits until a drawn number of
documents is stored, so it lands while the pass is writing, and records how many were
stored when it came. `python -m tests.reliability.crash --kills 30` runs it standalone;
the test suite runs a shorter loop."""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARTICLES = 40
# The host's politeness delay: the pass takes a second or so, so that a kill drawn at a
# count of stored documents comes while the next batch is being fetched and written.
PAGE_DELAY = "25ms"
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
            # rows pointing at a document or entity that is not there
            "dangling": len(conn.execute("PRAGMA foreign_key_check").fetchall()),
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


def workers_of(pid: int) -> list[int]:
    """The worker processes of a tracker: the children of its fork server (or, where
    there is none, its spawned children), not multiprocessing's resource tracker."""
    children = _children(pid)
    servers = [c for c in children if b"forkserver" in _cmdline(c)]
    return [w for server in servers for w in _children(server)] + [
        c for c in children if b"spawn_main" in _cmdline(c) and not is_writer(c)]


def writer_of(pid: int) -> int | None:
    """A tracker's writing process (``tracker.writeprocess``), if it has one."""
    return next((c for c in _children(pid) if is_writer(c)), None)


def is_writer(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip() == "tracker-writer"
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return out


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def _run(config: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tracker", "run", "--once", "--config",
                             str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def crash_loop(config: Path, db: Path, kills: int, seed: int = 1,
               worker_every: int = 3) -> dict:
    """``kills`` kills on a fresh database each: every ``worker_every``-th one kills a
    worker process and the writing process (the pass must go on and complete), the others
    the daemon (a restart must complete the corpus). Returns the figures, one row per kill
    in ``rows``."""
    rng = random.Random(seed)
    rows = []
    for number in range(kills):
        for path in db.parent.glob(db.name + "*"):
            path.unlink()
        worker = bool(worker_every) and number % worker_every == worker_every - 1
        target = rng.randint(1, ARTICLES - 12)  # documents stored when the kill comes
        proc = _run(config)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if _documents(db) >= target and (not worker or workers_of(proc.pid)):
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.02))
        alive = proc.poll() is None
        stored = _documents(db)
        row = {"killed": "worker" if worker else "daemon", "stored_at_kill": stored}
        if worker:  # a worker process, and the writing process with it
            victims = workers_of(proc.pid)
            if victims:
                os.kill(rng.choice(victims), signal.SIGKILL)
            writer = writer_of(proc.pid)
            if writer is not None:
                os.kill(writer, signal.SIGKILL)
            row["writer_killed"] = writer is not None
            row["exit"] = proc.wait(timeout=300)  # the same pass goes on, new workers
        else:
            proc.kill()
            proc.wait()
        state = check(db)
        row["integrity"] = state["integrity"]
        row["after_kill"] = state["documents"]
        # Landed while documents were being written: the pass was running, had stored
        # some, and (the daemon killed) had not stored them all.
        row["landed"] = alive and 0 < stored < ARTICLES and (
            worker or state["documents"] < ARTICLES)
        if not worker:
            row["exit"] = subprocess.run(
                [sys.executable, "-m", "tracker", "run", "--once", "--config", str(config)],
                capture_output=True, timeout=300).returncode
        end = check(db)
        row.update(lost=ARTICLES - end["documents"], duplicates=end["duplicates"],
                   orphans=end["orphans"], final_integrity=end["integrity"],
                   dangling=max(state["dangling"], end["dangling"]))
        rows.append(row)
    return {
        "kills": kills, "daemon_kills": sum(r["killed"] == "daemon" for r in rows),
        "worker_kills": sum(r["killed"] == "worker" for r in rows),
        "writer_kills": sum(r.get("writer_killed", False) for r in rows),
        "landed_mid_write": sum(r["landed"] for r in rows),
        "survived": sum(r["integrity"] == "ok" and r["final_integrity"] == "ok"
                        for r in rows),
        "lost": sum(r["lost"] for r in rows), "duplicates": sum(r["duplicates"] for r in rows),
        "orphans": sum(r["orphans"] for r in rows),
        "dangling": sum(r["dangling"] for r in rows),
        "failed_exits": sum(r["exit"] != 0 for r in rows),
        "stored_at_kill": [r["stored_at_kill"] for r in rows], "rows": rows,
    }


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
        "defaults": {"per_host_delay": PAGE_DELAY}, "allow_networks": ["127.0.0.0/8"],
        "sources": [{"name": "crash", "kind": "feed",
                     "url": feed_url}]}))
    figures = crash_loop(config, work / "crash.db", args.kills)
    for row in figures.pop("rows"):
        print(row)
    print(figures)


if __name__ == "__main__":
    main()
