"""Working through the outbox: each due row is sent, then marked sent, failed (for good)
or pending again with its next try later and later.

Delivery is at least once: a row is marked sent only after its receiver accepted it, so
a crash between the two sends it again, with the same idempotency key. The daemon runs
this in a thread of its own with short timeouts: a slow or dead receiver never delays
collection.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time

from tracker.alerts.outbox import Outbox
from tracker.alerts.rules import AlertRule, shown_target, stored_target
from tracker.alerts.send import DeliveryError, email, webhook
from tracker.config import Config
from tracker.fetch import Fetcher
from tracker.store import Store

log = logging.getLogger(__name__)
BACKOFF = 30.0  # seconds before the first retry; doubled each time
MAX_BACKOFF = 6 * 3600.0
MAX_WAIT = 3600.0  # longest Retry-After honoured


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Dispatcher:
    """Sends what the outbox holds for one config; ``run`` in a thread, or ``deliver``
    once (``tracker run --once``)."""

    def __init__(self, config: Config, fetcher: Fetcher, *, backoff: float = BACKOFF,
                 timeout: float = 10.0, outbox: Outbox | None = None):
        self.config = config
        self.rules: dict[str, AlertRule] = {r.name: r for r in config.alerts}
        self.outbox = outbox or Outbox(config.alerts, config.timezone)
        self.fetcher = fetcher
        self.backoff = backoff
        self.timeout = timeout
        self.stop = threading.Event()
        self._thread: threading.Thread | None = None

    def send(self, rule: AlertRule, target: str, payload: dict) -> None:
        """One alert to one target, now; raises DeliveryError."""
        if target.startswith("mailto:"):
            assert self.config.smtp is not None  # the config refuses mailto: without smtp
            email(self.config.smtp, rule, target.removeprefix("mailto:"), payload,
                  self.config.locale)
        else:
            webhook(self.fetcher, rule, target, payload, self.config.locale,
                    timeout=self.timeout)

    def deliver(self, store: Store, now: dt.datetime | None = None, limit: int = 100,
                budget: float | None = None) -> dict[str, int]:
        """Send the due rows once (for at most ``budget`` seconds); returns how many were
        sent, are retrying, failed."""
        now = now or dt.datetime.now(dt.timezone.utc)
        ends = time.monotonic() + budget if budget is not None else None
        rows = store.db.execute(
            "SELECT id, target, rule, payload, attempts FROM alert_outbox WHERE status = "
            "'pending' AND next_attempt_at <= ? ORDER BY created_at, id LIMIT ?",
            [_iso(now), limit]).fetchall()
        tally = {"sent": 0, "retrying": 0, "failed": 0}
        down: set[str] = set()  # targets that timed out or refused this round
        for alert_id, target, name, payload, attempts in rows:
            if (self.stop.is_set() or self.fetcher.stop.is_set()
                    or (ends is not None and time.monotonic() > ends)):
                break  # tracker is stopping (Ctrl-C), or the round's time is spent
            if target in down:
                continue  # one dead receiver costs one timeout a round, not one an alert
            rule = self.rules.get(name)
            # The URL the stored target stands for (the outbox keeps no webhook's token).
            url = next((t for t in rule.to if stored_target(t) == target), None) \
                if rule is not None else None
            if url is None and rule is not None:
                url = _rotated(rule, target)
            if url is None:
                self._mark(store, alert_id, target, "failed", attempts,
                           "the rule or this target is no longer in the config")
                tally["failed"] += 1
                continue
            try:
                self.send(rule, url, json.loads(payload))
            except Exception as exc:  # noqa: BLE001 - one alert's bug must not block the rest
                if self.fetcher.stop.is_set():
                    break  # cut by Ctrl-C: not a try; sent at the next start as it was due
                if not isinstance(exc, DeliveryError):
                    log.exception("alert send failed", extra={"alert": name})
                    exc = DeliveryError(f"unexpected {type(exc).__name__}", retry=True)
                if exc.retry:
                    down.add(target)
                    wait = min(self.backoff * 2 ** attempts, MAX_BACKOFF)
                    if exc.wait is not None:
                        wait = max(wait, min(exc.wait, MAX_WAIT))
                    next_at = _iso(now + dt.timedelta(seconds=wait))
                    self._mark(store, alert_id, target, "pending", attempts + 1, str(exc),
                               next_at=next_at)
                    # The target's other due alerts wait as long: they do not fill the
                    # next rounds ahead of other receivers.
                    with store.write() as db:
                        db.execute("UPDATE alert_outbox SET next_attempt_at = ? WHERE "
                                   "target = ? AND status = 'pending' AND next_attempt_at "
                                   "< ?", [next_at, target, next_at])
                    tally["retrying"] += 1
                else:
                    self._mark(store, alert_id, target, "failed", attempts + 1, str(exc))
                    tally["failed"] += 1
                log.warning("alert not delivered", extra={
                    "alert": name, "id": alert_id, "target": shown_target(target),
                    "error": str(exc), "retry": exc.retry, "attempts": attempts + 1})
                continue
            self._mark(store, alert_id, target, "sent", attempts + 1, None,
                       sent_at=_iso(dt.datetime.now(dt.timezone.utc)))
            tally["sent"] += 1
            log.info("alert sent", extra={"alert": name, "id": alert_id,
                                          "target": shown_target(target)})
        return tally

    @staticmethod
    def _mark(store: Store, alert_id: str, target: str, status: str, attempts: int,
              error: str | None, *, next_at: str | None = None, sent_at: str | None = None
              ) -> None:
        with store.write() as db:
            db.execute("UPDATE alert_outbox SET status = ?, attempts = ?, last_error = ?, "
                       "next_attempt_at = coalesce(?, next_attempt_at), sent_at = ? "
                       "WHERE id = ? AND target = ?",
                       [status, attempts, error, next_at, sent_at, alert_id, target])

    def check(self, store: Store, now: dt.datetime | None = None) -> int:
        """Queue the spikes and digests due now (their own transaction)."""
        with store.write() as db:
            return self.outbox.check(db, now)

    # -- the daemon's thread -------------------------------------------------------------
    def start(self, db_path, every: float = 5.0, check_every: float = 60.0) -> None:
        """Deliver what is due every ``every`` seconds; check spikes and digests every
        ``check_every`` (a minute: a digest's time, a spike's hour)."""
        def loop() -> None:
            checked = 0.0
            with Store(db_path) as store:
                while not self.stop.is_set():
                    if time.monotonic() - checked >= check_every:
                        checked = time.monotonic()
                        try:
                            self.check(store)
                        except Exception:  # noqa: BLE001 - alerts never stop the daemon
                            log.exception("alert check failed")
                    try:
                        self.deliver(store)
                    except Exception:  # noqa: BLE001
                        log.exception("alert delivery failed")
                    self.stop.wait(every)

        self._thread = threading.Thread(target=loop, name="tracker-alerts", daemon=True)
        self._thread.start()

    def close(self, wait: float = 5.0) -> None:
        self.stop.set()
        if self._thread is not None:
            self._thread.join(wait)


def _rotated(rule: AlertRule, target: str) -> str | None:
    """The rule's one webhook on the host of a stored target that is no longer in the
    config: its URL changed on that host (a rotated token, another channel), and the
    alerts waiting for it go there. They were marked failed ("no longer in the config"),
    lost for good, on each rotation of a token. Two webhooks of the rule on that host:
    none is guessed."""
    host = target.partition("#")[0]
    same = [t for t in rule.to if not t.startswith("mailto:")
            and stored_target(t).partition("#")[0] == host]
    return same[0] if len(same) == 1 else None
