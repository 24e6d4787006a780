"""An analyst's story: reports and exports run while the daemon writes; none fails with
"database is locked", and an export is one consistent snapshot (whole documents only)."""

from __future__ import annotations

import collections
import csv
import io
import signal
import sqlite3
import subprocess
import sys
import threading
import time

from tests.conftest import write_config
from tracker.export import write_csv
from tracker.query import MentionFilter, mention_rows
from tracker.store import Store

PEOPLE = ["Emmanuel Macron", "Marine Le Pen", "Olivier Faure", "Gabriel Attal"]
NOTES = 600  # notes the daemon stores while the dashboard is read (a few seconds)


def _collecting(tmp_path, notes: int) -> tuple:
    """`tracker run` collecting a folder of ``notes`` short notes naming the four people:
    the database's path and the daemon's process."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for n in range(notes):
        names = " et ".join(PEOPLE[(n + i) % 4] for i in range(1 + n % 3))
        (folder / f"{n:03d}.txt").write_text(
            f"Note {n}\n\n{names} ont débattu du budget à l'Assemblée nationale, "
            f"séance numéro {n}.", "utf-8")
    config = write_config(tmp_path, [{"name": "archive", "kind": "files",
                                      "path": str(folder), "interval": "1h"}])
    daemon = subprocess.Popen([sys.executable, "-m", "tracker", "run", "--config",
                               str(config)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    return tmp_path / "tracker.db", daemon


def test_queries_and_exports_while_the_daemon_writes(tmp_path):
    db, daemon = _collecting(tmp_path, 400)
    errors: list[str] = []
    exports: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _has_documents(db):
            time.sleep(0.1)

        def reader(kind: str) -> None:
            end = time.monotonic() + 6
            while time.monotonic() < end:
                try:
                    with Store(db, create=False) as store:
                        rows = mention_rows(store.db, MentionFilter(party="PS"))
                        if kind == "export":
                            out = io.StringIO()
                            write_csv(mention_rows(store.db, MentionFilter(),
                                                   newest_first=False), out)
                            exports.append(out.getvalue())
                        else:
                            list(rows)
                except Exception as exc:  # noqa: BLE001 - every failure is the finding
                    errors.append(f"{kind}: {exc}")

        written_before = _count(db)
        threads = [threading.Thread(target=reader, args=(k,))
                   for k in ("query", "query", "export")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert _count(db) > written_before  # the daemon was writing all along
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=30)
    assert errors == []
    assert len(exports) >= 3
    final = dict(sqlite3.connect(db).execute(
        "SELECT d.url, count(m.id) FROM documents d JOIN mentions m ON m.document_id = d.id "
        "GROUP BY d.id"))
    for export in exports:
        per_doc = collections.Counter(r["url"] for r in csv.DictReader(io.StringIO(export)))
        assert all(per_doc[url] == final[url] for url in per_doc)  # whole documents only


def _count(db) -> int:
    return sqlite3.connect(db).execute("SELECT count(*) FROM documents").fetchone()[0]


def _has_documents(db) -> bool:
    if not db.exists():
        return False
    try:
        return bool(sqlite3.connect(db).execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.OperationalError:  # the daemon has not created the tables yet
        return False


def test_the_dashboard_answers_while_the_daemon_writes_and_catches_up(tmp_path):
    """A press officer keeps the dashboard open while `tracker run` collects. Every
    request is answered while the daemon commits; once collection stops, the figures
    equal `tracker stats`'s within a few times ``max_age``."""
    import json

    import requests

    from tests.web import serving

    db, daemon = _collecting(tmp_path, NOTES)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _has_documents(db):
            time.sleep(0.1)
        with serving(db, max_age=0.5) as served:
            seen = set()
            while _count(db) < NOTES and time.monotonic() < deadline:
                got = served.get("/api/stats", params={"view": "totals", "by": "politician"})
                assert got.status_code == 200, got.text
                seen.add(sum(r["mentions"] for r in got.json()))
                assert served.get("/").status_code == 200
            assert _count(db) == NOTES and len(seen) > 1  # figures moved while it wrote
            printed = subprocess.run(
                [sys.executable, "-m", "tracker", "stats", "--db", str(db), "--view",
                 "totals", "--by", "politician", "--format", "jsonl"],
                capture_output=True, text=True, check=True).stdout
            expected = [json.loads(line) for line in printed.splitlines()]
            settle = time.monotonic() + 10
            while True:
                got = served.get("/api/stats", params={"view": "totals", "by": "politician"})
                if got.json() == expected or time.monotonic() > settle:
                    break
                time.sleep(0.2)
            assert got.json() == expected
    except requests.RequestException as exc:  # pragma: no cover - the failure to report
        raise AssertionError(f"the dashboard did not answer: {exc}") from None
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=30)
