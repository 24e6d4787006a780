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
read the mentions themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from sqlite_utils import Database

from tracker.errors import ConfigError
from tracker.periods import blocks, period_of, periods
from tracker.query import TABLE_COLUMNS, MentionFilter, where_clauses

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


def grouped(db: Database, q: StatsQuery, span: tuple[dt.date, dt.date], *,
            by_key: bool = True, by_period: bool = True) -> list[tuple[str, str, int, int]]:
    """(period, key, mentions, mentions in originals) for each period and key with
    mentions (``by_key=False``: each period's total, key ''; ``by_period=False``: the
    whole window as one period ''; ``q.focus``: that key's rows only). The daily counts
    are read as whole months and weeks from their roll-ups plus the days left over; days,
    weeks and months map to periods through small tables of values, so SQLite groups
    without calling date functions on every row."""
    days, day = [], span[0]
    while day <= span[1]:
        period = period_of(day.isoformat(), q.interval) if by_period else ""
        days.append(f"('{day.isoformat()}', '{period}')")
        day += dt.timedelta(days=1)
    if not days:
        return []
    periods_cte = f"WITH p(day, period) AS (VALUES {', '.join(days)}) "
    if q.simple:
        dimension = {"party": "entity" if q.direct else "party", "politician": "entity"}.get(
            q.by, q.by)
        kind = None if dimension != "entity" else "party" if q.by == "party" else "politician"
        cut = blocks(span, q.interval if by_period else None)
        if kind == "politician" and not by_key and not q.focus:
            rows = _politician_totals(db, cut)
        elif kind and by_key and not q.focus:
            rows = _typed_counts(db, dimension, cut, kind)
        else:
            sql, params = _counts_sql(dimension, cut, by_key=by_key, focus=q.focus,
                                      entity_type=kind)
            rows = db.execute(sql, params).fetchall()
        if not q.raw:
            wrong = _wrong(db, q, periods_cte)
            if q.focus:
                wrong = [w for w in wrong if w[1] == q.focus]
            if not by_key:
                per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
                for period, _, n, o in wrong:
                    per[period][0] += n
                    per[period][1] += o
                wrong = [(period, "", n, o) for period, (n, o) in per.items()]
            rows = _less(rows, wrong)
    else:
        key = _key_sql(q)
        where, params = _where(db, q)
        if q.focus:
            where.append(f"{key} = ?")
            params.append(q.focus)
        # One source: its documents first, by their index, then their mentions (CROSS
        # JOIN fixes the order; left to itself SQLite read the year's 500,000 mentions
        # and looked each one's document up: 0.7 s for one source's 12,000).
        mentions = ("documents d CROSS JOIN mentions m ON m.document_id = d.id"
                    if q.source and not q.focus
                    else "mentions m JOIN documents d ON d.id = m.document_id")
        sql = (periods_cte + f"SELECT p.period, {key if by_key else chr(39) * 2}, count(*), "
               f"sum(d.duplicate_of IS NULL) FROM {mentions} "
               "JOIN entities e ON e.id = m.entity_id "
               "JOIN p ON p.day = substr(m.published_at, 1, 10) "
               f"WHERE {key} IS NOT NULL{''.join(' AND ' + w for w in where)} GROUP BY 1, 2")
        rows = db.execute(sql, params).fetchall()
    if q.no_duplicates:  # copies left out: both figures are the originals'
        return [(period, key, n, n) for period, key, _, n in rows if n]
    return rows


