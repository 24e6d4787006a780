"""A press officer is told: an e-mail and a signed webhook when their party is named, a
digest at their local morning hour, a ping when a rival's mentions jump; never twice for
the same mention, never lost when a receiver fails, never slowing collection."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import re
import shutil
import socket
import threading
import time
from email import message_from_bytes
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import open_store, write_config
from tracker.alerts.dispatch import Dispatcher
from tracker.alerts.outbox import Outbox, is_spike
from tracker.alerts.rules import AlertRule
from tracker.cli import cli
from tracker.config import load_config
from tracker.errors import ConfigError
from tracker.fetch import Fetcher
from tracker.models import Article, Mention
from tracker.store import Store

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
UTC = dt.timezone.utc


class Receiver:
    """A webhook receiver on 127.0.0.1: records each POST; answers from ``statuses``
    (then 200), after ``delay`` seconds."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict, bytes]] = []
        self.paths: list[str] = []
        self.statuses: list[int] = []
        self.headers: dict[str, str] = {}
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.posts.append((dict(self.headers), body))
                receiver.paths.append(self.path)
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self) -> list[dict]:
        return [json.loads(body) for _, body in self.posts]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox():
    """A real SMTP server (aiosmtpd) on loopback, keeping each message it receives."""
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's
            self.messages.append(message_from_bytes(envelope.content, policy=email_policy))
            return "250 OK"

    handler = Keep()
    handler.port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


def _newsroom(tmp_path: Path, alerts: list[dict], **extra) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("2012-note.txt", "2024-legislatives.html"):
        shutil.copy(SAMPLES / name, inbox / name)
    return write_config(tmp_path, [{"name": "inbox", "kind": "files", "path": str(inbox)}],
                        alerts=alerts, **extra)


def _run(config: Path, *args: str):
    result = CliRunner().invoke(cli, [*args, "--config", str(config)])
    return result


# -- configuration ----------------------------------------------------------------------
@pytest.mark.parametrize("rule, message", [
    ({"name": "a", "trigger": "often", "to": ["http://127.0.0.1:1/h"]},
     "alerts[0] (a): key 'trigger': 'often' is not one of mention, spike, digest"),
    ({"name": "a", "party": "PS"}, "alerts[0] (a): key 'to': required"),
    ({"name": "a", "to": ["mailto:press@example.org"]},
     "alerts[0] (a): key 'to': 'mailto:press@example.org' needs an 'smtp:' section"),
    ({"name": "a", "trigger": "digest", "at": "8h", "to": ["http://127.0.0.1:1/h"]},
     "alerts[0] (a): key 'at': '8h' is not a time"),
    ({"name": "a", "trigger": "spike", "window": 5, "to": ["http://127.0.0.1:1/h"]},
     "alerts[0] (a): key 'window': 5 has no unit"),
    ({"name": "a", "to": ["ftp://x/y"]}, "is neither mailto: nor an http(s) URL"),
    # A webhook that cannot be posted to is refused at load, its token hidden: it failed
    # with a traceback at every try, retried for ever (2026 audit).
    ({"name": "a", "to": ["http://[::1/hook/TOKEN"]},
     "alerts[0] (a): key 'to': 'http://[::1/…' is not a valid URL"),
    ({"name": "a", "to": ["http://127.0.0.1:99999/hook/TOKEN"]},
     "alerts[0] (a): key 'to': 'http://127.0.0.1:99999/…' is not a valid URL"),
    ({"name": "a", "to": ["http://x/y"], "partie": "PS"}, "unknown key 'partie'"),
    # An empty search from a templated config alerted on every mention; a factor of NaN
    # never fired; a language no document is in never matched; a spike's or a digest's
    # key on a mention rule was ignored (alerts audit).
    ({"name": "a", "to": ["http://x/y"], "search": " "}, "key 'search': empty"),
    ({"name": "a", "to": ["http://x/y"], "party": ""}, "key 'party': empty"),
    ({"name": "a", "trigger": "spike", "factor": float("nan"), "to": ["http://x/y"]},
     "key 'factor': a number above 1"),
    ({"name": "a", "trigger": "spike", "factor": float("inf"), "to": ["http://x/y"]},
     "key 'factor': a number above 1"),
    ({"name": "a", "to": ["http://x/y"], "lang": "xx"},
     "key 'lang': 'xx' is no language documents are read in here (en, fr;"),
    ({"name": "a", "to": ["http://x/y"], "at": "08:00"},
     "key 'at': not for a mention rule (for digest)"),
    ({"name": "a", "trigger": "digest", "to": ["http://x/y"], "factor": 3},
     "key 'factor': not for a digest rule (for spike)"),
])
def test_a_bad_rule_is_one_line_naming_the_rule_and_the_key(tmp_path, rule, message):
    config = write_config(tmp_path, [], alerts=[rule])
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(config)
    result = _run(config, "alerts", "list")
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


