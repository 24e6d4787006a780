"""`tracker alerts`: the rules of config.yaml, a test through the real channel, the outbox."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from tracker.alerts.rules import shown_target
from tracker.cli import cli, common, count_of, needs_config
from tracker.config import Config
from tracker.display import plural
from tracker.errors import ConfigError, TrackerError


@cli.group()
def alerts() -> None:
    """Alerts by e-mail and webhook: list the rules, test one, see the outbox."""


def _rules(config: Config) -> None:
    needs_config(config)
    if not config.alerts:
        raise ConfigError(f"{config.path}: no rules under 'alerts:' (README: Alerts)")


def _describe(rule) -> str:
    what = ", ".join(f"{k}={v}" for k, v in rule.filters.items()) or "every mention"
    if rule.trigger == "digest":
        return f"{what}; every {rule.every} at {rule.at}"
    if rule.trigger == "spike":
        return (f"{what}; last {_span(rule.window)} >= {rule.factor:g} x the mean of "
                f"{_span(rule.baseline)}, and >= {rule.min_mentions}")
    return what + ("; copies too" if rule.copies else "")


def _span(seconds: float) -> str:
    """A window as its rule wrote it, near enough: 2 min, 1 h, 36 h, 7 d."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and (seconds % size == 0 or unit == "min"):
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


@alerts.command("list")
@common
def alerts_list(config: Config, db: Path) -> None:
    """Each rule: its trigger, what it watches, where it goes."""
    _rules(config)
    if db.exists():  # a rule naming an unknown party fails here as at `run`'s start
        from tracker.alerts.outbox import Outbox
        from tracker.store import Store

        with Store(db, read_only=True) as store:
            Outbox(config.alerts, config.timezone).prepare(store.db)
    for rule in config.alerts:
        click.echo(f"{rule.name}\t{rule.trigger}\t{_describe(rule)}\t"
                   f"{', '.join(shown_target(t) for t in rule.to)}")


@alerts.command("test")
@common
@click.argument("name")
def alerts_test(config: Config, db: Path, name: str) -> None:
    """Send NAME's alert now through each of its targets, with its latest matching
    mentions (or a sample), marked as a test; nothing is written to the outbox."""
    from tracker.alerts.dispatch import Dispatcher
    from tracker.alerts.outbox import key
    from tracker.alerts.send import DeliveryError
    from tracker.pipeline import build_fetcher
    from tracker.query import EXPORT_COLUMNS, MentionFilter, mention_rows

    _rules(config)
    rule = next((r for r in config.alerts if r.name == name), None)
    if rule is None:
        raise ConfigError(f"no alert named {name!r} (known: "
                          f"{', '.join(r.name for r in config.alerts)})")
    mentions: list[dict] = []
    if db.exists():
        from tracker.store import Store

        with Store(db, read_only=True) as store:
            flt = MentionFilter(limit=3, **{k: v for k, v in rule.filters.items()})
            mentions = [{c: r.get(c) for c in EXPORT_COLUMNS}
                        for r in mention_rows(store.db, flt)]
    if not mentions:
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        mentions = [dict.fromkeys(EXPORT_COLUMNS) | {
            "published_at": now, "source": "tracker", "url": "https://example.org/test",
            "title": "Test", "entity": "Test", "entity_type": "politician",
            "surface": "Test", "sentence": "A test of the alert rule.", "lang": "en"}]
    stamp = dt.datetime.now(dt.timezone.utc).isoformat()
    payload = {"alert": rule.name, "trigger": rule.trigger,
               "id": key(rule.name, "test", stamp), "test": True,
               "count": len(mentions), "mentions": mentions}
    if rule.trigger == "spike":
        payload |= {"baseline_mean": 0}
    if rule.trigger == "digest":
        payload |= {"period_start": stamp, "period_end": stamp, "timezone": config.timezone}
    dispatcher = Dispatcher(config, build_fetcher(config))
    failed = 0
    for target in rule.to:
        # Scheme and host only, as everywhere else: a webhook's path or query is its secret.
        shown = shown_target(target)
        try:
            dispatcher.send(rule, target, payload)
        except DeliveryError as exc:
            failed += 1
            click.echo(f"{shown}: failed ({str(exc).replace(target, shown)})", err=True)
        else:
            click.echo(f"{shown}: sent", err=True)
    if failed:
        raise TrackerError(f"{failed} of {plural(len(rule.to), 'target')} failed")


@alerts.command("status")
@common
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table",
              show_default=True)
@click.option("--limit", type=count_of(1), default=20, show_default=True,
              help="How many failing and pending alerts to list.")
def alerts_status(config: Config, db: Path, fmt: str, limit: int) -> None:
    """The outbox: per rule, alerts sent, pending (with their next try) and failed, with
    the last error."""
    from tracker.store import Store

    with Store(db, read_only=True) as store:
        totals = store.db.execute(
            "SELECT rule, status, count(*), max(coalesce(sent_at, created_at)) FROM "
            "alert_outbox GROUP BY rule, status ORDER BY rule, status").fetchall()
        open_rows = store.db.execute(
            "SELECT rule, id, target, status, attempts, next_attempt_at, last_error FROM "
            "alert_outbox WHERE status != 'sent' ORDER BY status, created_at DESC LIMIT ?",
            [limit]).fetchall()
    if fmt == "jsonl":
        for rule, status, count, last in totals:
            print(json.dumps({"rule": rule, "status": status, "count": count,
                              "last": last}))
        for rule, alert_id, target, status, attempts, next_at, error in open_rows:
            print(json.dumps({"rule": rule, "id": alert_id, "target": shown_target(target),
                              "status": status, "attempts": attempts,
                              "next_attempt_at": next_at, "last_error": error}))
        return
    if not totals:
        click.echo("the outbox is empty: no alert was due yet", err=True)
        return
    for rule, status, count, last in totals:
        sys.stdout.write(f"{rule}\t{status}\t{count}\tlast {last}\n")
    for rule, alert_id, target, status, attempts, next_at, error in open_rows:
        when = f"next try {next_at}" if status == "pending" else "stopped"
        sys.stdout.write(f"{rule}\t{status}\t{alert_id[:12]}\t{shown_target(target)}\t"
                         f"{plural(attempts, 'attempt')}\t{when}\t{error or ''}\n")
