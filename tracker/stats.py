"""Figures for the people who read reports: mentions per entity per interval, share of
voice, co-mentions and top sources, each raw and without copies side by side.

Counting rules (the README repeats them):
- ``by=party`` counts the mentions a party is credited with at the article's date: its own
  names and its members' (``direct`` keeps its own names only); ``politician``, ``source``
  and ``lang`` count mentions per politician, per source, per language.
- ``dedup`` figures leave out documents that copy an earlier one (``duplicate_of``).
- A share of voice is an entity's part of all mentions of its kind in the same interval
  (all parties' mentions, all politicians' mentions...), so the shares of an interval add
  up to 1.
- Days are UTC days of the article's date; weeks start on Monday; periods are named by
  their first day. ``until`` is inclusive.

Trends read the ``mention_counts`` table (daily counts kept by triggers) when the only
filters are dates, so a year of a million mentions takes a few milliseconds; other filters
read the mentions themselves (``tracker.grouping``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from sqlite_utils import Database

from tracker.errors import ConfigError, TrackerError
from tracker.grouping import grouped, top_totals, window_keys
from tracker.periods import periods

BY = ("party", "politician", "source", "lang")
INTERVALS = ("day", "week", "month")


@dataclass(frozen=True)
class StatsQuery:
    by: str = "party"
    interval: str = "week"
    since: dt.date | None = None
    until: dt.date | None = None
    source: str | None = None
    lang: str | None = None
    type: str | None = None  # only mentions of parties, or of politicians
    search: str | None = None  # full-text query over documents
    position: str | None = None
    direct: bool = False  # by party: the party's own names only
    no_duplicates: bool = False
    no_discovered: bool = False  # leave out people the KB does not know yet
    raw: bool = False  # keep mentions a reviewer marked wrong
    top: int = 10
    focus: str | None = None  # one key (an entity's page): its figures, its documents' pairs

    def __post_init__(self) -> None:
        if self.by not in BY:
            raise ConfigError(f"--by must be one of {', '.join(BY)}, not {self.by!r}")
        if self.interval not in INTERVALS:
            raise ConfigError(f"--interval must be one of {', '.join(INTERVALS)}, "
                              f"not {self.interval!r}")
        if self.since and self.until and self.since > self.until:
            raise ConfigError(f"--since {self.since} is after --until {self.until}")

    @property
    def simple(self) -> bool:
        """Whether daily counts answer: only dates (and copies) filter the mentions."""
        return not (self.source or self.lang or self.type or self.position
                    or self.search is not None or (self.direct and self.by == "party")
                    or self.no_discovered)


@dataclass(frozen=True)
class Count:
    period: str
    key: str
    name: str
    mentions: int
    mentions_dedup: int
    share: float
    share_dedup: float


@dataclass(frozen=True)
class Total:
    key: str
    name: str
    mentions: int
    mentions_dedup: int
    share: float
    share_dedup: float


def as_dict(row: object) -> dict:
    """A figure's fields, shallow: figures hold plain values, and ``dataclasses.asdict``
    deep-copies each one (0.4 s of the 0.6 s `/api/stats` took for 40,000 counts)."""
    return dict(vars(row))  # a dataclass's fields, in their order


# -- counts per interval ---------------------------------------------------------------
DEFAULT_SPAN = {"day": 90, "week": 365, "month": 3 * 365}  # days shown without --since


def window(db: Database, q: StatsQuery) -> tuple[dt.date, dt.date] | None:
    """The days the figures cover: ``since`` to ``until``; without them, up to the last
    day with mentions and back a season of days, a year of weeks or three years of
    months. None when that window is empty or no mention is stored."""
    until, since = q.until, q.since
    if not (since and until):
        last = db.execute("SELECT max(published_at) FROM mentions").fetchone()[0]
        if not last:
            return None
        until = until or dt.date.fromisoformat(last[:10])
        since = since or until - dt.timedelta(days=DEFAULT_SPAN[q.interval] - 1)
    return (since, until) if since <= until else None


VIEWS = ("counts", "totals", "co-mentions", "sources")


class CountRows(Sequence[Count]):
    """The counts of every key in every period, made as they are read: every politician
    by month over three years is 746,000 rows, three quarters of them zeros, which a
    download writes without making each one (``periods``). ``blocks`` may be a generator
    (``count_rows(lazily=True)``): each period is then read when it is first asked for."""

    def __init__(self, blocks: Iterable[tuple[str, list[tuple], Sequence[str]]],
                 names: dict[str, str]) -> None:
        self._made: list[tuple[str, list[tuple], Sequence[str]]] = []
        self._more: Iterator | None = iter(blocks)
        self.names = names  # (filled as the periods are made, when they are made lazily)
        self._rows: list[Count] | None = None
        self._failed: BaseException | None = None

    def periods(self) -> Iterator[tuple[str, list[tuple], Sequence[str]]]:
        """Each period, its keys with mentions (busiest first, each a tuple of
        ``Count``'s fields) and the keys without (in name order). When reading a period
        failed, every later reading fails too: a reader sharing these rows (a download
        served to several clients) must not take the periods made before for the whole."""
        at = 0
        while True:
            if at < len(self._made):
                at += 1
                yield self._made[at - 1]
            elif self._failed is not None:
                raise TrackerError("the figures could not be read whole "
                                   f"({type(self._failed).__name__})") from self._failed
            elif self._more is None:
                return
            else:
                try:
                    block = next(self._more, None)
                except BaseException as exc:
                    self._failed, self._more = exc, None
                    raise
                if block is None:
                    self._more = None
                    return
                self._made.append(block)

    def __iter__(self) -> Iterator[Count]:
        if self._rows is not None:
            yield from self._rows
            return
        for period, busy, idle in self.periods():
            yield from (Count(*row) for row in busy)
            yield from (Count(period, k, self.names[k], 0, 0, 0.0, 0.0) for k in idle)

    def __len__(self) -> int:
        return sum(len(busy) + len(idle) for _, busy, idle in self.periods())

    def __getitem__(self, index):  # type: ignore[override]
        if self._rows is None:  # indexing is rare (tests): every row made once
            self._rows = list(self)
        return self._rows[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CountRows({len(self)} rows over {len(self._made)} periods)"


def counts(db: Database, q: StatsQuery, first: int | None = None) -> list[Count]:
    """Mentions per key per period with shares of voice; every key seen in the window
    gets a row for every period, zeros included, so trends have no holes (``first``:
    only each period's first so many keys with mentions, what a table shows: a year of
    20,000 politicians by week is a million rows, 900,000 of them zeros)."""
    return list(count_rows(db, q, first))


def count_rows(db: Database, q: StatsQuery, first: int | None = None, *,
               lazily: bool = False) -> CountRows:
    """``counts``, each zero made only when it is read (``lazily``, for the daily counts'
    figures of every key: the window's keys told apart first, then the first period
    read, the others once it is written. Every politician by month over three years
    takes about 2 s to write in all; a download of it starts sooner. The caller keeps
    ``db`` open, in one read transaction, until the rows are read)."""
    span = window(db, q)
    if span is None:
        return CountRows([], {})
    names: dict[str, str] = {}
    made = _count_periods(db, q, span, first, names,
                          lazily=lazily and q.simple and not q.focus and first is None)
    return CountRows(made, names) if lazily else CountRows(list(made), names)


def _count_periods(db: Database, q: StatsQuery, span: tuple[dt.date, dt.date],
                   first: int | None, names: dict[str, str], *, lazily: bool
                   ) -> Iterator[tuple[str, list[tuple], Sequence[str]]]:
    """``CountRows``' periods; ``names`` filled with the keys' names. ``lazily``: the
    window's keys are told apart first (``window_keys``), then the first period is read
    alone, the others when the second is asked for: the first period's zeros (a window
    often begins with empty months) need no sum of the others. The periods' blocks
    (``tracker.periods.blocks``) are the same either way: none spans two periods."""
    every = periods(*span, q.interval)
    per: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)

    def read(part: tuple[dt.date, dt.date]) -> None:
        for period, key, mentions, originals in grouped(db, q, part):
            per[period][key] = (mentions, originals)

    known = window_keys(db, q, span) if lazily else None
    rest: tuple[dt.date, dt.date] | None = span

    def read_rest() -> None:
        nonlocal rest
        if rest is not None:
            read(rest)
            rest = None

    if known is None:
        read_rest()
        known = {key for cells in per.values() for key in cells}
    elif len(every) > 1:  # the first period alone
        second = dt.date.fromisoformat(every[1])
        read((span[0], second - dt.timedelta(days=1)))
        rest = (second, span[1])
    if not known:
        return
    keys = sorted(known)
    if isinstance(known, dict):
        names.update((k, name) for k, name in known.items() if name is not None)
    names.update(_names(db, q, [k for k in keys if k not in names]))
    ordered = sorted(keys, key=lambda k: names[k])
    # One key's shares are of all its kind's mentions: each period's total, summed in SQL.
    whole = {period: (n, nd) for period, _, n, nd in grouped(
        db, replace(q, focus=None), span, by_key=False)} if q.focus else None
    for at, period in enumerate(every):
        if at or len(every) == 1:
            read_rest()
        cells = per.get(period, {})
        unnamed = [k for k in cells if k not in names]  # (a key ``window_keys`` missed)
        if unnamed:
            names.update(_names(db, q, unnamed))
        if whole is not None:
            total, total_dedup = whole.get(period, (0, 0))
        else:
            total = sum(n for n, _ in cells.values())
            total_dedup = sum(nd for _, nd in cells.values())
        # The keys with mentions, busiest first (then by name, then key), then the
        # zeros, in name order: most keys of a long window are zeros in most periods.
        busy = sorted([(-n, names[k], k, nd) for k, (n, nd) in cells.items() if n])
        # Each number's share once: most are small numbers that many keys share
        # (rounding took 1.4 s of 746,000 counts).
        share = {n: _share(n, total) for n in {n for n, _ in cells.values()}}
        share_dedup = {nd: _share(nd, total_dedup) for nd in {nd for _, nd in cells.values()}}
        # As tuples of Count's fields: a download encodes them without making a Count.
        rows = [(period, k, name, -less, nd, share[-less], share_dedup[nd])
                for less, name, k, nd in busy[:first]]
        idle = []
        if first is None:
            busy_keys = {k for _, _, k, _ in busy}
            idle = [k for k in ordered if k not in busy_keys]
        yield period, rows, idle


def totals(db: Database, q: StatsQuery, first: int | None = None) -> list[Total]:
    """Mentions per key over the whole window, most mentioned first (``first``: only
    the first so many, whose names alone are read: a page's top ten of 20,000)."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    span = window(db, q)
    top = top_totals(db, q, span, first) if span and first else None
    if top is not None:  # the keys that may rank, without summing all 20,000
        per.update((key, list(v)) for key, v in top[0].items())
        total, total_dedup = top[1]
    else:
        # The window as one period: SQLite groups by key alone (20,000 politicians, not
        # 20,000 x 52 weeks).
        for _, key, mentions, originals in (grouped(db, q, span, by_period=False)
                                            if span else []):
            per[key][0] += mentions
            per[key][1] += originals
        total = sum(v[0] for v in per.values())
        total_dedup = sum(v[1] for v in per.values())
    keys = list(per)
    if first is not None and len(keys) > first:  # the first ones and those tied with them
        cut = sorted((v[0] for v in per.values()), reverse=True)[first - 1]
        keys = [k for k in keys if per[k][0] >= cut]
    names = _names(db, q, keys)
    rows = [Total(k, names[k], per[k][0], per[k][1], _share(per[k][0], total),
                  _share(per[k][1], total_dedup)) for k in keys]
    return sorted(rows, key=lambda r: (-r.mentions, r.name, r.key))[:first]


# -- helpers -----------------------------------------------------------------------------
def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _names(db: Database, q: StatsQuery, keys: Iterable[str], *,
           entities: bool = False) -> dict[str, str]:
    """Display names: the entity's canonical name, or the source or language itself."""
    keys = list(dict.fromkeys(keys))
    if not entities and q.by in ("source", "lang"):
        return {k: k or "unknown" for k in keys}
    return entity_names(db, keys)


def entity_names(db: Database, keys: Iterable[str]) -> dict[str, str]:
    """Each entity's canonical name (its id when it is not in the database)."""
    keys = list(dict.fromkeys(keys))
    names = {k: k for k in keys}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        for key, name in db.execute(f"SELECT id, name FROM entities WHERE id IN ({marks})",
                                    chunk):
            names[key] = name
    return names