def _counts_sql(dimension: str, cut: dict[str, list[tuple[str, str]]], *, by_key: bool,
                focus: str | None, entity_type: str | None, summed: bool = True
                ) -> tuple[str, list]:
    """(period, key, mentions, originals) over the window ``cut`` into blocks
    (``tracker.periods.blocks``): the roll-ups' rows for whole
    weeks and months, the daily counts' for the days left over; with ``entity_type``,
    only keys that are entities of that type (``summed=False``: each block's rows, a
    (period, key) in as many rows as it has blocks)."""
    ctes, parts, params = [], [], []
    for name, cte, table in _block_tables(cut, "?"):
        ctes.append(cte)
        parts.append(f"SELECT {name}.period AS period, c.key AS key, c.mentions AS n, "
                     f"c.originals AS o FROM {name} CROSS JOIN {table} WHERE c.mentions > 0"
                     + (" AND c.key = ?" if focus else ""))
        params += [dimension, focus] if focus else [dimension]
    union = f"({' UNION ALL '.join(parts)}) x"
    if entity_type:
        if by_key:  # each (period, key) summed first, then its entity looked up once (a
            # year's totals per politician: 20,000 lookups, not 200,000)
            union = (f"(SELECT x.period AS period, x.key AS key, sum(x.n) AS n, "
                     f"sum(x.o) AS o FROM {union} GROUP BY 1, 2) x")
        # CROSS JOIN fixes the order: left to itself SQLite may start from the entities
        # and probe every (day, key).
        union += " CROSS JOIN entities e ON e.id = x.key WHERE e.type = ?"
        params.append(entity_type)
    if not summed:
        return f"WITH {', '.join(ctes)} SELECT x.period, x.key, x.n, x.o FROM {union}", params
    sql = (f"WITH {', '.join(ctes)} SELECT x.period, {'x.key' if by_key else chr(39) * 2}, "
           f"sum(x.n), sum(x.o) FROM {union}")
    return sql + " GROUP BY 1, 2", params


def _typed_counts(db: Database, dimension: str, cut: dict[str, list[tuple[str, str]]],
                  entity_type: str) -> list[tuple[str, str, int, int]]:
    """(period, key, mentions, originals) of every entity of one type, summed here:
    SQLite sorted a year's 185,000 (month, entity) rows to group them and looked each
    one's entity up (0.6 s for every politician by month over three years; 0.3 s here).
    Only a period cut into several blocks (its edge days) has more than one row a key."""
    typed = {key for (key,) in db.execute("SELECT id FROM entities WHERE type = ?",
                                          [entity_type])}
    sql, params = _counts_sql(dimension, cut, by_key=True, focus=None, entity_type=None,
                              summed=False)
    summed: dict[tuple[str, str], tuple[int, int]] = {}
    for period, key, n, o in db.execute(sql, params):
        if key in typed:
            cell = (period, key)
            if cell in summed:
                before = summed[cell]
                summed[cell] = (before[0] + n, before[1] + o)
            else:
                summed[cell] = (n, o)
    return [(period, key, n, o) for (period, key), (n, o) in summed.items()]


def _block_tables(cut: dict[str, list[tuple[str, str]]], dimension: str
                  ) -> Iterator[tuple[str, str, str]]:
    """Each grain's blocks (``tracker.periods.blocks``) as a table of values, with the
    counts to join to it: the roll-ups for whole weeks and months, the daily counts for
    the days left over (``dimension``: SQL for the dimension, a parameter or a literal)."""
    for grain, rows in cut.items():
        if not rows:
            continue
        name = f"b_{grain}"
        cte = (f"{name}(at, period) AS (VALUES "
               + ", ".join(f"('{at}', '{period}')" for at, period in rows) + ")")
        if grain == "day":
            table = f"mention_counts c ON c.dimension = {dimension} AND c.day = {name}.at"
        else:
            table = (f"mention_rollups c ON c.grain = '{grain}' AND c.dimension = {dimension} "
                     f"AND c.period = {name}.at")
        yield name, cte, table


