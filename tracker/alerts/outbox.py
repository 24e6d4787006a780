"""What is due goes into the outbox table: in the same transaction as the mentions that
trigger a `mention` rule, or when a spike starts or a digest's time comes.

An alert's id (its idempotency key) is derived from what triggered it: the rule and the
document, the rule and the spike's start, the rule and the digest's time. A mention alerts
once: a re-poll stores nothing, `retag` queues nothing, and a new version of a watched page
alerts only the mentions its earlier versions did not hold (same entity, same sentence);
copies of a story already stored from another page alert only a rule with
``copies: true``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from tracker.alerts.rules import AlertRule, stored_target
from tracker.errors import ConfigError
from tracker.query import EXPORT_COLUMNS, MentionFilter, fts_query, resolve, where_clauses

log = logging.getLogger(__name__)
COLUMNS = (*EXPORT_COLUMNS, "entity_id", "mention_id")
# What matching a mention rule reads of each of a new document's mentions.
ROW_COLUMNS = (*COLUMNS, "party_id", "method", "duplicate_of")
QUEUE = ("INSERT OR IGNORE INTO alert_outbox (id, target, rule, trigger, payload, created_at, "
         "status, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?)")
DIGEST_GRACE = 3600.0  # seconds: a digest missed by a stopped daemon is sent this late
MAX_LISTED = 50  # mentions a spike or digest alert lists (the count says how many)


def key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _filter(rule: AlertRule, **extra) -> MentionFilter:
    f = dict(rule.filters)
    return MentionFilter(party=f.get("party"), politician=f.get("politician"),
                         source=f.get("source"), search=f.get("search"), lang=f.get("lang"),
                         type=f.get("type"), direct=bool(f.get("direct")), **extra)


def _hits(rows: list[dict]) -> list[str]:
    """Each mention's identity across versions of its page: the page, the entity, the
    sentence, and which of that entity's mentions in the sentence it is."""
    hits, nth = [], {}
    for row in rows:
        sentence = " ".join(row["sentence"].split())
        n = nth[row["entity_id"], sentence] = nth.get((row["entity_id"], sentence), 0) + 1
        hits.append(key(row["url"] or "", row["entity_id"], sentence, str(n)))
    return hits


def is_spike(window_count: int, baseline_count: int, windows_in_baseline: float,
             factor: float, min_mentions: int) -> bool:
    """The spike rule: the last window holds at least ``factor`` times the baseline's mean
    per window, at least ``min_mentions`` (a rare name mentioned twice after a quiet week
    is not a spike), and more than ordinary noise gives: counts of independent mentions
    vary by about the square root of their mean, so the window must also exceed the mean
    by five times that (at a mean of 2 an hour, 6 happens once in 60 hours by chance; 10,
    once in 20,000)."""
    mean = baseline_count / windows_in_baseline if windows_in_baseline else 0.0
    noise = min(mean + 5 * math.sqrt(mean), 5 * mean)  # a 5x jump always clears it
    return window_count >= min_mentions and window_count >= max(factor * mean, noise)