# -- mention alerts, end to end ------------------------------------------------------------
def test_a_mention_alert_is_signed_sent_once_and_never_again(tmp_path, receiver,
                                                             monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    # The samples are old articles: a rule for archives lifts max_age (default 3 days).
    config = _newsroom(tmp_path, [{"name": "ps-direct", "party": "PS", "trigger": "mention",
                                   "to": [receiver.url], "secret_env": "HOOK_SECRET",
                                   "max_age": "36500d"}])
    first = _run(config, "run", "--once")
    assert first.exit_code == 0, first.output
    assert "alerts: 2 sent" in first.output
    payloads = receiver.payloads()
    # Each document's mentions that `tracker mentions --party PS` lists, in one alert each.
    listed = _run(config, "mentions", "--party", "PS", "--format", "jsonl")
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert sum(len(p["mentions"]) for p in payloads) == len(rows) >= 4
    assert {m["url"] for p in payloads for m in p["mentions"]} == {r["url"] for r in rows}
    for headers, body in receiver.posts:
        payload = json.loads(body)
        expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["X-Tracker-Signature"] == expected
        assert headers["Idempotency-Key"] == payload["id"]
        assert payload["alert"] == "ps-direct" and payload["trigger"] == "mention"
        assert set(payload["mentions"][0]) == {
            "published_at", "source", "url", "title", "entity", "entity_type", "party",
            "surface", "sentence", "lang"}
        assert all(m["party"] == "Parti socialiste" for m in payload["mentions"])
    # Re-polls, a retag and a new version of a file repeating the same sentences: nothing.
    assert _run(config, "run", "--once").exit_code == 0
    assert _run(config, "retag").exit_code == 0
    note = tmp_path / "inbox" / "2012-note.txt"
    note.write_text(note.read_text("utf-8") + "\nUne ligne de plus.\n", "utf-8")
    assert _run(config, "run", "--once").exit_code == 0
    assert len(receiver.posts) == 2
    status = _run(config, "alerts", "status")
    assert "ps-direct\tsent\t2" in status.output
    assert "s3cret" not in (tmp_path / "tracker.db").read_bytes().decode("latin-1")


def test_a_webhooks_token_is_never_in_the_database(tmp_path, receiver, monkeypatch):
    """A webhook's URL carries its token (Slack's path, a ?token=): the outbox kept it
    whole, so every copy of the database did. It keeps the host and a digest; an outbox
    row of an older tracker is rewritten so, and still delivered."""
    import sqlite3

    from tracker.schema import m019_outbox_targets_without_tokens
    from tracker.store import Store

    secret_url = receiver.url + "/T0K3N?token=S3CRET"
    config = _newsroom(tmp_path, [{"name": "ps", "party": "PS", "to": [secret_url],
                                   "max_age": "36500d"}])
    assert _run(config, "run", "--once").exit_code == 0
    assert len(receiver.posts) == 2  # sent through the URL the config holds
    db = tmp_path / "tracker.db"
    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert "S3CRET" not in dump and "T0K3N" not in dump and "127.0.0.1" in dump
    # A row as an older tracker wrote it: the migration hides its token, it is sent.
    with Store(db) as store, store.write() as conn:
        conn.execute("UPDATE alert_outbox SET target = ?, status = 'pending', "
                     "next_attempt_at = '2000-01-01T00:00:00Z'", [secret_url])
        m019_outbox_targets_without_tokens(conn)
    assert "S3CRET" not in "\n".join(sqlite3.connect(db).iterdump())
    receiver.posts.clear()
    assert _run(config, "run", "--once").exit_code == 0
    assert len(receiver.posts) == 2
    assert "S3CRET" not in _run(config, "alerts", "status").output


def test_copies_of_a_story_alert_only_rules_that_ask_for_them(tmp_path, kb, receiver):
    rules = [AlertRule("plain", "mention", (receiver.url,), {"party": "PS"}),
             AlertRule("with-copies", "mention", (receiver.url,), {"party": "PS"},
                       copies=True)]
    with open_store(tmp_path / "t.db", kb) as store:
        outbox = Outbox(rules)
        store.on_saved = outbox.on_saved
        text = "Le PS et Olivier Faure présentent leur programme pour les élections."
        for i, url in enumerate(("https://a.example/1", "https://b.example/2")):
            when = dt.datetime(2024, 6, 1, 8 + i, tzinfo=UTC)
            store.save(Article("s", url, text, "fr", when, "feed", when, "T"),
                       [Mention("ps", "party", "ps", "PS", 3, 5, text, "alias")],
                       kb_version="k", tagger_version="t")
        queued = store.db.execute("SELECT rule, count(*) FROM alert_outbox GROUP BY rule")
        assert dict(queued.fetchall()) == {"plain": 1, "with-copies": 2}


# -- delivery: retries, failures, a stalled receiver ----------------------------------------
def _queued_store(tmp_path: Path, kb, rule: AlertRule) -> Store:
    store = open_store(tmp_path / "t.db", kb)
    store.on_saved = Outbox([rule]).on_saved
    text = "Marine Le Pen et le RN tiennent meeting à Perpignan ce soir."
    when = dt.datetime(2024, 6, 1, 8, tzinfo=UTC)
    store.save(Article("s", "https://a.example/1", text, "fr", when, "feed", when, "T"),
               [Mention("rn", "party", "rn", "RN", 17, 19, text, "alias")],
               kb_version="k", tagger_version="t")
    return store


def _dispatcher(tmp_path: Path, rule: AlertRule, **config) -> Dispatcher:
    path = write_config(tmp_path, [], **config)
    loaded = load_config(path)
    import dataclasses

    loaded = dataclasses.replace(loaded, alerts=(rule,))
    fetcher = Fetcher(user_agent="t", allow_networks=loaded.allow_networks, retries=0)
    return Dispatcher(loaded, fetcher, timeout=2.0)


def test_a_receiver_failing_three_times_gets_the_alert_on_the_fourth_try(tmp_path, kb,
                                                                         receiver):
    rule = AlertRule("rn", "mention", (receiver.url,), {"party": "RN"})
    store = _queued_store(tmp_path, kb, rule)
    dispatcher = _dispatcher(tmp_path, rule, allow_networks=["127.0.0.0/8"])
    receiver.statuses = [500, 502, 503]
    now = dt.datetime.now(UTC)
    tallies = []
    for attempt in range(4):
        tallies.append(dispatcher.deliver(store, now=now + dt.timedelta(hours=attempt * 3)))
    assert [t["sent"] for t in tallies] == [0, 0, 0, 1]
    keys = {h["Idempotency-Key"] for h, _ in receiver.posts}
    assert len(receiver.posts) == 4 and len(keys) == 1  # the same alert, the same key
    row = store.db.execute("SELECT status, attempts FROM alert_outbox").fetchone()
    assert row == ("sent", 4)
    store.close()


def test_alerts_waiting_for_a_webhook_whose_token_was_rotated_go_to_the_new_url(
        tmp_path, kb, receiver):
    """The receiver was down, then its token was rotated in config.yaml: the alerts
    waiting for the old URL were marked failed, "no longer in the config", and lost
    (alerts audit, left until now). They go to the rule's webhook on the same host."""
    old = AlertRule("rn", "mention", (receiver.url + "/OLD-TOKEN",), {"party": "RN"})
    store = _queued_store(tmp_path, kb, old)
    receiver.statuses = [503]
    now = dt.datetime.now(UTC) + dt.timedelta(seconds=1)
    assert _dispatcher(tmp_path, old, allow_networks=["127.0.0.0/8"]).deliver(
        store, now=now)["retrying"] == 1
    rotated = AlertRule("rn", "mention", (receiver.url + "/NEW-TOKEN",), {"party": "RN"})
    later = now + dt.timedelta(hours=1)
    assert _dispatcher(tmp_path, rotated, allow_networks=["127.0.0.0/8"]).deliver(
        store, now=later)["sent"] == 1
    assert receiver.paths == ["/hook/OLD-TOKEN", "/hook/NEW-TOKEN"]
    # Two webhooks of the rule on that host: which one is not guessed.
    (tmp_path / "two").mkdir()
    store2 = _queued_store(tmp_path / "two", kb, old)
    receiver.statuses = [503]
    now = dt.datetime.now(UTC) + dt.timedelta(seconds=1)  # its alert is due
    later = now + dt.timedelta(hours=1)
    assert _dispatcher(tmp_path, old, allow_networks=["127.0.0.0/8"]).deliver(
        store2, now=now)["retrying"] == 1
    both = AlertRule("rn", "mention", (receiver.url + "/A", receiver.url + "/B"),
                     {"party": "RN"})
    assert _dispatcher(tmp_path, both, allow_networks=["127.0.0.0/8"]).deliver(
        store2, now=later)["failed"] == 1
    assert receiver.paths[2:] == ["/hook/OLD-TOKEN"]
    store.close()
    store2.close()


def test_backoff_grows_and_retry_after_is_honoured(tmp_path, kb, receiver):
    rule = AlertRule("rn", "mention", (receiver.url,), {"party": "RN"})
    store = _queued_store(tmp_path, kb, rule)
    dispatcher = _dispatcher(tmp_path, rule, allow_networks=["127.0.0.0/8"])
    receiver.statuses = [429]
    receiver.headers = {"Retry-After": "600"}
    now = dt.datetime(2030, 1, 1, tzinfo=UTC)
    assert dispatcher.deliver(store, now=now)["retrying"] == 1
    next_at = store.db.execute("SELECT next_attempt_at FROM alert_outbox").fetchone()[0]
    assert next_at == "2030-01-01T00:10:00Z"  # Retry-After (600 s) beats the 30 s backoff
    assert dispatcher.deliver(store, now=now + dt.timedelta(minutes=5))["sent"] == 0
    assert len(receiver.posts) == 1  # not due yet: not tried
    store.close()


def test_a_permanent_failure_stops_and_shows_in_status(tmp_path, kb, receiver):
    rule = AlertRule("rn", "mention", (receiver.url,), {"party": "RN"})
    store = _queued_store(tmp_path, kb, rule)
    dispatcher = _dispatcher(tmp_path, rule, allow_networks=["127.0.0.0/8"])
    receiver.statuses = [404]
    assert dispatcher.deliver(store)["failed"] == 1
    assert dispatcher.deliver(store, now=dt.datetime(2031, 1, 1, tzinfo=UTC)) == {
        "sent": 0, "retrying": 0, "failed": 0}
    store.close()
    (tmp_path / "config.yaml").write_text(f"database: {tmp_path / 't.db'}\n", "utf-8")
    status = CliRunner().invoke(cli, ["alerts", "status", "--config",
                                      str(tmp_path / "config.yaml")])
    assert "rn\tfailed\t1" in status.output and "HTTP 404" in status.output


def test_cron_hears_of_an_alert_that_failed_for_good(tmp_path, receiver):
    """`run --once` under cron: an alert given up for good (the hook answers 404) is a
    non-zero exit, as a failed source is, so cron mails it; what was collected is kept,
    and the next run, with nothing newly failed, exits 0."""
    receiver.statuses = [404, 404]
    config = _newsroom(tmp_path, [{"name": "ps", "party": "PS", "to": [receiver.url],
                                   "max_age": "36500d"}])
    first = _run(config, "run", "--once")
    assert first.exit_code == 1, first.output
    assert "2 new documents" in first.output and "2 failed" in first.output
    assert first.output.strip().splitlines()[-1] == (
        "tracker: error: 2 alerts failed for good; `tracker alerts status` says why")
    assert _run(config, "run", "--once").exit_code == 0


def test_a_webhook_to_a_private_address_is_refused_like_a_source(tmp_path, kb, receiver):
    rule = AlertRule("rn", "mention", (receiver.url,), {"party": "RN"})
    store = _queued_store(tmp_path, kb, rule)
    dispatcher = _dispatcher(tmp_path, rule, allow_networks=[])  # loopback not allowed
    assert dispatcher.deliver(store)["failed"] == 1
    assert receiver.posts == []
    error = store.db.execute("SELECT last_error FROM alert_outbox").fetchone()[0]
    assert "non-public address 127.0.0.1" in error
    store.close()


def test_a_stalled_receiver_never_slows_collection(tmp_path, kb, receiver):
    rule = AlertRule("rn", "mention", (receiver.url,), {"party": "RN"})
    store = _queued_store(tmp_path, kb, rule)
    receiver.delay = 30
    dispatcher = _dispatcher(tmp_path, rule, allow_networks=["127.0.0.0/8"])
    dispatcher.start(tmp_path / "t.db", every=0.1)
    try:
        while not receiver.posts:
            time.sleep(0.05)
        started = time.monotonic()
        for i in range(30):  # documents stored while the receiver hangs
            text = f"Le RN en campagne, épisode {i} numéro{i * 31}."
            when = dt.datetime(2024, 6, 2, 8, i, tzinfo=UTC)
            store.save(Article("s", f"https://b.example/{i}", text, "fr", when, "feed",
                               when, "T"), [Mention("rn", "party", "rn", "RN", 3, 5, text,
                                                    "alias")],
                       kb_version="k", tagger_version="t")
        assert time.monotonic() - started < 5
    finally:
        dispatcher.close(wait=0)
        store.close()


# -- e-mail ---------------------------------------------------------------------------------
@pytest.mark.parametrize("locale, subject", [
    ("en", "[tracker] rn-mail: 1 mention"), ("fr", "[tracker] rn-mail : 1 mention")])
def test_an_email_alert_has_text_and_html_with_the_name_marked(tmp_path, kb, mailbox,
                                                               locale, subject):
    rule = AlertRule("rn-mail", "mention", ("mailto:press@example.org",), {"party": "RN"})
    store = open_store(tmp_path / "t.db", kb)
    store.on_saved = Outbox([rule]).on_saved
    text = "Le RN <script>alert(1)</script> tient meeting à Perpignan."
    when = dt.datetime(2024, 6, 1, 8, tzinfo=UTC)
    store.save(Article("s", "https://a.example/1", text, "fr", when, "feed", when, "T"),
               [Mention("rn", "party", "rn", "RN", 3, 5, text, "alias")],
               kb_version="k", tagger_version="t")
    dispatcher = _dispatcher(tmp_path, rule, locale=locale, smtp={
        "host": "127.0.0.1", "port": mailbox.port, "from": "tracker@example.org",
        "security": "none"})
    assert dispatcher.deliver(store)["sent"] == 1
    store.close()
    [message] = mailbox.messages
    assert message["Subject"] == subject and message["To"] == "press@example.org"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "[RN]" in plain and "https://a.example/1" in plain and "2024-06-01" in plain
    assert "<mark>RN</mark>" in html and "<script>" not in html
    assert "&lt;script&gt;" in html


def test_an_smtp_refusal_is_permanent_and_a_temporary_one_retries(tmp_path, kb):
    from aiosmtpd.controller import Controller

    class Refuse:
        code = "550 no such user"

        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            return self.code

    handler = Refuse()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        rule = AlertRule("rn-mail", "mention", ("mailto:press@example.org",),
                         {"party": "RN"})
        store = _queued_store(tmp_path, kb, rule)
        dispatcher = _dispatcher(tmp_path, rule, smtp={
            "host": "127.0.0.1", "port": port, "from": "tracker@example.org"})
        handler.code = "451 try again later"
        assert dispatcher.deliver(store)["retrying"] == 1
        handler.code = "550 no such user"
        later = dt.datetime.now(UTC) + dt.timedelta(hours=1)
        assert dispatcher.deliver(store, now=later)["failed"] == 1
        store.close()
    finally:
        controller.stop()


# -- spikes -------------------------------------------------------------------------------
def test_the_spike_rule_ignores_noise_and_sees_a_fivefold_jump():
    rng = random.Random(7)

    def poisson(mean: float) -> int:
        count, limit, product = 0, pow(2.718281828, -mean), rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
        return count

    for mean in (0.2, 2.0, 10.0, 40.0):
        hours = [poisson(mean) for _ in range(24 * 28)]
        alerts = 0
        for i in range(168, len(hours)):
            baseline = sum(hours[i - 168:i])
            alerts += is_spike(hours[i], baseline, 168, factor=3, min_mentions=5)
        assert alerts == 0, mean  # four weeks of ordinary noise, hour by hour
        baseline = sum(hours[-168:])
        jump = round(mean * 5) if mean * 5 >= 5 else 5
        assert is_spike(jump, baseline, 168, factor=3, min_mentions=5), mean


def test_a_spike_alerts_once_while_it_lasts_then_again_after_it_ends(tmp_path, kb):
    rule = AlertRule("rn-spike", "spike", ("http://127.0.0.1:9/h",), {"party": "RN"},
                     window=3600, baseline=2 * 86400, factor=3, min_mentions=5)
    outbox = Outbox([rule])
    start = dt.datetime(2024, 6, 1, tzinfo=UTC)
    with open_store(tmp_path / "t.db", kb) as store:
        n = 0

        def mentions_in(hour: int, count: int) -> None:
            nonlocal n
            for k in range(count):
                n += 1
                text = f"Le RN, dépêche {n} mot{n * 17}."
                when = start + dt.timedelta(hours=hour, minutes=k)
                store.save(Article("s", f"https://a.example/{n}", text, "fr", when, "feed",
                                   when, "T"),
                           [Mention("rn", "party", "rn", "RN", 3, 5, text, "alias")],
                           kb_version="k", tagger_version="t")

        for hour in range(48):  # two days of two mentions an hour
            mentions_in(hour, 2)
        told = []
        for hour in range(48, 54):  # a jump to ten an hour for three hours, then calm
            mentions_in(hour, 10 if hour < 51 else 2)
            with store.write() as db:
                told.append(outbox.check(db, start + dt.timedelta(hours=hour + 1)))
        assert told == [1, 0, 0, 0, 0, 0]
        mentions_in(54, 12)
        with store.write() as db:
            assert outbox.check(db, start + dt.timedelta(hours=55)) == 1  # a new spike
        payload = json.loads(store.db.execute(
            "SELECT payload FROM alert_outbox ORDER BY created_at LIMIT 1").fetchone()[0])
        assert payload["count"] == 10 and payload["baseline_mean"] == 2.0


def test_a_burst_collected_now_is_a_spike_whatever_its_articles_dates(tmp_path, kb):
    """Articles dated by their day alone (midnight) and collected at noon were never in
    "the last hour": no spike was sent. An archive loaded today is not a spike either."""
    rule = AlertRule("faure-spike", "spike", ("http://127.0.0.1:9/h",),
                     {"politician": "Olivier Faure"}, window=3600, baseline=7 * 86400,
                     factor=3, min_mentions=3)
    outbox = Outbox([rule])
    noon = dt.datetime(2026, 11, 28, 12, tzinfo=UTC)
    with open_store(tmp_path / "t.db", kb) as store:
        def collect(n: int, published: dt.datetime, fetched: dt.datetime) -> None:
            text = f"Olivier Faure, note {n} mot{n * 13}."
            store.save(Article("s", f"https://a.example/{n}", text, "fr", published, "page",
                               fetched, "T"),
                       [Mention("olivier-faure", "politician", "ps", "Olivier Faure", 0, 13,
                                text, "alias")], kb_version="k", tagger_version="t")

        for day in range(7):  # a quiet week: one a day, collected as published
            when = noon - dt.timedelta(days=7 - day, hours=3)
            collect(day, when, when)
        for n in range(10, 14):  # an archive of last year, loaded in the last hour
            collect(n, noon - dt.timedelta(days=300 + n), noon - dt.timedelta(minutes=30))
        with store.write() as db:
            assert outbox.check(db, noon) == 0
        midnight = noon.replace(hour=0)
        for n in range(20, 25):  # today's burst, dated by the day alone
            collect(n, midnight, noon + dt.timedelta(minutes=n))
        with store.write() as db:
            assert outbox.check(db, noon + dt.timedelta(minutes=30)) == 1
        payload = json.loads(store.db.execute("SELECT payload FROM alert_outbox")
                             .fetchone()[0])
        assert payload["count"] == 5


# -- digests ------------------------------------------------------------------------------
def test_a_digest_fires_at_local_time_across_dst_once_and_catches_up(tmp_path, kb,
                                                                     caplog):
    rule = AlertRule("morning", "digest", ("http://127.0.0.1:9/h",),
                     {"politician": "Marine Le Pen"}, at="08:00", every="day")
    outbox = Outbox([rule], "Europe/Paris")
    # 08:00 in Paris is 07:00 UTC before the change of 31 March 2024, 06:00 after it.
    assert outbox.due(rule, dt.datetime(2024, 3, 30, 9, tzinfo=UTC)) == \
        dt.datetime(2024, 3, 30, 7, tzinfo=UTC)
    assert outbox.due(rule, dt.datetime(2024, 3, 31, 9, tzinfo=UTC)) == \
        dt.datetime(2024, 3, 31, 6, tzinfo=UTC)
    assert outbox.due(rule, dt.datetime(2024, 10, 27, 9, tzinfo=UTC)) == \
        dt.datetime(2024, 10, 27, 7, tzinfo=UTC)
    weekly = AlertRule("weekly", "digest", ("http://127.0.0.1:9/h",), {}, at="08:00",
                       every="week")
    assert outbox.due(weekly, dt.datetime(2024, 4, 3, 12, tzinfo=UTC)) == \
        dt.datetime(2024, 4, 1, 6, tzinfo=UTC)  # Monday 1 April, 08:00 in Paris
    with open_store(tmp_path / "t.db", kb) as store:
        for day in (29, 30, 31):
            text = f"Marine Le Pen en visite, jour {day}."
            when = dt.datetime(2024, 3, day, 4, tzinfo=UTC)
            store.save(Article("s", f"https://a.example/{day}", text, "fr", when, "feed",
                               when, "T"),
                       [Mention("marine-le-pen", "politician", "rn", "Marine Le Pen", 0, 13,
                                text, "alias")], kb_version="k", tagger_version="t")
        with store.write() as db:
            # The daemon was down at 08:00; it is back 40 minutes later: caught up, once.
            assert outbox.check(db, dt.datetime(2024, 3, 31, 6, 40, tzinfo=UTC)) == 1
            assert outbox.check(db, dt.datetime(2024, 3, 31, 6, 45, tzinfo=UTC)) == 0
        with caplog.at_level(logging.WARNING), store.write() as db:
            # Down all morning the next day: past the grace, skipped with a log line.
            assert outbox.check(db, dt.datetime(2024, 4, 1, 11, tzinfo=UTC)) == 0
        assert any(r.getMessage() == "digest skipped" for r in caplog.records)
        payload = json.loads(store.db.execute("SELECT payload FROM alert_outbox")
                             .fetchone()[0])
        assert payload["count"] == 1 and payload["period_end"] == "2024-03-31T06:00:00Z"


# -- commands -------------------------------------------------------------------------------
def test_alerts_list_and_test_through_the_real_channel(tmp_path, receiver, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", "k")
    config = _newsroom(tmp_path, [
        {"name": "ps-direct", "party": "PS", "to": [receiver.url], "secret_env": "HOOK_SECRET"},
        {"name": "slack", "party": "PS", "to": [receiver.url], "format": "slack"}])
    listed = _run(config, "alerts", "list")
    assert listed.exit_code == 0 and "ps-direct\tmention\tparty=PS" in listed.output
    tested = _run(config, "alerts", "test", "ps-direct")
    assert tested.exit_code == 0 and "sent" in tested.output
    [payload] = receiver.payloads()
    assert payload["test"] is True and payload["mentions"]
    receiver.posts.clear()
    assert _run(config, "alerts", "test", "slack").exit_code == 0
    [slack] = receiver.payloads()
    assert set(slack) == {"text"} and "[tracker] TEST slack" in slack["text"]
    unknown = _run(config, "alerts", "test", "nope")
    assert unknown.exit_code == 2 and "known: ps-direct, slack" in unknown.output
    # A webhook's query is its secret: said as scheme and host only, sent or failed.
    (tmp_path / "b").mkdir()
    config = _newsroom(tmp_path / "b", [
        {"name": "keyed", "party": "PS", "to": [receiver.url + "?token=S3CRET"]},
        {"name": "dead", "party": "PS", "to": ["http://127.0.0.1:9/hook?token=S3CRET"]}])
    for name in ("keyed", "dead"):
        said = _run(config, "alerts", "test", name)
        assert "S3CRET" not in said.output and "http://127.0.0.1" in said.output, said.output
    # A rule naming an unknown party: `list` says so, as `test` and `run` do.
    assert _run(config, "run", "--once").exit_code == 0
    text = config.read_text("utf-8").replace("party: PS", "party: NOSUCHPARTY", 1)
    config.write_text(text, "utf-8")
    listed = _run(config, "alerts", "list")
    assert listed.exit_code == 2 and "NOSUCHPARTY" in listed.output, listed.output


def test_a_rule_matches_what_tracker_mentions_lists_with_the_same_filters(tmp_path, kb,
                                                                           tagger):
    from tracker.query import MentionFilter, mention_rows

    filters = [{"party": "PS"}, {"party": "PS", "direct": True},
               {"politician": "Nicolas Sarkozy"}, {"type": "politician", "lang": "fr"},
               {"party": "RN", "search": "législatives"}, {"search": "Obama"}]
    rules = [AlertRule(f"r{i}", "mention", ("http://127.0.0.1:9/h",), f, max_age=1e10)
             for i, f in enumerate(filters)]
    outbox = Outbox(rules)
    with open_store(tmp_path / "t.db", kb) as store:
        outbox.prepare(store.db)
        store.on_saved = outbox.on_saved
        for i, sample in enumerate(sorted(SAMPLES.iterdir())):
            from tracker.prepare import article_from_body

            article, _ = article_from_body(sample.read_bytes(), source="s",
                                           url=f"https://a.example/{i}",
                                           is_html=sample.suffix == ".html")
            store.save(article, tagger.tag(article.text, article.lang, article.day),
                       kb_version="k", tagger_version="t")
        for rule in rules:
            queued = [m for (payload,) in store.db.execute(
                "SELECT payload FROM alert_outbox WHERE rule = ?", [rule.name])
                for m in json.loads(payload)["mentions"]]
            listed = list(mention_rows(store.db, MentionFilter(**rule.filters)))
            assert sorted((m["url"], m["surface"], m["sentence"]) for m in queued) == \
                sorted((m["url"], m["surface"], m["sentence"]) for m in listed), rule.name
            assert listed or rule.filters.get("direct")


def test_a_dead_receiver_costs_one_timeout_a_round_not_one_per_alert(tmp_path, kb,
                                                                      receiver):
    rule = AlertRule("rn", "mention", (receiver.url,), {"party": "RN"})
    store = _queued_store(tmp_path, kb, rule)
    outbox = Outbox([rule])
    store.on_saved = outbox.on_saved
    for i in range(5):  # five more alerts due
        text = f"Le RN en campagne, épisode {i} numéro{i * 31}."
        when = dt.datetime(2024, 6, 2, 8, i, tzinfo=UTC)
        store.save(Article("s", f"https://b.example/{i}", text, "fr", when, "feed", when,
                           "T"), [Mention("rn", "party", "rn", "RN", 3, 5, text, "alias")],
                   kb_version="k", tagger_version="t")
    receiver.delay = 3  # longer than the dispatcher's 2 s timeout
    dispatcher = _dispatcher(tmp_path, rule, allow_networks=["127.0.0.0/8"])
    started = time.monotonic()
    assert dispatcher.deliver(store) == {"sent": 0, "retrying": 1, "failed": 0}
    assert time.monotonic() - started < 4
    assert store.db.execute("SELECT count(*) FROM alert_outbox WHERE status = 'pending'"
                            ).fetchone()[0] == 6
    store.close()


def test_ctrl_c_cuts_a_webhook_waiting_for_its_answer(tmp_path, kb, receiver):
    """Ctrl-C while a receiver took its time: tracker waited for the dispatcher's thread
    (about 7 s). The wait for the answer is cut; the alert stays pending for next time."""
    import threading

    rule = AlertRule("rn", "mention", (receiver.url,), {"party": "RN"})
    store = _queued_store(tmp_path, kb, rule)
    dispatcher = _dispatcher(tmp_path, rule, allow_networks=["127.0.0.0/8"])
    dispatcher.timeout = 20.0
    receiver.delay = 6
    tally = {}
    sending = threading.Thread(target=lambda: tally.update(dispatcher.deliver(store)))
    sending.start()
    time.sleep(0.5)
    started = time.monotonic()
    dispatcher.fetcher.stop.set()  # what Ctrl-C does: tracker.cli.collect's halt()
    Fetcher.interrupt()
    sending.join(10)
    assert time.monotonic() - started < 2 and tally == {"sent": 0, "retrying": 0,
                                                         "failed": 0}
    # Not a try: due as it was, at the next start, without a backoff.
    assert store.db.execute("SELECT status, attempts, last_error FROM alert_outbox"
                            ).fetchall() == [("pending", 0, None)]
    store.close()


def test_slack_text_escapes_page_text():
    from tracker.alerts.send import slack_text

    payload = {"alert": "rn", "trigger": "mention", "id": "x", "count": 1, "mentions": [
        {"entity": "RN", "source": "s", "url": "https://a.example/1", "published_at": "",
         "surface": "RN", "sentence": "Le RN <!channel> & <script>alert(1)</script>"}]}
    text = slack_text(payload, "fr")
    assert "<!channel>" not in text and "<script>" not in text
    assert "&lt;!channel&gt; &amp; &lt;script&gt;" in text


def test_a_mail_marks_the_name_where_it_stands_says_a_test_and_local_digest_times():
    """The name marked is "le PS", not the start of "PSG"; `alerts test` says it is a test
    in the subject and the text (a sample looked exactly like an alert); a digest set at
    17:12 in Paris says 17:12, not the UTC 16:12; Slack's ten lines say how many more."""
    from tracker.alerts.send import render_mail, slack_text

    mention = {"entity": "Parti socialiste", "source": "s", "url": "https://a.example/1",
               "published_at": "2026-11-28T10:00:00Z", "surface": "PS",
               "sentence": "Le PSG a battu Lyon, se félicite le PS."}
    payload = {"alert": "ps", "trigger": "mention", "id": "x", "count": 1,
               "mentions": [mention]}
    title, text, html = render_mail(payload, "fr")
    assert "se félicite le [PS]." in text and "Le PSG a battu" in text
    assert "le <mark>PS</mark>." in html and "<mark>PS</mark>G" not in html
    assert "TEST" not in title and "essai" not in text
    title, text, html = render_mail({**payload, "test": True}, "en")
    assert title == "[tracker] TEST ps: 1 mention"
    assert "A test of this rule (`tracker alerts test`), not an alert." in text
    assert "not an alert.</p>" in html
    assert slack_text({**payload, "test": True}, "fr").startswith("*[tracker] ESSAI ps :")
    digest = {**payload, "trigger": "digest", "period_start": "2026-11-27T16:12:00Z",
              "period_end": "2026-11-28T16:12:00Z", "timezone": "Europe/Paris"}
    assert "du 2026-11-27 17:12 au 2026-11-28 17:12 (Europe/Paris)" in \
        render_mail(digest, "fr")[1]
    del digest["timezone"]  # queued before the zone was kept: said in UTC, and so named
    assert "from 2026-11-27 16:12 to 2026-11-28 16:12 (UTC)" in render_mail(digest, "en")[1]
    many = {**payload, "count": 14, "mentions": [mention] * 12}
    assert slack_text(many, "en").endswith("\nand 4 more")


def test_alerts_list_says_a_spikes_windows_as_written():
    """`alerts list` said "last 0.0333333 h >= 2 x the mean of 0.0138889 d"."""
    from tracker.cli.alerts import _describe

    rule = AlertRule("s", "spike", ("http://127.0.0.1:9/h",), {"party": "PS"},
                     window=120, baseline=1200, factor=2, min_mentions=3)
    assert _describe(rule) == "party=PS; last 2 min >= 2 x the mean of 20 min, and >= 3"
    rule = AlertRule("s", "spike", ("http://127.0.0.1:9/h",), {}, window=5400,
                     baseline=14 * 86400)
    assert _describe(rule) == "every mention; last 90 min >= 3 x the mean of 14 d, and >= 5"


def test_a_new_digest_rules_first_time_gone_by_is_not_a_skipped_digest(tmp_path, kb,
                                                                         caplog):
    """A rule added at noon for 08:00 warned "digest skipped" at the daemon's start."""
    rule = AlertRule("morning", "digest", ("http://127.0.0.1:9/h",), {}, at="08:00")
    outbox = Outbox([rule], "UTC")
    with open_store(tmp_path / "t.db", kb) as store:
        with caplog.at_level(logging.INFO), store.write() as db:
            assert outbox.check(db, dt.datetime(2024, 4, 1, 12, tzinfo=UTC)) == 0
        assert not any(r.getMessage() == "digest skipped" for r in caplog.records)
        with caplog.at_level(logging.INFO), store.write() as db:  # down the next morning
            assert outbox.check(db, dt.datetime(2024, 4, 2, 12, tzinfo=UTC)) == 0
        assert any(r.getMessage() == "digest skipped" for r in caplog.records)


def test_digest_times_in_dst_gaps_and_folds_are_never_early_nor_twice():
    rule = AlertRule("night", "digest", ("http://127.0.0.1:9/h",), {}, at="02:30")
    outbox = Outbox([rule], "Europe/Paris")
    # 02:30 does not exist on 31 March 2024 in Paris: read as 03:30 (01:30 UTC), never
    # before its time.
    now = dt.datetime(2024, 3, 31, 1, 5, tzinfo=UTC)  # 03:05 in Paris
    assert outbox.due(rule, now) <= now
    # 02:30 happens twice on 27 October 2024: the due time is today's, not yesterday's.
    fold = dt.datetime(2024, 10, 27, 1, 40, tzinfo=UTC)  # 02:40, the second time
    assert outbox.due(rule, fold).date() == dt.date(2024, 10, 27)


def test_a_spike_needs_history_and_is_one_alert_however_long_it_hovers(tmp_path, kb):
    rule = AlertRule("rn-spike", "spike", ("http://127.0.0.1:9/h",), {"party": "RN"},
                     window=3600, baseline=2 * 86400, factor=3, min_mentions=5)
    outbox = Outbox([rule])
    start = dt.datetime(2024, 6, 1, tzinfo=UTC)
    with open_store(tmp_path / "t.db", kb) as store:
        n = 0

        def mention_at(when: dt.datetime) -> None:
            nonlocal n
            n += 1
            text = f"Le RN, dépêche {n} mot{n * 17}."
            store.save(Article("s", f"https://a.example/{n}", text, "fr", when, "feed",
                               when, "T"), [Mention("rn", "party", "rn", "RN", 3, 5, text,
                                                    "alias")],
                       kb_version="k", tagger_version="t")

        for k in range(8):  # a first hour of news: no history, no spike
            mention_at(start + dt.timedelta(minutes=5 * k))
        with store.write() as db:
            assert outbox.check(db, start + dt.timedelta(hours=1)) == 0
        for hour in range(1, 48):  # then one an hour for two days
            mention_at(start + dt.timedelta(hours=hour, minutes=30))
        # A burst that hovers about the threshold, checked every minute for two hours.
        for minute in range(0, 120, 6):
            mention_at(start + dt.timedelta(hours=48, minutes=minute))
        told = 0
        for minute in range(0, 180):
            with store.write() as db:
                told += outbox.check(db, start + dt.timedelta(hours=48, minutes=minute))
        assert told == 1


def test_a_fivefold_jump_at_one_an_hour_alerts():
    assert is_spike(5, 168, 168, factor=3, min_mentions=5)
    assert not is_spike(4, 168, 168, factor=3, min_mentions=5)


def test_smtp_credentials_missing_from_the_environment_wait_and_errors_hide_tokens(
        tmp_path, kb, mailbox, monkeypatch):
    monkeypatch.setenv("SMTP_USER", "veille")
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    rule = AlertRule("rn-mail", "mention", ("mailto:press@example.org",), {"party": "RN"})
    store = _queued_store(tmp_path, kb, rule)
    dispatcher = _dispatcher(tmp_path, rule, smtp={
        "host": "127.0.0.1", "port": mailbox.port, "from": "tracker@example.org",
        "username_env": "SMTP_USER", "password_env": "SMTP_PASSWORD"})
    assert dispatcher.deliver(store)["retrying"] == 1 and mailbox.messages == []
    error = store.db.execute("SELECT last_error FROM alert_outbox").fetchone()[0]
    assert "SMTP_PASSWORD" in error
    store.close()
    from tracker.alerts.send import redact

    assert redact("http://u:p@hooks.example.org/T0/B1/XYZ?token=abc: timed out") == \
        "http://hooks.example.org/… timed out"


@pytest.mark.parametrize("rule, message", [
    ({"name": "a", "to": ["http://x/y"], "party": ["PS"]}, "key 'party': one name as text"),
    ({"name": "a", "to": ["http://x/y"], "party": "PS", "direct": "no"},
     "key 'direct': true or false"),
    ({"name": "a", "to": ["http://x/y"], "trigger": "digest", "at": 1110},
     "key 'at': quote the time"),
])
def test_mistyped_values_are_refused_not_guessed(tmp_path, rule, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(write_config(tmp_path, [], alerts=[rule]))


def test_an_unknown_party_in_a_rule_stops_the_run_before_collecting(tmp_path):
    config = _newsroom(tmp_path, [{"name": "typo", "party": "Parti Imaginaire",
                                   "to": ["http://127.0.0.1:9/h"]}])
    result = _run(config, "run", "--once")
    assert result.exit_code == 2 and "alert 'typo': unknown party" in result.output


def test_old_articles_collected_now_are_not_news(tmp_path, kb):
    rule = AlertRule("ps", "mention", ("http://127.0.0.1:9/h",), {"party": "PS"})
    with open_store(tmp_path / "t.db", kb) as store:
        store.on_saved = Outbox([rule]).on_saved
        text = "Le PS présente son programme."
        now = dt.datetime(2026, 11, 26, 9, tzinfo=UTC)
        for i, published in enumerate((now - dt.timedelta(hours=5),
                                       now - dt.timedelta(days=30))):
            store.save(Article("s", f"https://a.example/{i}", text + f" n{i}", "fr",
                               published, "feed", now, "T"),
                       [Mention("ps", "party", "ps", "PS", 3, 5, text, "alias")],
                       kb_version="k", tagger_version="t")
        urls = [json.loads(p)["mentions"][0]["url"] for (p,) in
                store.db.execute("SELECT payload FROM alert_outbox")]
        assert urls == ["https://a.example/0"]  # the month-old one is a backfill


def test_a_rule_may_name_a_language_a_source_declares(tmp_path):
    config = write_config(tmp_path, [{"name": "zeitung", "kind": "files", "path": "inbox",
                                      "lang": "de"}],
                          alerts=[{"name": "a", "to": ["http://x/y"], "lang": "de"}])
    assert load_config(config).alerts[0].filters == {"lang": "de"}