def _politician_totals(db: Database, cut: dict[str, list[tuple[str, str]]]
                       ) -> list[tuple[str, str, int, int]]:
    """Each period's mentions of all politicians (key ''): a politician's share of voice
    is of them. Summing every politician's counts read a year's 500,000 (week, person)
    rows and looked each one's type up (0.18 s). They are every mention (the language
    counts hold each once) less the parties' own names, read party by party (a few
    hundred keys)."""
    ctes, parts = [], []
    for name, cte, table in _block_tables(cut, "'entity'"):
        ctes.append(cte)
        # The parties first (CROSS JOIN fixes the order), then each one's row per block.
        parts.append(f"SELECT {name}.period AS period, c.mentions AS n, c.originals AS o "
                     f"FROM e CROSS JOIN {name} CROSS JOIN {table} AND c.key = e.id")
    if not parts:
        return []
    sql = (f"WITH e(id) AS MATERIALIZED (SELECT id FROM entities WHERE type = 'party'), "
           f"{', '.join(ctes)} SELECT x.period, '', sum(x.n), sum(x.o) FROM "
           f"({' UNION ALL '.join(parts)}) x GROUP BY 1")
    parties = {period: (n, o) for period, _, n, o in db.execute(sql).fetchall()}
    everyone, everyone_params = _counts_sql("lang", cut, by_key=False, focus=None,
                                            entity_type=None)
    out = []
    for period, _, n, o in db.execute(everyone, everyone_params).fetchall():
        less_n, less_o = parties.get(period, (0, 0))
        if n - less_n:
            out.append((period, "", n - less_n, o - less_o))
    return out


def _wrong(db: Database, q: StatsQuery, periods_cte: str) -> list[tuple[str, str, int, int]]:
    """The mentions reviewers marked wrong, grouped as ``grouped`` groups the daily
    counts (which stay raw): a few rows, read through the reviews table."""
    if not db.execute("SELECT 1 FROM reviews WHERE verdict = 'wrong' LIMIT 1").fetchone():
        return []
    key = _key_sql(q)
    kind = ("" if q.by not in ("party", "politician")
            else " AND e.type = 'politician'" if q.by == "politician" else "")
    # The reviews first (CROSS JOIN fixes the order): a few rows, each looked up.
    return db.execute(
        periods_cte + f"SELECT p.period, {key}, count(*), sum(d.duplicate_of IS NULL) "
        "FROM reviews r CROSS JOIN mentions m ON m.id = r.mention_id "
        "AND m.entity_id = r.entity_id CROSS JOIN documents d ON d.id = m.document_id "
        "CROSS JOIN entities e ON e.id = m.entity_id "
        "CROSS JOIN p ON p.day = substr(m.published_at, 1, 10) "
        f"WHERE r.verdict = 'wrong' AND {key} IS NOT NULL{kind} GROUP BY 1, 2").fetchall()


def _less(rows: list, wrong: list) -> list[tuple[str, str, int, int]]:
    """Daily-count groups less the wrong mentions' groups; emptied groups go."""
    if not wrong:
        return rows
    minus = {(period, key): (n, o) for period, key, n, o in wrong}
    out = []
    for period, key, n, o in rows:
        less_n, less_o = minus.get((period, key), (0, 0))
        if n - less_n > 0:
            out.append((period, key, n - less_n, o - less_o))
    return out


VIEWS = ("counts", "totals", "co-mentions", "sources")


class CountRows(Sequence[Count]):
    """The counts of every key in every period, made as they are read: every politician
    by month over three years is 746,000 rows, three quarters of them zeros, which a
    download writes without making each one (``periods``)."""

    def __init__(self, blocks: list[tuple[str, list[Count], list[str]]],
                 names: dict[str, str]) -> None:
        self._blocks, self.names = blocks, names
        self._rows: list[Count] | None = None

    def periods(self) -> Iterator[tuple[str, list[Count], list[str]]]:
        """Each period, its keys with mentions (busiest first) and the keys without
        (in name order)."""
        return iter(self._blocks)

    def __iter__(self) -> Iterator[Count]:
        if self._rows is not None:
            yield from self._rows
            return
        for period, busy, idle in self._blocks:
            yield from busy
            yield from (Count(period, k, self.names[k], 0, 0, 0.0, 0.0) for k in idle)

    def __len__(self) -> int:
        return sum(len(busy) + len(idle) for _, busy, idle in self._blocks)

    def __getitem__(self, index):  # type: ignore[override]
        if self._rows is None:
            self._rows = list(self)
        return self._rows[index]


