"""Read config.yaml once into frozen dataclasses; refuse anything invalid with one line.

Every message names the file, the source and the key, so a user can fix it without
reading code. Relative paths in the file are taken relative to the file's folder.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from tracker import DEFAULT_USER_AGENT, __version__
from tracker.alerts.rules import AlertRule, Smtp, parse_rules, parse_smtp
from tracker.errors import ConfigError
from tracker.opml import read_opml
from tracker.redact import redacted

KINDS = ("feed", "page", "files", "opml")  # opml: a reader's list, one feed source per feed
TOP_KEYS = {"database", "entities", "defaults", "allow_networks", "sources", "keep_fetch_log",
            "smtp", "alerts", "locale", "timezone"}
DEFAULT_KEYS = {"interval", "timeout", "per_host_delay", "user_agent", "max_bytes", "jitter",
                "tag_processes"}
SOURCE_KEYS = {"name", "kind", "url", "path", "interval", "cron", "jitter", "lang", "timeout"}
DEFAULT_DATABASE = "data/tracker.db"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Defaults:
    interval: float = 1800.0
    timeout: float = 20.0
    per_host_delay: float = 1.0
    user_agent: str = DEFAULT_USER_AGENT
    max_bytes: int = 10 * 1024 * 1024
    jitter: float | None = None  # None: a tenth of each source's interval, at most 5 minutes
    tag_processes: int = 0  # processes running spaCy; 0: one per core, at most 4


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    interval: float
    timeout: float
    url: str | None = None
    path: Path | None = None
    lang: str | None = None
    cron: str | None = None  # a crontab expression; when set, it replaces the interval
    jitter: float = 0.0

    @property
    def location(self) -> str:
        """Where it reads, as shown and logged: a URL's password hidden."""
        return redacted(self.url) if self.url else str(self.path)


def url_problem(url: str) -> str | None:
    """Why this is not a URL a source can fetch or an alert post to (None if it is), told
    at load rather than as the first failure ("Invalid IPv6 URL", a port of 99999)."""
    if not re.match(r"^https?://", url, re.IGNORECASE):
        return "must be an http:// or https:// URL"
    if "\\" in url or any(c.isspace() or ord(c) < 32 for c in url):
        return "has a space, a backslash or a control character (percent-encode it)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if not parts.hostname:
        return "has no host"
    return None


@dataclass(frozen=True)
class Config:
    path: Path
    database: Path
    entities: tuple[Path | dict, ...]
    defaults: Defaults
    allow_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    sources: tuple[Source, ...] = field(default_factory=tuple)
    keep_fetch_log: float = 30 * 86400.0  # seconds: older fetch log rows are pruned
    smtp: Smtp | None = None
    alerts: tuple[AlertRule, ...] = ()
    locale: str = "en"  # the wording of alerts: en or fr
    timezone: str = "UTC"  # where digest times are read

    def selected(self, name: str) -> list[Source]:
        """The source of that name, or the feeds of the opml source of that name."""
        found = ([s for s in self.sources if s.name == name]
                 or [s for s in self.sources if s.name.startswith(name + ".")])
        if found:
            return found
        names = [s.name for s in self.sources]
        known = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20
                                         else "") if names else "none"
        raise ConfigError(f"{self.path}: no source named {name!r} (known: {known})")


def parse_duration(value: Any, where: str) -> float:
    """'30s', '15m', '2h', '1d' -> seconds. A bare number is refused: 5 could be seconds
    or minutes, and a poll every 5 seconds is not what anyone meant."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ConfigError(f"{where}: {value!r} has no unit (write e.g. {value}s or {value}m; "
                          "units: ms, s, m, h, d)")
    match = _DURATION.match(str(value))
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"{where}: invalid duration {value!r} (use e.g. 30s, 15m, 2h, 1d; "
                          "units: ms, s, m, h, d)")
    return float(match.group(1)) * _UNITS[match.group(2)]


# A poll more often than every second is a typo for minutes (1ms gave 100 passes a second
# and a log of skipped runs); one rarer than yearly overflowed the scheduler's dates.
MIN_INTERVAL, MAX_INTERVAL = 1.0, 366 * 86400.0


def parse_interval(value: Any, where: str) -> float:
    """A source's polling interval: a duration between 1 second and 366 days."""
    seconds = parse_duration(value, where)
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise ConfigError(f"{where}: {value!r} is out of range (from 1s to 366d)")
    return seconds


def parse_size(value: Any, where: str) -> int:
    match = _SIZE.match(str(value))
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"{where}: invalid size {value!r} (use e.g. 10MB)")
    return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])


def load_config(path: str | Path, *, must_exist: bool = True) -> Config:
    """Load and validate a config file; a missing default file gives an empty config."""
    path = Path(path)
    if not path.exists():
        if must_exist:
            raise ConfigError(f"{path}: config file not found (pass --config PATH)")
        return _build(path, {})
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", exc)
        raise ConfigError(f"{path}:{line} not valid YAML ({problem})") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return _build(path, raw)


