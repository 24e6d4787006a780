"""The counts a window holds, per period and key: read from the daily counts and their
roll-ups (kept by triggers, ``tracker.counting``) when only dates filter, so a year of a
million mentions takes milliseconds, and from the mentions themselves otherwise; less the
mentions reviewers marked wrong. ``tracker.stats`` makes the figures of them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from sqlite_utils import Database

from tracker.periods import blocks, period_of
from tracker.query import TABLE_COLUMNS, MentionFilter, where_clauses

if TYPE_CHECKING:
    from tracker.stats import StatsQuery


def grouped(db: Database, q: StatsQuery, span: tuple[dt.date, dt.date], *,
            by_key: bool = True, by_period: bool = True) -> list[tuple[str, str, int, int]]:
    """(period, key, mentions, mentions in originals) for each period and key with
    mentions (``by_key=False``: each period's total, key ''; ``by_period=False``: the
    whole window as one period ''; ``q.focus``: that key's rows only). The daily counts
    are read as whole months and weeks from their roll-ups plus the days left over; days,
    weeks and months map to periods through small tables of values, so SQLite groups
    without calling date functions on every row."""
    if span[0] > span[1]:
        return []
    interval = q.interval if by_period else None
    if q.simple:
        dimension, kind = _dimension(q)
        cut = blocks(span, q.interval if by_period else None)
        if kind == "politician" and not by_key and not q.focus:
            rows = _politician_totals(db, cut)
        elif by_key and by_period and not q.focus and len(
                {period for rows in cut.values() for _, period in rows}) > 1:
            # (One period, a download's first: SQLite looks its few keys up faster than
            # all 20,000 of a type are read.)
            rows = _typed_counts(db, dimension, cut, kind)
        else:
            sql, params = _counts_sql(dimension, cut, by_key=by_key, focus=q.focus,
                                      entity_type=kind)
            rows = db.execute(sql, params).fetchall()
        if not q.raw:
            wrong = _wrong(db, q, span, interval)
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
        key = key_sql(q)
        where, params = where_sql(db, q)
        if q.focus:
            where.append(f"{key} = ?")
            params.append(q.focus)
        # One source: its documents first, by their index, then their mentions (CROSS
        # JOIN fixes the order; left to itself SQLite read the year's 500,000 mentions
        # and looked each one's document up: 0.7 s for one source's 12,000).
        mentions = ("documents d CROSS JOIN mentions m ON m.document_id = d.id"
                    if q.source and not q.focus
                    else "mentions m JOIN documents d ON d.id = m.document_id")
        sql = (_periods_cte(span, interval)
               + f"SELECT p.period, {key if by_key else chr(39) * 2}, count(*), "
               f"sum(d.duplicate_of IS NULL) FROM {mentions} "
               "JOIN entities e ON e.id = m.entity_id "
               "JOIN p ON p.day = substr(m.published_at, 1, 10) "
               f"WHERE {key} IS NOT NULL{''.join(' AND ' + w for w in where)} GROUP BY 1, 2")
        rows = db.execute(sql, params).fetchall()
    if q.no_duplicates:  # copies left out: both figures are the originals'
        return [(period, key, n, n) for period, key, _, n in rows if n]
    return rows


def _periods_cte(span: tuple[dt.date, dt.date], interval: str | None) -> str:
    """A table of values p(day, period) of the window's days (``interval`` None: the
    whole window as one period '')."""
    days, day = [], span[0]
    while day <= span[1]:
        period = period_of(day.isoformat(), interval) if interval else ""
        days.append(f"('{day.isoformat()}', '{period}')")
        day += dt.timedelta(days=1)
    return f"WITH p(day, period) AS (VALUES {', '.join(days)}) "


def window_keys(db: Database, q: StatsQuery, span: tuple[dt.date, dt.date]
                ) -> dict[str, str | None] | None:
    """The keys ``grouped(db, q, span)`` gives rows of, found without summing them: every
    key with a daily count or roll-up above zero in the window, less those whose every
    period the reviews empty; each with its entity's name when the figures are of one
    type of entity (else None). None when that cannot be told so (other filters, one
    key, copies left out: a period of originals summing to zero is not seen here).
    Every politician by month over three years: the 167,000 (month, person) sums took
    0.4 s; telling their 20,000 keys, 50 to 90 ms."""
    if not q.simple or q.focus or q.no_duplicates:
        return None
    dimension, kind = _dimension(q)
    cut = blocks(span, q.interval)
    if kind:
        # Each entity of the type probed once by the index of keys' days (m015): a
        # DISTINCT over every politician's month rows took 100 to 260 ms.
        sql = ("SELECT e.id, e.name FROM entities e WHERE e.type = ? AND EXISTS ("
               "SELECT 1 FROM mention_counts c WHERE c.dimension = ? AND c.key = e.id "
               "AND c.day BETWEEN ? AND ? AND c.mentions > 0)")
        keys = dict(db.execute(sql, [kind, dimension, span[0].isoformat(),
                                     span[1].isoformat()]).fetchall())
    else:  # sources or languages: a few thousand rows
        ctes, parts = [], []
        for name, cte, table in _block_tables(cut, "?"):
            ctes.append(cte)
            parts.append(f"SELECT c.key AS key FROM {name} CROSS JOIN {table} "
                         "WHERE c.mentions > 0")
        if not parts:
            return {}
        keys = dict(db.execute(f"WITH {', '.join(ctes)} SELECT DISTINCT x.key, NULL FROM "
                               f"({' UNION ALL '.join(parts)}) x",
                               [dimension] * len(parts)).fetchall())
    wrong = [] if q.raw else _wrong(db, q, span, q.interval)
    touched = sorted({key for _, key, _, _ in wrong if key in keys})
    if not touched:
        return keys
    # The reviewed keys' own sums per period, as ``grouped`` makes them.
    sums = _key_sums(db, dimension, cut, touched, None, by_period=True)
    left = {(period, key) for period, key, _, _ in _less(
        [(period, key, n, o) for (period, key), (n, o) in sums.items()], wrong)}
    for key in set(touched) - {key for _, key in left}:
        del keys[key]
    return keys


def _dimension(q: StatsQuery) -> tuple[str, str | None]:
    """The daily counts' dimension that answers ``q``, and the entity type its keys must
    have (None: any key)."""
    dimension = {"party": "entity" if q.direct else "party", "politician": "entity"}.get(
        q.by, q.by)
    kind = None if dimension != "entity" else "party" if q.by == "party" else "politician"
    return dimension, kind


def top_totals(db: Database, q: StatsQuery, span: tuple[dt.date, dt.date], first: int
               ) -> tuple[dict[str, tuple[int, int]], tuple[int, int]] | None:
    """The keys that may rank among the ``first`` over the window (those tied with the
    last included), with their (mentions, originals), and the totals of every key; as
    ``grouped(by_period=False)`` would sum them, without reading every key's rows. None
    when the window's counts cannot settle it that way (the caller sums them all).

    A year's top ten of 20,000 politicians summed every politician's month rows (185,000
    over a million mentions: 200 ms). Here each block of the window gives its busiest
    rows; a key that is among none of them has at most the sum of each block's last
    value shown. When the ``first``-th of the keys shown, counted exactly, beats that
    sum, no other key can reach it. Every key's total is one scan with no grouping."""
    if not q.simple or q.focus:
        return None
    dimension, kind = _dimension(q)
    cut = blocks(span, None)
    wrong = [] if q.raw else _wrong(db, q, span, None)

    def exact(keys: list[str]) -> dict[str, tuple[int, int]]:
        per = _key_sums(db, dimension, cut, keys, kind)
        for _, key, n, o in wrong:
            if key in per:
                per[key] = (per[key][0] - n, per[key][1] - o)
        return per

    per = _bounded_top(db, dimension, cut, first, q.no_duplicates, exact)
    if per is None:
        return None
    ctes, parts = [], []
    for name, cte, table in _block_tables(cut, "?"):
        ctes.append(cte)
        # +c.key: a scan of the block's rows, each key tested, not a probe for every
        # entity of the type in every block.
        parts.append(f"SELECT c.mentions AS n, c.originals AS o FROM {name} CROSS JOIN "
                     f"{table} WHERE c.mentions > 0" + (" AND +c.key IN typed" if kind else ""))
    typed = "typed(id) AS (SELECT id FROM entities WHERE type = ?), " if kind else ""
    n, o = db.execute(f"WITH {typed}{', '.join(ctes)} SELECT coalesce(sum(x.n), 0), "
                      f"coalesce(sum(x.o), 0) FROM ({' UNION ALL '.join(parts)}) x",
                      ([kind] if kind else []) + [dimension] * len(parts)).fetchone()
    n -= sum(w[2] for w in wrong)
    o -= sum(w[3] for w in wrong)
    if q.no_duplicates:  # copies left out: both figures are the originals'
        return {key: (o_, o_) for key, (n_, o_) in per.items() if n_ > 0 and o_}, (o, o)
    return {key: v for key, v in per.items() if v[0] > 0}, (n, o)