def counts(db: Database, q: StatsQuery, first: int | None = None) -> list[Count]:
    """Mentions per key per period with shares of voice; every key seen in the window
    gets a row for every period, zeros included, so trends have no holes (``first``:
    only each period's first so many keys with mentions, what a table shows: a year of
    20,000 politicians by week is a million rows, 900,000 of them zeros)."""
    return list(count_rows(db, q, first))


def count_rows(db: Database, q: StatsQuery, first: int | None = None) -> CountRows:
    """``counts``, each zero made only when it is read."""
    span = window(db, q)
    if span is None:
        return CountRows([], {})
    per: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for period, key, mentions, originals in grouped(db, q, span):
        per[period][key] = (mentions, originals)
    keys = sorted({key for cells in per.values() for key in cells})
    if not keys:
        return CountRows([], {})
    names = _names(db, q, keys)
    ordered = sorted(keys, key=lambda k: names[k])
    # One key's shares are of all its kind's mentions: each period's total, summed in SQL.
    whole = {period: (n, nd) for period, _, n, nd in grouped(
        db, replace(q, focus=None), span, by_key=False)} if q.focus else None
    out = []
    for period in periods(*span, q.interval):
        cells = per.get(period, {})
        if whole is not None:
            total, total_dedup = whole.get(period, (0, 0))
        else:
            total = sum(n for n, _ in cells.values())
            total_dedup = sum(nd for _, nd in cells.values())
        # The keys with mentions, busiest first (stable: names break ties), then the
        # zeros, in name order: most keys of a long window are zeros in most periods.
        busy = sorted((k for k, (n, _) in cells.items() if n),
                      key=lambda k: (-cells[k][0], names[k], k))
        # Each number's share once: most are small numbers that many keys share
        # (rounding took 1.4 s of 746,000 counts).
        share = {n: _share(n, total) for n, _ in cells.values()}
        share_dedup = {nd: _share(nd, total_dedup) for _, nd in cells.values()}
        rows = []
        for k in busy[:first]:
            n, nd = cells[k]
            rows.append(Count(period, k, names[k], n, nd, share[n], share_dedup[nd]))
        shown = set(busy)
        idle = [] if first is not None else [k for k in ordered if k not in shown]
        out.append((period, rows, idle))
    return CountRows(out, names)



def totals(db: Database, q: StatsQuery, first: int | None = None) -> list[Total]:
    """Mentions per key over the whole window, most mentioned first (``first``: only
    the first so many, whose names alone are read: a page's top ten of 20,000)."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    span = window(db, q)
    # The window as one period: SQLite groups by key alone (20,000 politicians, not
    # 20,000 x 52 weeks).
    for _, key, mentions, originals in grouped(db, q, span, by_period=False) if span else []:
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


def _key_sql(q: StatsQuery) -> str:
    return {"party": "m.entity_id" if q.direct else "m.party_id",
            "politician": "m.entity_id", "source": "d.source",
            "lang": "coalesce(d.lang, '')"}[q.by]


def _where(db: Database, q: StatsQuery) -> tuple[list[str], list]:
    """Conditions on ``m`` (mentions), ``d`` (documents) and ``e`` (the entity): the
    mention filters of `tracker mentions`, and the kind of entity counted."""
    flt = MentionFilter(source=q.source, since=q.since, until=q.until, lang=q.lang,
                        no_duplicates=q.no_duplicates, position=q.position, type=q.type,
                        no_discovered=q.no_discovered, raw=q.raw,
                        search=q.search)
    where, params = where_clauses(db, flt, TABLE_COLUMNS)
    if q.by == "party" and q.direct:
        where.append("m.method != 'member'")  # the party's own names, not its members'
    if q.by == "politician" or (q.by == "party" and q.direct):
        where.append("e.type = ?")
        params.append(q.by)
    return where, params


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
