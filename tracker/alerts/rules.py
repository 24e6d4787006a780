"""The `alerts:` and `smtp:` keys of config.yaml, validated into frozen rules.

Each mistake is one line naming the file, the rule and the key (exit 2), as for sources:
an unknown trigger, no `to`, a `mailto:` without `smtp:`, a bad time or duration.
Secrets never live in the file: `secret_env`, `username_env` and `password_env` name
environment variables, read when a message is sent.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError

TRIGGERS = ("mention", "spike", "digest")
# The keys only some triggers read: given to another, they were ignored silently.
TRIGGER_KEYS = {"at": ("digest",), "every": ("digest",), "window": ("spike",),
                "baseline": ("spike",), "factor": ("spike",), "min_mentions": ("spike",)}
FILTER_KEYS = ("party", "politician", "source", "search", "lang", "type", "direct")
RULE_KEYS = {"name", "trigger", "to", "secret_env", "format", "at", "every", "window",
             "baseline", "factor", "min_mentions", "copies", "max_age", *FILTER_KEYS}
SMTP_KEYS = {"host", "port", "from", "security", "username_env", "password_env", "timeout"}
SECURITY = ("none", "starttls", "ssl")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    security: str = "none"
    username_env: str | None = None
    password_env: str | None = None
    timeout: float = 20.0


@dataclass(frozen=True)
class AlertRule:
    name: str
    trigger: str
    to: tuple[str, ...]  # mailto:ADDRESS or an http(s) URL
    filters: dict = field(default_factory=dict)  # as `tracker mentions` takes them
    secret_env: str | None = None
    format: str = "json"  # json | slack (webhooks)
    at: str = "08:00"  # digest time, HH:MM in the config's timezone
    every: str = "day"  # digest period: day | week (Mondays)
    window: float = 3600.0  # spike: the last window, seconds
    baseline: float = 7 * 86400.0  # spike: the span before it the mean comes from
    factor: float = 3.0
    min_mentions: int = 5
    copies: bool = False  # also alert on copies of a story already stored elsewhere
    # mention: only articles published at most this long before they were collected (a
    # new feed's first pass, a folder of archives: no flood of old news)
    max_age: float = 3 * 86400.0

    @property
    def emails(self) -> list[str]:
        return [t.removeprefix("mailto:") for t in self.to if t.startswith("mailto:")]

    @property
    def hooks(self) -> list[str]:
        return [t for t in self.to if not t.startswith("mailto:")]


def parse_smtp(raw: Any, path: Path) -> Smtp | None:
    if raw is None:
        return None
    where = f"{path}: smtp"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping (host, port, from, security)")
    for key in raw:
        if key not in SMTP_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (allowed: "
                              f"{', '.join(sorted(SMTP_KEYS))})")
    host, sender = raw.get("host"), raw.get("from")
    if not isinstance(host, str) or not host.strip():
        raise ConfigError(f"{where}: key 'host': required (the mail server's name)")
    if not isinstance(sender, str) or not _EMAIL.match(sender):
        raise ConfigError(f"{where}: key 'from': required, an e-mail address")
    security = raw.get("security", "none")
    if security not in SECURITY:
        raise ConfigError(f"{where}: key 'security': {security!r} is not one of "
                          f"{', '.join(SECURITY)}")
    port = raw.get("port", 465 if security == "ssl" else 587 if security == "starttls" else 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"{where}: key 'port': {port!r} is not a port number")
    for key in ("username_env", "password_env"):
        if raw.get(key) is not None and not _ENV.match(str(raw[key])):
            raise ConfigError(f"{where}: key {key!r}: the name of an environment variable")
    from tracker.config import parse_duration

    return Smtp(host=host.strip(), port=port, sender=sender, security=security,
                username_env=raw.get("username_env"), password_env=raw.get("password_env"),
                timeout=parse_duration(raw.get("timeout", "20s"), f"{where}: key 'timeout'"))


def parse_rules(raw: Any, path: Path, smtp: Smtp | None, sources: set[str],
                languages: set[str] = frozenset({"fr", "en"})) -> tuple[AlertRule, ...]:
    """The alert rules; ``languages``: those documents may be in (the tagged ones and the
    sources' own)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: key 'alerts' must be a list of rules")
    rules, seen = [], set()
    for i, item in enumerate(raw):
        rule = _rule(item, f"{path}: alerts[{i}]", smtp, sources, languages)
        if rule.name in seen:
            raise ConfigError(f"{path}: alerts[{i}] ({rule.name}): key 'name': duplicate name")
        seen.add(rule.name)
        rules.append(rule)
    return tuple(rules)


def _rule(raw: Any, where: str, smtp: Smtp | None, sources: set[str],
          languages: set[str]) -> AlertRule:
    from tracker.config import parse_duration

    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping with name, trigger and to")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{where}: key 'name': required, letters, digits, '-', '_' or '.'")
    where = f"{where} ({name})"
    for key in raw:
        if key not in RULE_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (allowed: "
                              f"{', '.join(sorted(RULE_KEYS))})")
    trigger = raw.get("trigger", "mention")
    if trigger not in TRIGGERS:
        raise ConfigError(f"{where}: key 'trigger': {trigger!r} is not one of "
                          f"{', '.join(TRIGGERS)}")
    to = raw.get("to")
    to = [to] if isinstance(to, str) else to
    if not to or not isinstance(to, list):
        raise ConfigError(f"{where}: key 'to': required, a list of mailto: addresses or "
                          "http(s) URLs")
    for target in to:
        target = str(target)
        if target.startswith("mailto:"):
            if not _EMAIL.match(target.removeprefix("mailto:")):
                raise ConfigError(f"{where}: key 'to': {target!r} is not an e-mail address")
            if smtp is None:
                raise ConfigError(f"{where}: key 'to': {target!r} needs an 'smtp:' section "
                                  "(host, port, from)")
        elif not re.match(r"^https?://[^\s/]+", target):
            raise ConfigError(f"{where}: key 'to': {target!r} is neither mailto: nor an "
                              "http(s) URL")
        else:
            from tracker.config import url_problem  # config reads these rules: not above

            if problem := url_problem(target):
                raise ConfigError(f"{where}: key 'to': {redact(target)!r} {problem}")
    for key in ("direct", "copies"):
        if key in raw and not isinstance(raw[key], bool):
            raise ConfigError(f"{where}: key {key!r}: true or false, not {raw[key]!r}")
    for key in ("party", "politician", "source", "search", "lang", "type"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise ConfigError(f"{where}: key {key!r}: one name as text, not {raw[key]!r}")
        if isinstance(raw.get(key), str) and not raw[key].strip():
            # A templated config's unset value: the rule would alert on every mention.
            raise ConfigError(f"{where}: key {key!r}: empty (leave the key out for any)")
    if raw.get("lang") is not None and raw["lang"] not in languages:
        raise ConfigError(f"{where}: key 'lang': {raw['lang']!r} is no language documents "
                          f"are read in here ({', '.join(sorted(languages))}; a source's "
                          "'lang' adds one)")
    extra = sorted(k for k in raw if k in TRIGGER_KEYS and raw.get("trigger", "mention")
                   not in TRIGGER_KEYS[k])
    if extra:  # `trigger: mention` written for a digest or a spike: say so
        raise ConfigError(f"{where}: key {extra[0]!r}: not for a "
                          f"{raw.get('trigger', 'mention')} rule (for "
                          f"{' or '.join(TRIGGER_KEYS[extra[0]])})")
    if isinstance(raw.get("at"), int):  # YAML reads an unquoted 18:30 as a number
        raise ConfigError(f"{where}: key 'at': quote the time (at: \"18:30\")")
    filters = {k: raw[k] for k in FILTER_KEYS if raw.get(k) not in (None, "", False)}
    if filters.get("type") not in (None, "party", "politician"):
        raise ConfigError(f"{where}: key 'type': party or politician")
    if "source" in filters and filters["source"] not in sources:
        raise ConfigError(f"{where}: key 'source': no source named {filters['source']!r} "
                          f"(known: {', '.join(sorted(sources)) or 'none'})")
    if "direct" in filters and "party" not in filters:
        raise ConfigError(f"{where}: key 'direct': only with 'party'")
    for key in ("secret_env",):
        if raw.get(key) is not None and not _ENV.match(str(raw[key])):
            raise ConfigError(f"{where}: key {key!r}: the name of an environment variable")
    fmt = raw.get("format", "json")
    if fmt not in ("json", "slack"):
        raise ConfigError(f"{where}: key 'format': json or slack")
    at = str(raw.get("at", "08:00"))
    if not _TIME.match(at):
        raise ConfigError(f"{where}: key 'at': {raw.get('at')!r} is not a time (HH:MM, "
                          "e.g. \"08:00\")")
    every = raw.get("every", "day")
    if every not in ("day", "week"):
        raise ConfigError(f"{where}: key 'every': day or week")
    factor = raw.get("factor", 3)
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) \
            or not math.isfinite(factor) or factor <= 1:
        raise ConfigError(f"{where}: key 'factor': a number above 1 (e.g. 3)")
    least = raw.get("min_mentions", 5)
    if isinstance(least, bool) or not isinstance(least, int) or least < 1:
        raise ConfigError(f"{where}: key 'min_mentions': a whole number from 1")
    window = parse_duration(raw.get("window", "1h"), f"{where}: key 'window'")
    baseline = parse_duration(raw.get("baseline", "7d"), f"{where}: key 'baseline'")
    if baseline < 2 * window:
        raise ConfigError(f"{where}: key 'baseline': at least twice the window")
    max_age = parse_duration(raw.get("max_age", "3d"), f"{where}: key 'max_age'")
    return AlertRule(name=name, trigger=trigger, to=tuple(str(t) for t in to), max_age=max_age,
                     filters=filters, secret_env=raw.get("secret_env"), format=fmt, at=at,
                     every=every, window=window, baseline=baseline, factor=float(factor),
                     min_mentions=least, copies=bool(raw.get("copies", False)))


def redact(text: str) -> str:
    """An error's text without the tokens a webhook URL may carry: user:password@, the
    path and the query string (the host stays)."""
    return re.sub(r"(https?://)([^\s/@]+@)?([^\s/?#'\"]+)[^\s'\")]*", r"\1\3/…", text)


def stored_target(target: str) -> str:
    """A target as the outbox keeps it: an e-mail address as it is; a webhook as its
    scheme and host and a digest of the whole URL, never its token (a copy of the database
    would carry it). The dispatcher finds the URL in the config by that digest."""
    if target.startswith("mailto:"):
        return target
    digest = hashlib.sha256(target.encode("utf-8")).hexdigest()[:16]
    return f"{redact(target)}#{digest}"


def shown_target(target: str) -> str:
    """A target for logs: a webhook's scheme and host only (tokens live in its path, its
    query string or a user:password@); an e-mail address as it is."""
    return target if target.startswith("mailto:") else redact(target)
