"""An operator's story: the daemon keeps its schedule through failures, restarts and
config edits, and never runs twice on one database."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import write_config
from tracker.cli import cli
from tracker.config import parse_cron
from tracker.errors import ConfigError
from tracker.scheduler import backoff


class DaemonProcess:
    def __init__(self, config):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "run", "--config", str(config)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_for(self, condition, timeout=90.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            assert self.proc.poll() is None, self.proc.communicate()[1]
            time.sleep(0.1)
        raise AssertionError("condition not reached in time")

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        _, stderr = self.proc.communicate(timeout=20)
        assert self.proc.returncode == 0, stderr
        return stderr

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def daemons():
    started: list[DaemonProcess] = []

    def start(config):
        started.append(DaemonProcess(config))
        return started[-1]

    yield start
    for daemon in started:
        daemon.kill()


def _sources(config) -> dict[str, dict]:
    result = CliRunner().invoke(cli, ["sources", "--config", str(config), "--format", "jsonl"])
    return {r["name"]: r for r in map(json.loads, result.stdout.splitlines())}


def test_failing_source_is_backed_off_doubling_and_shown_failing(site, tmp_path, daemons):
    config = write_config(tmp_path, [
        {"name": "gone", "kind": "feed", "url": site.url("/gone.xml"), "interval": "1s",
         "jitter": "0s"},
        {"name": "good", "kind": "feed", "url": site.url("/feed.xml"), "interval": "1h"},
    ])
    daemon = daemons(config)
    daemon.wait_for(lambda: site.hits("/gone.xml") >= 4, timeout=120)
    stderr = daemon.stop()
    gaps = site.gaps("/gone.xml")[:3]  # 1 s, then 2 s, then 4 s between tries
    # (the first passes run while the worker processes load: on a busy machine a pass
    # may end a few tenths of a second late)
    assert all(abs(gap - want) < 0.75 for gap, want in zip(gaps, (1, 2, 4), strict=True)), gaps
    health = _sources(config)
    assert health["gone"]["last_status"] == "error"
    assert health["gone"]["consecutive_failures"] >= 4
    assert health["good"]["last_status"] == "ok" and health["good"]["documents"] == 3
    # Without a terminal, the daemon writes one key=value line per event.
    assert "pass failed source=gone" in stderr and "failures=" in stderr
    assert "pass done source=good new_documents=3" in stderr


def test_a_second_run_on_the_same_database_is_refused(site, tmp_path, daemons):
    config = write_config(tmp_path, [{"name": "good", "kind": "feed",
                                      "url": site.url("/feed.xml"), "interval": "1h"}])
    daemon = daemons(config)
    daemon.wait_for(lambda: site.hits("/articles/obama-paris.html") >= 1)
    second = CliRunner().invoke(cli, ["run", "--once", "--config", str(config)])
    assert second.exit_code == 1
    assert f"pid {daemon.proc.pid}" in second.output and "another `tracker run`" in second.output
    daemon.stop()


def test_restart_resumes_the_schedule_and_refetches_nothing(site, tmp_path, daemons):
    config = write_config(tmp_path, [{"name": "good", "kind": "feed",
                                      "url": site.url("/feed.xml"), "interval": "1h"}])
    first = daemons(config)
    first.wait_for(lambda: _sources(config).get("good", {}).get("next_run_at"))
    first.stop()
    due = _sources(config)["good"]["next_run_at"]
    second = daemons(config)
    second.wait_for(lambda: "daemon started" in (second.proc.stderr.readline() or ""))
    time.sleep(3)
    second.stop()
    assert site.hits("/feed.xml") == 1  # not due for an hour: not polled again
    assert site.hits("/articles/royal-sarkozy-premier-tour.html") == 1
    assert _sources(config)["good"]["next_run_at"] == due


def test_sighup_reloads_sources_and_keeps_running_on_a_bad_config(site, tmp_path, daemons):
    site.set("/agenda.html", "<html><body><article><p>Olivier Faure réunit le bureau national "
                             "du Parti socialiste lundi pour préparer les municipales.</p>"
                             "</article></body></html>")
    config = write_config(tmp_path, [{"name": "good", "kind": "feed",
                                      "url": site.url("/feed.xml"), "interval": "1h"}])
    daemon = daemons(config)
    daemon.wait_for(lambda: site.hits("/articles/obama-paris.html") >= 1)
    good = config.read_text("utf-8")
    config.write_text("sources: [oops", "utf-8")
    daemon.proc.send_signal(signal.SIGHUP)
    time.sleep(1.5)
    assert daemon.proc.poll() is None  # a bad edit is refused, the daemon keeps going
    data = yaml.safe_load(good)
    data["sources"].append({"name": "agenda", "kind": "page", "url": site.url("/agenda.html")})
    config.write_text(yaml.safe_dump(data), "utf-8")
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.wait_for(lambda: site.hits("/agenda.html") >= 1, timeout=60)
    stderr = daemon.stop()
    assert "reload refused" in stderr and "not valid YAML" in stderr
    assert "config reloaded" in stderr
    assert site.hits("/feed.xml") == 1


def test_one_request_at_a_time_per_host_with_the_configured_delay(site, tmp_path):
    config = write_config(tmp_path, [{"name": "good", "kind": "feed",
                                      "url": site.url("/feed.xml")}],
                          defaults={"per_host_delay": "0.5s", "timeout": "5s"})
    assert CliRunner().invoke(cli, ["run", "--once", "--config", str(config)]).exit_code == 0
    stamps = [t for t, _ in site.times]
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert len(gaps) >= 4 and min(gaps) >= 0.45, gaps


def test_cron_expressions_use_crontab_weekdays():
    assert parse_cron("0 7 * * 1-5", "x") == "0 7 * * mon,tue,wed,thu,fri"
    assert parse_cron("30 18 * * 0", "x") == "30 18 * * sun"
    assert parse_cron("*/15 * * * *", "x") == "*/15 * * * *"
    with pytest.raises(ConfigError, match="not a crontab expression"):
        parse_cron("every monday", "x")
    with pytest.raises(ConfigError, match="not a valid crontab expression"):
        parse_cron("0 25 * * *", "x")
    # A day no month of the expression has: it polled every 30 minutes, said nowhere.
    for never in ("0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6 *"):
        with pytest.raises(ConfigError, match="never comes"):
            parse_cron(never, "x")
    assert parse_cron("0 0 29 2 *", "x") == "0 0 29 2 *"  # every leap year


def test_backoff_doubles_and_is_capped():
    from tracker.config import Source

    src = Source(name="s", kind="feed", interval=900, timeout=20, url="https://x.org/")
    assert [backoff(src, n) for n in (1, 2, 3)] == [900, 1800, 3600]
    assert backoff(src, 30) == 24 * 3600


def test_co_mentions_are_counted_once_no_pass_runs_whoever_stored_them(tmp_path, kb):
    """One source stores documents while another's pass is still running, and that one
    ends with nothing new: the daemon still counts the co-mentions of the first one's
    documents as soon as no pass runs (a backlog at start too)."""
    import threading
    from types import SimpleNamespace

    from tests.newsroom import build_newsroom
    from tracker import pairs
    from tracker.pipeline import RunResult
    from tracker.scheduler import Daemon
    from tracker.store import Store

    db = tmp_path / "tracker.db"
    build_newsroom(db, kb)
    release = threading.Event()

    def run_source(source):
        if source.name == "figaro":  # the long pass: nothing new
            release.wait(10)
            return RunResult(source.name)
        return RunResult(source.name, new_documents=6)

    pipeline = SimpleNamespace(parallel_sources=2, db_path=db, run_source=run_source,
                               close=lambda: None)
    sources = [SimpleNamespace(name=n, interval=60.0) for n in ("lemonde", "figaro")]
    stop = threading.Event()
    daemon = Daemon(lambda: (pipeline, sources), stop=stop)
    counter = threading.Thread(target=daemon._count_pairs)
    counter.start()

    def covered() -> int:
        with Store(db, read_only=True) as store:
            return pairs.covered(store.db)

    try:
        long_pass = threading.Thread(target=daemon._job, args=["figaro"])
        long_pass.start()
        while not daemon._active:
            time.sleep(0.01)
        daemon._job("lemonde")  # stores, while figaro's pass runs
        time.sleep(0.5)
        assert covered() == 0  # not while a pass runs
        release.set()
        long_pass.join()
        deadline = time.monotonic() + 10
        while covered() < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert covered() == 6
    finally:
        stop.set()
        release.set()
        counter.join(timeout=5)