def _bounded_top(db: Database, dimension: str, cut: dict[str, list[tuple[str, str]]],
                 first: int, originals: bool,
                 exact: Callable[[list[str]], dict[str, tuple[int, int]]]
                 ) -> dict[str, tuple[int, int]] | None:
    """``exact``'s (mentions, originals) of the keys that may rank among the ``first`` by
    mentions (``originals``: by originals) over the blocks ``cut``, or None when each
    block's busiest rows cannot settle it. A key among none of a block's rows shown has
    at most the sum of each block's last value shown; the ``first``-th key shown,
    counted exactly (``exact``: less reviews, of the right type), must beat it."""
    column = "originals" if originals else "mentions"
    block_rows = [(grain, at) for grain, rows in cut.items() for at, _ in rows]
    for shown in (first * 4 + 20, first * 40 + 200):
        seen: set[str] = set()
        bound, whole = 0, True
        for grain, at in block_rows:
            rows = db.execute(
                f"SELECT key, {column} FROM mention_counts WHERE dimension = ? AND day = ? "
                f"ORDER BY {column} DESC LIMIT ?" if grain == "day" else
                f"SELECT key, {column} FROM mention_rollups WHERE grain = '{grain}' AND "
                f"dimension = ? AND period = ? ORDER BY {column} DESC LIMIT ?",
                [dimension, at, shown]).fetchall()
            seen.update(key for key, _ in rows)
            if len(rows) == shown:  # (a drifted count below zero bounds nothing)
                bound, whole = bound + max(rows[-1][1], 0), False
        per = exact(sorted(seen))
        if whole:  # every block's rows were shown: every key is counted
            return per
        values = sorted((o if originals else n for n, o in per.values()), reverse=True)
        if len(values) >= first and values[first - 1] > bound:
            return per
    return None