class Outbox:
    """The rules of one config, their SQL compiled once against a database."""

    def __init__(self, rules: Sequence[AlertRule], timezone: str = "UTC"):
        self.rules = tuple(rules)
        self.zone = ZoneInfo(timezone)
        self._compiled: dict[str, tuple[str, list]] = {}
        self._matchers: dict[str, dict] = {}

    def prepare(self, db: Database) -> None:
        """Resolve every rule's names now (an unknown party is a config error at start,
        not a failed save later)."""
        for rule in self.rules:
            try:
                self._where(db, rule)
                self._matcher(db, rule)
            except ConfigError as exc:
                raise ConfigError(f"alert {rule.name!r}: {exc}") from None

    def _where(self, db: Database, rule: AlertRule) -> tuple[str, list]:
        if rule.name not in self._compiled:
            where, params = where_clauses(db, _filter(rule))
            self._compiled[rule.name] = (" AND ".join(where) or "1", params)
        return self._compiled[rule.name]

    # -- mention rules: inside the store's write transaction -------------------------------
    def _matcher(self, db: Database, rule: AlertRule) -> dict:
        """The rule's filters with names resolved to ids, once."""
        if rule.name not in self._matchers:
            f = rule.filters
            self._matchers[rule.name] = {
                "party": resolve(db, f["party"], "party") if f.get("party") else None,
                "direct": bool(f.get("direct")),
                "politician": (resolve(db, f["politician"], "politician")
                               if f.get("politician") else None),
                "source": f.get("source"), "lang": f.get("lang"), "type": f.get("type"),
                "search": fts_query(f["search"]) if f.get("search") else None}
        return self._matchers[rule.name]

    @staticmethod
    def _matches(m: dict, row: dict) -> bool:
        if m["party"]:
            if m["direct"]:
                if row["entity_id"] != m["party"] or row["method"] == "member":
                    return False
            elif row["party_id"] != m["party"]:
                return False
        return ((not m["politician"] or row["entity_id"] == m["politician"])
                and (not m["source"] or row["source"] == m["source"])
                and (not m["lang"] or row["lang"] == m["lang"])
                and (not m["type"] or row["entity_type"] == m["type"]))

    def on_saved(self, db: Database, doc_id: str, now: dt.datetime | None = None) -> int:
        """Queue the alerts a newly stored document triggers; returns how many. The
        document's mentions are read once and each rule's filters matched on them (one
        query, whatever the number of rules; a `search` rule asks the full-text index)."""
        rules = [r for r in self.rules if r.trigger == "mention"]
        if not rules:
            return 0
        cursor = db.execute(f"SELECT {', '.join(ROW_COLUMNS)} FROM mention_rows WHERE "
                            "document_id = ? ORDER BY start", [doc_id])
        rows = [dict(zip(ROW_COLUMNS, r, strict=True)) for r in cursor]
        if not rows:
            return 0
        created = _iso(now or dt.datetime.now(dt.timezone.utc))
        published, fetched = db.execute("SELECT published_at, fetched_at FROM documents "
                                        "WHERE id = ?", [doc_id]).fetchone()
        age = (_parse(fetched) - _parse(published)).total_seconds()
        hits = _hits(rows)
        # A new version of a page stored before: its mentions already there were told then.
        told: set[str] = set()
        if db.execute("SELECT count(*) > 1 FROM documents WHERE url = ?",
                      [rows[0]["url"]]).fetchone()[0]:
            earlier: dict[str, list[dict]] = {}
            for r in db.execute("SELECT document_id, url, entity_id, sentence FROM "
                                "mention_rows WHERE url = ? AND document_id != ? "
                                "ORDER BY start", [rows[0]["url"], doc_id]):
                earlier.setdefault(r[0], []).append(
                    {"url": r[1], "entity_id": r[2], "sentence": r[3]})
            for version in earlier.values():
                told.update(_hits(version))
        searched: dict[str, bool] = {}
        alerts = []
        for rule in rules:
            if age > rule.max_age:
                continue  # old news collected now: a backfill, not something to tell
            m = self._matcher(db, rule)
            original = rows[0]["duplicate_of"]
            if original and not rule.copies and db.execute(
                    "SELECT 1 FROM alert_outbox WHERE id = ?",
                    [key(rule.name, "mention", original)]).fetchone():
                continue  # a copy of a story this rule already alerted on
            matched = [r for r, hit in zip(rows, hits, strict=True) if hit not in told
                       and self._matches(m, r)]
            if matched and m["search"]:
                if m["search"] not in searched:
                    searched[m["search"]] = db.execute(
                        "SELECT 1 FROM documents_fts WHERE documents_fts MATCH ? AND rowid = "
                        "(SELECT rowid FROM documents WHERE id = ?)",
                        [m["search"], doc_id]).fetchone() is not None
                matched = matched if searched[m["search"]] else []
            if matched:
                alerts.append((rule, matched))
        db.conn.executemany(QUEUE, [row for rule, fresh in alerts for row in self._rows_for(
            rule, key(rule.name, "mention", doc_id), fresh, created, {"count": len(fresh)})])
        return len(alerts)

    # -- spikes and digests: a write transaction of their own --------------------------------
    def check(self, db: Database, now: dt.datetime | None = None) -> int:
        """Queue the spikes that start and the digests that are due at ``now``."""
        now = now or dt.datetime.now(dt.timezone.utc)
        queued = 0
        for rule in self.rules:
            if rule.trigger == "spike":
                queued += self._spike(db, rule, now)
            elif rule.trigger == "digest":
                queued += self._digest(db, rule, now)
        return queued

    def _collected(self, rule: AlertRule, start: dt.datetime, end: dt.datetime
                   ) -> tuple[str, list]:
        """Mentions collected between ``start`` and ``end``, published at most
        ``max_age`` before ``start``. Read by publication time, an article dated by its
        day alone (midnight) and collected at noon was never in "the last hour", and one
        collected after its digest's period was in no digest; an archive loaded today is
        older than ``max_age``, no spike."""
        return ("document_id IN (SELECT id FROM documents WHERE fetched_at >= ? AND "
                "fetched_at < ?) AND published_at >= ?",
                [_iso(start), _iso(end), _iso(start - dt.timedelta(seconds=rule.max_age))])

    def _count(self, db: Database, rule: AlertRule, start: dt.datetime, end: dt.datetime
               ) -> int:
        where, params = self._where(db, rule)
        window, at = self._collected(rule, start, end)
        copies = "" if rule.copies else " AND duplicate_of IS NULL"
        return db.execute(f"SELECT count(*) FROM mention_rows WHERE {window}{copies} AND "
                          f"{where}", [*at, *params]).fetchone()[0]

    def _rows(self, db: Database, rule: AlertRule, start: dt.datetime, end: dt.datetime
              ) -> list[dict]:
        where, params = self._where(db, rule)
        window, at = self._collected(rule, start, end)
        copies = "" if rule.copies else " AND duplicate_of IS NULL"
        return [dict(zip(COLUMNS, r, strict=True)) for r in db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM mention_rows WHERE {window}{copies} AND "
            f"{where} ORDER BY published_at DESC LIMIT ?", [*at, *params, MAX_LISTED])]

    def _state(self, db: Database, rule: AlertRule) -> dict:
        row = db.execute("SELECT spike_since, spike_last, last_digest FROM alert_state "
                         "WHERE rule = ?", [rule.name]).fetchone()
        return dict(zip(("spike_since", "spike_last", "last_digest"), row, strict=True)
                    ) if row else {}

    def _set_state(self, db: Database, rule: AlertRule, **values) -> None:
        db.execute("INSERT INTO alert_state (rule) VALUES (?) ON CONFLICT (rule) DO NOTHING",
                   [rule.name])
        for column, value in values.items():
            db.execute(f"UPDATE alert_state SET {column} = ? WHERE rule = ?",
                       [value, rule.name])

    def _spike(self, db: Database, rule: AlertRule, now: dt.datetime) -> int:
        window = dt.timedelta(seconds=rule.window)
        start = now - window
        base_start = start - dt.timedelta(seconds=rule.baseline)
        count = self._count(db, rule, start, now)
        baseline = self._count(db, rule, base_start, start)
        # The baseline's mean is over the history there is: a first run, or a new source,
        # does not read a quiet week into the hours before it.
        # History is what has been collected: an archive loaded today is none.
        oldest = db.execute("SELECT min(fetched_at) FROM documents").fetchone()[0]
        if oldest is None:
            return 0
        covered = min(rule.baseline, (start - _parse(oldest)).total_seconds())
        if covered < rule.baseline / 2:
            return 0  # too little history yet to call anything a spike
        spiking = is_spike(count, baseline, covered / rule.window, rule.factor,
                           rule.min_mentions)
        state = self._state(db, rule)
        since, last = state.get("spike_since"), state.get("spike_last")
        if spiking:
            self._set_state(db, rule, spike_last=_iso(now))
            if since:
                return 0  # the same spike, already told
        else:
            # Over only after a whole window without a spiking check: a count hovering
            # about the threshold is one spike, not one alert a minute.
            if since and (last is None or now - _parse(last) >= window):
                self._set_state(db, rule, spike_since=None)
                log.info("spike over", extra={"alert": rule.name, "mentions": count})
            return 0
        self._set_state(db, rule, spike_since=_iso(now))
        mean = round(baseline / (covered / rule.window), 2)
        self._queue(db, rule, key(rule.name, "spike", _iso(now)),
                    self._rows(db, rule, start, now), _iso(now),
                    {"count": count, "baseline_mean": mean, "window_start": _iso(start),
                     "window_end": _iso(now)})
        return 1

    def due(self, rule: AlertRule, now: dt.datetime) -> dt.datetime:
        """The digest's latest time at or before ``now``: ``at`` in the config's time zone
        (the local time, across DST changes), each day or each Monday."""
        hour, minute = map(int, rule.at.split(":"))
        now = now.astimezone(dt.timezone.utc)
        day = now.astimezone(self.zone).date()
        while True:
            # Compared in UTC (local times of one zone compare without their offsets); a
            # time the spring change skips is read through UTC as the hour after it.
            when = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)
            when = when.astimezone(dt.timezone.utc)
            if when <= now and (rule.every == "day" or day.weekday() == 0):
                return when
            day -= dt.timedelta(days=1)

    def _digest(self, db: Database, rule: AlertRule, now: dt.datetime) -> int:
        due = self.due(rule, now)
        stamp = _iso(due)
        last = self._state(db, rule).get("last_digest")
        if last == stamp:
            return 0
        self._set_state(db, rule, last_digest=stamp)
        late = (now - due).total_seconds()
        if late > DIGEST_GRACE:
            if last is not None:  # a new rule's first time gone by was never missed
                log.warning("digest skipped", extra={"alert": rule.name, "due": stamp,
                                                     "late_seconds": int(late)})
            return 0
        # From the previous digest's time: a local day is 23 or 25 hours across DST.
        begins = self.due(rule, due - dt.timedelta(seconds=1))
        count = self._count(db, rule, begins, due)
        if not count:
            log.info("digest empty", extra={"alert": rule.name, "due": stamp})
            return 0
        self._queue(db, rule, key(rule.name, "digest", stamp),
                    self._rows(db, rule, begins, due), _iso(now),
                    {"count": count, "period_start": _iso(begins), "period_end": stamp,
                     "timezone": self.zone.key})
        return 1

    def _queue(self, db: Database, rule: AlertRule, alert_id: str, mentions: list[dict],
               created: str, extra: dict) -> None:
        db.conn.executemany(QUEUE, self._rows_for(rule, alert_id, mentions, created, extra))

    @staticmethod
    def _rows_for(rule: AlertRule, alert_id: str, mentions: list[dict], created: str,
                  extra: dict) -> list[tuple]:
        """The outbox rows of one alert: one per target, the same payload and id."""
        payload = json.dumps({"alert": rule.name, "trigger": rule.trigger, "id": alert_id,
                              **extra, "mentions": [
                                  {c: m.get(c) for c in EXPORT_COLUMNS} for m in mentions]},
                             ensure_ascii=False)
        return [(alert_id, stored_target(target), rule.name, rule.trigger, payload, created,
                 created) for target in rule.to]