def _build(path: Path, raw: dict) -> Config:
    base = path.parent
    _no_unknown(raw, TOP_KEYS, f"{path}")
    defaults = _defaults(raw.get("defaults") or {}, path)
    database = raw.get("database", DEFAULT_DATABASE)
    if not isinstance(database, str) or not database.strip():
        raise ConfigError(f"{path}: key 'database' must be a file path")
    # The user's own KB files, over the one shipped in the package.
    entities = raw.get("entities") or []
    entities_list = entities if isinstance(entities, list) else [entities]
    kb: list[Path | dict] = []
    for i, item in enumerate(entities_list):
        if isinstance(item, str) and item.strip():
            kb.append(base / item)
        elif isinstance(item, dict):
            kb.append(item)
        else:
            raise ConfigError(f"{path}: entities[{i}] must be a YAML file path or an inline entry")
    networks = []
    allow = raw.get("allow_networks") or []
    if not isinstance(allow, list):
        raise ConfigError(f"{path}: key 'allow_networks' must be a list of CIDR ranges")
    for item in allow:
        try:
            networks.append(ipaddress.ip_network(str(item), strict=False))
        except ValueError:
            raise ConfigError(
                f"{path}: allow_networks: {item!r} is not a CIDR range (e.g. 127.0.0.0/8)"
            ) from None
    sources_raw = raw.get("sources") or []
    if not isinstance(sources_raw, list):
        raise ConfigError(f"{path}: key 'sources' must be a list")
    sources: list[Source] = []
    seen: set[str] = set()
    for i, item in enumerate(sources_raw):
        for src in _sources(item, i, path, defaults):
            if src.name in seen:
                raise ConfigError(f"{path}: sources[{i}] ({src.name}): key 'name': "
                                  "duplicate name")
            seen.add(src.name)
            sources.append(src)
    return Config(
        path=path,
        database=base / database,
        entities=tuple(kb),
        defaults=defaults,
        allow_networks=tuple(networks),
        sources=tuple(sources),
        keep_fetch_log=parse_duration(raw.get("keep_fetch_log", "30d"),
                                      f"{path}: key 'keep_fetch_log'"),
        **_alerting(raw, path, sources),
    )


