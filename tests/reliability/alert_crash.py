"""kill -9 the daemon again and again while alerts are due; then check that every alert
was received at least once and that any alert received twice carried a key already seen.
`python -m tests.reliability.alert_crash --kills 20` runs it standalone; the test suite
runs a shorter loop."""

from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.reliability.crash import ARTICLES, serve_feed


class Hook:
    """A slow webhook receiver (each POST takes ``delay``): kills land mid-delivery."""

    def __init__(self, delay: float = 0.15) -> None:
        self.keys: list[str] = []
        self.ids_in_body: list[str] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    sent_id = json.loads(body)["id"]
                except (ValueError, KeyError):
                    # The sender was killed between its headers and its body: no
                    # delivery (it had no answer, so it sends the alert again).
                    self.send_response(400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                time.sleep(delay)
                hook.keys.append(self.headers.get("Idempotency-Key", ""))
                hook.ids_in_body.append(sent_id)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _outbox(db: Path) -> list[tuple[str, str]]:
    try:
        conn = sqlite3.connect(db)
        try:
            return conn.execute("SELECT id, status FROM alert_outbox").fetchall()
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return []


def alert_crash_loop(config: Path, db: Path, hook: Hook, kills: int, seed: int = 2) -> dict:
    """Start `tracker run`, let it store and deliver for a random while, kill -9; again.
    Then one `run --once` finishes; returns the figures."""
    rng = random.Random(seed)
    landed = 0  # kills that hit while some alert was still pending
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, "-m", "tracker", "run", "--config",
                                 str(config)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _outbox(db):  # alerts queued
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 2.0))
        pending = sum(status == "pending" for _, status in _outbox(db))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        landed += pending > 0
    final = subprocess.run([sys.executable, "-m", "tracker", "run", "--once", "--config",
                            str(config)], capture_output=True, timeout=300)
    rows = _outbox(db)
    received = set(hook.keys)
    return {"kills": kills, "landed_while_pending": landed, "final_exit": final.returncode,
            "alerts": len(rows), "sent": sum(s == "sent" for _, s in rows),
            "received": len(received), "deliveries": len(hook.keys),
            "redelivered": len(hook.keys) - len(received),  # at least once: replays
            "missing": len({i for i, _ in rows} - received),
            "keys_match_bodies": hook.keys == hook.ids_in_body,
            # A key no alert has: an alert sent again under another key (never allowed).
            "unknown_keys": len(received - {i for i, _ in rows})}


def write_setup(work: Path, feed_url: str, hook: Hook) -> Path:
    import yaml

    config = work / "config.yaml"
    config.write_text(yaml.safe_dump({
        "database": str(work / "alerts.db"), "entities": [],
        "defaults": {"per_host_delay": "0s", "tag_processes": 1, "interval": "1h"},
        "allow_networks": ["127.0.0.0/8"],
        "sources": [{"name": "crash", "kind": "feed", "url": feed_url}],
        # The feed's items are dated 2024: max_age lifted so that they alert.
        "alerts": [{"name": "all", "trigger": "mention", "to": [hook.url],
                    "max_age": "36500d"}]}))
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description="kill -9 loop while alerts are due")
    parser.add_argument("--kills", type=int, default=20)
    args = parser.parse_args()

    feed_url = serve_feed()
    hook = Hook()
    work = Path(tempfile.mkdtemp(prefix="tracker-alert-crash-"))
    config = write_setup(work, feed_url, hook)
    print(alert_crash_loop(config, work / "alerts.db", hook, args.kills), ARTICLES)


if __name__ == "__main__":
    main()
