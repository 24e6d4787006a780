"""Leaving tracker running for years: a systemd unit that verifies, backups taken while the
daemon writes, a lock that never outlives its run, a fetch log that stops growing, reports
over ten years that stay small and readable."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import open_store
from tracker.backup import backup
from tracker.errors import TrackerError
from tracker.models import Article, Mention
from tracker.scheduler import run_lock
from tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "contrib" / "tracker.service"


def _article(i: int, when: dt.datetime, text: str | None = None) -> Article:
    text = text or f"Article {i}: le PS et Les Républicains, mot{i} terme{i * 7} fin{i * 13}."
    return Article(source="s", url=f"https://journal.example/{i}", text=text, lang="fr",
                   published_at=when, date_source="feed", fetched_at=when, title=f"T{i}")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (.ci/run installs it)")
def test_the_systemd_unit_verifies(tmp_path):
    text = UNIT.read_text("utf-8")
    for line in ("User=tracker", "Restart=on-failure", "StandardOutput=journal",
                 "ExecReload=/bin/kill -HUP $MAINPID"):
        assert line in text
    # The unit as shipped, with ExecStart pointing at this install's tracker.
    here = Path(sys.executable).parent / "tracker"
    unit = tmp_path / "tracker.service"
    unit.write_text(text.replace("/opt/tracker/bin/tracker", str(here)), "utf-8")
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_a_backup_taken_while_the_daemon_writes_is_whole(tmp_path, kb):
    writer = open_store(tmp_path / "live.db", kb)
    when = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    stop, saved = threading.Event(), []

    def write() -> None:
        i = 0
        while not stop.is_set() and i < 5000:
            article = _article(i, when)
            writer.save(article, [Mention("ps", "party", "ps", "PS", 15, 17, article.text,
                                          "alias")], kb_version="k", tagger_version="t")
            saved.append(i)
            i += 1

    thread = threading.Thread(target=write)
    thread.start()
    try:
        while len(saved) < 50:
            stop.wait(0.01)
        copies = []
        with Store(tmp_path / "live.db", read_only=True) as reader:
            for n in range(3):
                before = len(saved)
                copy = tmp_path / f"copy{n}.db"
                backup(reader, copy)
                copies.append((copy, before, len(saved)))
    finally:
        stop.set()
        thread.join()
        writer.close()
    for copy, before, after in copies:
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        assert before <= documents <= after + 1
        assert conn.execute("SELECT count(*) FROM mentions").fetchone()[0] == documents
        assert conn.execute("SELECT count(*) FROM mentions WHERE document_id NOT IN "
                            "(SELECT id FROM documents)").fetchone()[0] == 0
        conn.close()
    assert copies[-1][1] > copies[0][1]  # the writer went on while the copies were taken


def test_db_backup_command_refuses_to_overwrite(tmp_path, kb):
    open_store(tmp_path / "t.db", kb).close()
    (tmp_path / "config.yaml").write_text("database: t.db\n", "utf-8")
    run = [sys.executable, "-m", "tracker", "db", "backup"]
    ok = subprocess.run([*run, "copy.db"], cwd=tmp_path, capture_output=True, text=True)
    assert ok.returncode == 0 and "backed up to copy.db" in ok.stderr
    again = subprocess.run([*run, "copy.db"], cwd=tmp_path, capture_output=True, text=True)
    # Exit 1, as `export` and `report` (README: a file exists is a runtime failure).
    assert again.returncode == 1 and "already exists" in again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "copy.db", "t.db"]


def test_the_run_lock_goes_with_its_run_and_a_stale_one_is_taken_over(tmp_path, caplog):
    db = tmp_path / "t.db"
    lock = tmp_path / "t.db.lock"
    with run_lock(db):
        assert lock.read_text() == str(__import__("os").getpid())
        with pytest.raises(TrackerError, match="another `tracker run`"), run_lock(db):
            pass
    assert not lock.exists()
    # A run killed with SIGKILL leaves its file; the kernel dropped its lock.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    lock.write_text(dead)
    with caplog.at_level(logging.WARNING, logger="tracker.scheduler"), run_lock(db):
        pass
    assert any("stale_lock" in r.getMessage() and dead in r.getMessage()
               for r in caplog.records)
    assert not lock.exists()


def test_the_fetch_log_is_pruned_past_its_age(tmp_path, kb):
    from tracker.config import load_config

    (tmp_path / "c.yaml").write_text("keep_fetch_log: 7d\n", "utf-8")
    assert load_config(tmp_path / "c.yaml").keep_fetch_log == 7 * 86400
    assert load_config(tmp_path / "none.yaml", must_exist=False).keep_fetch_log == 30 * 86400
    with open_store(tmp_path / "t.db", kb) as store:
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        store.log_fetches(3 * [("s", "https://journal.example/feed", 200, "ok", 0, 0, None, now),
                               ("other", "https://x.example/f", 200, "ok", 0, 0, None, now)])
        store.db.execute("UPDATE fetches SET fetched_at = '2020-01-01T00:00:00Z' "
                         "WHERE rowid IN (1, 2, 3, 4)")
        assert store.prune_fetches("s", 7 * 86400) == 2
        left = store.db.execute("SELECT source, count(*) FROM fetches GROUP BY source")
        assert dict(left.fetchall()) == {"s": 1, "other": 3}  # each source its own


@pytest.mark.parametrize("text, hints, among, expected", [
    ("Obama met Sarkozy in Paris", (), (), "en"),
    ("Macron", ("fr",), (), "fr"),
    ("Macron", (), (), "en"),  # among the tagged languages only, never Romanian
    ("Le président a réuni les ministres à l'Élysée pour préparer la réforme.", (), (), "fr"),
    ("Der Bundeskanzler sprach heute im Bundestag über den Haushalt und die Schuldenbremse.",
     (), ("de",), "de"),
    ("Der Bundeskanzler sprach heute im Bundestag über den Haushalt und die Schuldenbremse.",
     (), (), "en"),
])
def test_language_is_chosen_among_the_tagged_and_configured_ones(text, hints, among,
                                                                   expected):
    from tracker.extract import detect_language

    assert detect_language(text, *hints, among=among) == expected


def test_a_ten_year_report_stays_small_with_years_on_its_axis(tmp_path, kb):
    parties = [p.id for p in kb.parties() if p.id in (
        "ps", "lr", "rn", "lfi", "renaissance", "modem", "pcf", "les-ecologistes")]
    assert len(parties) >= 6
    start = dt.datetime(2015, 1, 5, 9, tzinfo=dt.timezone.utc)
    with open_store(tmp_path / "t.db", kb) as store:
        for week in range(0, 520, 2):
            when = start + dt.timedelta(weeks=week)
            article = _article(week, when, f"Semaine {week}: " + ", ".join(parties) + ".")
            found, at = [], len(f"Semaine {week}: ")
            for party in parties:
                found.append(Mention(party, "party", party, party, at, at + len(party),
                                     article.text, "alias"))
                at += len(party) + 2
            store.save(article, found, kb_version="k", tagger_version="t")
    (tmp_path / "config.yaml").write_text("database: t.db\n", "utf-8")
    out = tmp_path / "r.html"
    made = subprocess.run([sys.executable, "-m", "tracker", "report", "-o", str(out),
                           "--since", "2015-01-01", "--until", "2024-12-31", "--interval",
                           "day"], cwd=tmp_path, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert "per month, not per day" in made.stderr
    html = out.read_text("utf-8")
    assert len(html.encode()) <= 300_000
    line = html[html.index("line-chart"):html.index("</svg>", html.index("line-chart"))]
    for points in re.findall(r'points="([^"]*)"', line):
        assert len(points.split()) <= 200
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', line)
    assert "2015-01" in ticks and any(t.startswith("2024-") for t in ticks)