def _key_sums(db: Database, dimension: str, cut: dict[str, list[tuple[str, str]]],
              keys: list[str], kind: str | None, *, known: bool = False,
              by_period: bool = False) -> dict:
    """(mentions, originals) of each of ``keys`` (of type ``kind``; ``known``: of those
    in the entities table) over the blocks (``by_period``: of each (period, key))."""
    if not keys:
        return {}
    ctes, parts = [], []
    for name, cte, table in _block_tables(cut, "?"):
        ctes.append(cte)
        parts.append(f"SELECT {name}.period AS period, c.key AS key, c.mentions AS n, "
                     f"c.originals AS o FROM {name} CROSS JOIN {table} AND c.key IN k "
                     "WHERE c.mentions > 0")
    marks = ", ".join("(?)" for _ in keys)
    typed = (" CROSS JOIN entities e ON e.id = x.key" if kind or known else "") + (
        " WHERE e.type = ?" if kind else "")
    group = "x.period, x.key" if by_period else "x.key"
    sql = (f"WITH k(id) AS (VALUES {marks}), {', '.join(ctes)} SELECT {group}, sum(x.n), "
           f"sum(x.o) FROM ({' UNION ALL '.join(parts)}) x{typed} GROUP BY {group}")
    params = keys + [dimension] * len(parts) + ([kind] if kind else [])
    if by_period:
        return {(period, key): (n, o) for period, key, n, o in db.execute(sql, params)}
    return {key: (n, o) for key, n, o in db.execute(sql, params)}


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
                  entity_type: str | None) -> list[tuple[str, str, int, int]]:
    """(period, key, mentions, originals) of every key (of one entity type), summed here:
    SQLite sorted a year's 185,000 (month, entity) rows to group them and looked each
    one's entity up (every politician by month over three years, 167,000 rows: 0.53 s,
    and 0.28 to 0.41 s here, on a quiet machine; a year of parties by week, untyped,
    118 -> 90 ms).
    Only a period cut into several blocks (its edge days) has more than one row a key.
    Over the whole window as one period SQLite is faster: it looks up each of the
    20,000 summed keys once (0.1 s, against 0.2 s here)."""
    typed = {key for (key,) in db.execute("SELECT id FROM entities WHERE type = ?",
                                          [entity_type])} if entity_type else None
    sql, params = _counts_sql(dimension, cut, by_key=True, focus=None, entity_type=None,
                              summed=False)
    summed: dict[tuple[str, str], tuple[int, int]] = {}
    for period, key, n, o in db.execute(sql, params):
        if typed is None or key in typed:
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
    counts hold each once) less the parties' own names. Those are read from each
    block's rows, each key tested against the parties (an index SQLite builds once):
    probing every party in every week was 763 x 52 lookups, 120 to 200 ms, against
    50 ms for the 316,000 rows of a year by week over a million mentions."""
    ctes, parts = [], []
    for name, cte, table in _block_tables(cut, "'entity'"):
        ctes.append(cte)
        parts.append(f"SELECT {name}.period AS period, c.mentions AS n, c.originals AS o "
                     f"FROM {name} CROSS JOIN {table} WHERE c.key IN parties")
    if not parts:
        return []
    sql = (f"WITH parties(id) AS (SELECT id FROM entities WHERE type = 'party'), "
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


def _wrong(db: Database, q: StatsQuery, span: tuple[dt.date, dt.date], interval: str | None
           ) -> list[tuple[str, str, int, int]]:
    """The mentions reviewers marked wrong, grouped as ``grouped`` groups the daily
    counts (which stay raw): a few rows, read through the reviews table."""
    if not db.execute("SELECT 1 FROM reviews WHERE verdict = 'wrong' LIMIT 1").fetchone():
        return []
    key = key_sql(q)
    kind = ("" if q.by not in ("party", "politician")
            else " AND e.type = 'politician'" if q.by == "politician" else "")
    # The reviews first (CROSS JOIN fixes the order): a few rows, each looked up.
    return db.execute(
        _periods_cte(span, interval) + f"SELECT p.period, {key}, count(*), "
        "sum(d.duplicate_of IS NULL) "
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


def key_sql(q: StatsQuery) -> str:
    """The SQL of what the figures count mentions of (``q.by``)."""
    return {"party": "m.entity_id" if q.direct else "m.party_id",
            "politician": "m.entity_id", "source": "d.source",
            "lang": "coalesce(d.lang, '')"}[q.by]


def where_sql(db: Database, q: StatsQuery) -> tuple[list[str], list]:
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


def entity_totals(db: Database, span: tuple[dt.date, dt.date], *, raw: bool = False,
                  first: int | None = None, originals: bool = False
                  ) -> dict[str, tuple[int, int]]:
    """Every entity's mentions and mentions in originals over the window, whatever its
    type (the entities whose sources `stats --by source` or `--by lang` ranks), from the
    daily counts less the mentions reviewed wrong (unless ``raw``): for figures that only
    dates filter. Keys missing from the entities table are left out, as the mentions'
    own reading (a join to the entities) leaves them. With ``first``, only the entities
    that may rank among the first so many by mentions (``originals``: by originals)
    when each block's busiest rows settle it (``_bounded_top``): summing all 20,000 was
    150 ms of a year over a million mentions."""
    cut = blocks(span, None)
    wrong: dict[str, tuple[int, int]] = {}
    if not raw:
        wrong = {key: (n, o) for key, n, o in db.execute(
            "SELECT m.entity_id, count(*), sum(d.duplicate_of IS NULL) FROM reviews r "
            "CROSS JOIN mentions m ON m.id = r.mention_id AND m.entity_id = r.entity_id "
            "CROSS JOIN documents d ON d.id = m.document_id WHERE r.verdict = 'wrong' "
            "AND substr(m.published_at, 1, 10) BETWEEN ? AND ? GROUP BY 1",
            [span[0].isoformat(), span[1].isoformat()])}

    def less(found: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        out = {}
        for key, (n, o) in found.items():
            less_n, less_o = wrong.get(key, (0, 0))
            if n - less_n > 0:
                out[key] = (n - less_n, o - less_o)
        return out

    def exact(keys: list[str]) -> dict[str, tuple[int, int]]:
        return less(_key_sums(db, "entity", cut, keys, None, known=True))

    if first is not None:
        top = _bounded_top(db, "entity", cut, first, originals, exact)
        if top is not None:
            return top
    sql, params = _counts_sql("entity", cut, by_key=True, focus=None, entity_type=None)
    known = {key for (key,) in db.execute("SELECT id FROM entities")}
    return less({key: (n, o) for _, key, n, o in db.execute(sql, params) if key in known})