def _alerting(raw: dict, path: Path, sources: list[Source]) -> dict:
    """smtp, alerts, locale and timezone (tracker.alerts.rules checks the rules)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    locale = raw.get("locale", "en")
    if locale not in ("en", "fr"):
        raise ConfigError(f"{path}: key 'locale': en or fr, not {locale!r}")
    zone = raw.get("timezone", "UTC")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{path}: key 'timezone': {zone!r} is not a time zone (e.g. "
                          "Europe/Paris)") from None
    smtp = parse_smtp(raw.get("smtp"), path)
    names = {s.name for s in sources}
    languages = {"fr", "en", *(s.lang for s in sources if s.lang)}
    return {"smtp": smtp, "alerts": parse_rules(raw.get("alerts"), path, smtp, names,
                                                languages),
            "locale": locale, "timezone": str(zone)}


def _no_unknown(raw: dict, allowed: set[str], where: str) -> None:
    for key in raw:
        if key not in allowed:
            raise ConfigError(
                f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})"
            )


def _defaults(raw: Any, path: Path) -> Defaults:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: key 'defaults' must be a mapping")
    where = f"{path}: defaults"
    _no_unknown(raw, DEFAULT_KEYS, where)
    base = Defaults()
    user_agent = raw.get("user_agent", base.user_agent)
    if not isinstance(user_agent, str) or not user_agent.strip():
        raise ConfigError(f"{where}: key 'user_agent' must be a non-empty string")
    return Defaults(
        interval=parse_interval(raw.get("interval", "30m"), f"{where}: key 'interval'"),
        timeout=parse_duration(raw.get("timeout", "20s"), f"{where}: key 'timeout'"),
        per_host_delay=_delay(raw.get("per_host_delay", "1s"), f"{where}: key 'per_host_delay'"),
        user_agent=user_agent.replace("<version>", __version__),
        max_bytes=parse_size(raw.get("max_bytes", base.max_bytes), f"{where}: key 'max_bytes'"),
        jitter=_delay(raw["jitter"], f"{where}: key 'jitter'") if "jitter" in raw else None,
        tag_processes=_processes(raw.get("tag_processes", "auto"),
                                 f"{where}: key 'tag_processes'"),
    )


def _processes(value: Any, where: str) -> int:
    """A count of worker processes, or 'auto' (one per core, as memory allows)."""
    if value == "auto":
        from tracker.workers import default_processes

        return default_processes()
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 64:
        raise ConfigError(f"{where} must be 'auto' or a number of processes from 1 to 64, "
                          f"not {value!r}")
    return value


def _delay(value: Any, where: str) -> float:
    if value in (0, "0", "0s"):
        return 0.0
    return parse_duration(value, where)


def _sources(raw: Any, i: int, path: Path, defaults: Defaults) -> list[Source]:
    """A source, or each feed of an OPML file (kind opml): a feed source named
    ``<name>.<the feed's title>``, with the opml source's schedule, language and timeout."""
    src = _source(raw, i, path, defaults)
    if src.kind != "opml":
        return [src]
    assert src.path is not None
    label = f"{path}: sources[{i}] ({src.name})"
    feeds = []
    for feed in read_opml(src.path, label):
        problem = url_problem(feed.url)
        if problem:
            raise ConfigError(f"{label}: {src.path}: feed {feed.title!r}: {feed.url!r} "
                              f"{problem}")
        feeds.append(replace(src, name=f"{src.name}.{feed.name}", kind="feed", url=feed.url,
                             path=None))
    return feeds


def _source(raw: Any, i: int, path: Path, defaults: Defaults) -> Source:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: sources[{i}]: expected a mapping with name, kind and url/path")
    name = raw.get("name")
    label = f"{path}: sources[{i}]" + (f" ({name})" if name else "")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{label}: key 'name': required, letters, digits, '-', '_' or '.'")
    _no_unknown(raw, SOURCE_KEYS, label)
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{label}: key 'kind': {kind!r} is not one of {', '.join(KINDS)}")
    url = raw.get("url")
    src_path = raw.get("path")
    if kind in ("feed", "page"):
        if not isinstance(url, str) or not url.strip():
            raise ConfigError(f"{label}: key 'url': required for kind {kind}")
        problem = url_problem(url.strip())
        if problem:
            raise ConfigError(f"{label}: key 'url': {url!r} {problem}")
        if src_path is not None:
            raise ConfigError(f"{label}: key 'path': only for kinds files and opml")
    else:
        what = "a folder" if kind == "files" else "an OPML file"
        if not isinstance(src_path, str) or not src_path.strip():
            raise ConfigError(f"{label}: key 'path': required for kind {kind} ({what})")
        if url is not None:
            raise ConfigError(f"{label}: key 'url': not used by kind {kind} (use 'path')")
    lang = raw.get("lang")
    if lang is not None and not (isinstance(lang, str) and re.match(r"^[a-z]{2}$", lang)):
        raise ConfigError(f"{label}: key 'lang': {lang!r} is not a two-letter language code")
    interval = (parse_interval(raw["interval"], f"{label}: key 'interval'")
                if "interval" in raw else defaults.interval)
    cron = raw.get("cron")
    if cron is not None:
        cron = parse_cron(cron, f"{label}: key 'cron'")
        if "interval" in raw:
            raise ConfigError(f"{label}: key 'cron': give either 'interval' or 'cron', not both")
    if "jitter" in raw:
        jitter = _delay(raw["jitter"], f"{label}: key 'jitter'")
    elif defaults.jitter is not None:
        jitter = defaults.jitter
    else:
        jitter = min(interval / 10, 300.0)
    return Source(
        name=name,
        kind=kind,
        url=url.strip() if url else None,
        path=(path.parent / src_path) if src_path else None,
        interval=interval,
        timeout=(parse_duration(raw["timeout"], f"{label}: key 'timeout'")
                 if "timeout" in raw else defaults.timeout),
        lang=lang,
        cron=cron,
        jitter=jitter,
    )


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def parse_cron(value: Any, where: str) -> str:
    """Check a standard 5-field crontab expression and return it in APScheduler 3's dialect,
    whose day-of-week numbers start at Monday (0) where crontab's start at Sunday (0 or 7)."""
    from apscheduler.triggers.cron import CronTrigger

    fields = str(value).split()
    if len(fields) != 5:
        raise ConfigError(f"{where}: {value!r} is not a crontab expression "
                          "(minute hour day month weekday, e.g. '0 7 * * 1-5')")
    try:
        fields[4] = _weekdays(fields[4])
        expr = " ".join(fields)
        trigger = CronTrigger.from_crontab(expr, timezone=dt.timezone.utc)
    except (ValueError, IndexError):
        raise ConfigError(f"{where}: {value!r} is not a valid crontab expression") from None
    # 31 February, 31 April: accepted as such, it polled every 30 minutes (the default).
    if trigger.get_next_fire_time(None, dt.datetime.now(dt.timezone.utc)) is None:
        raise ConfigError(f"{where}: {value!r} never comes (no such day in those months)")
    return expr


def _weekdays(field: str) -> str:
    """Crontab weekday field -> day names ('1-5' -> 'mon,tue,wed,thu,fri')."""
    if not re.search(r"\d", field):
        return field
    days: set[int] = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            low, high = (int(x) for x in span.split("-"))
        else:
            low = high = int(span)
        if not (0 <= low <= 7 and 0 <= high <= 7 and low <= high):
            raise ValueError(field)
        days.update(d % 7 for d in range(low, high + 1, int(step or 1)))
    return ",".join(_DAYS[d] for d in sorted(days))
