"""The figures around one entity: who is named with whom (co-mentions) and which sources
name it most; and every view of `tracker stats` assembled over one window, as the CLI
and the API give them.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace

from sqlite_utils import Database

from tracker.errors import ConfigError
from tracker.grouping import entity_totals, where_sql
from tracker.pairs import covered
from tracker.stats import (
    VIEWS,
    Count,
    StatsQuery,
    Total,
    _names,
    _share,
    as_dict,
    count_rows,
    totals,
    window,
)


@dataclass(frozen=True)
class Pair:
    key_a: str
    name_a: str
    key_b: str
    name_b: str
    sentences: int
    documents: int
    documents_dedup: int


@dataclass(frozen=True)
class SourceCount:
    key: str
    name: str
    source: str
    mentions: int
    mentions_dedup: int
    share: float  # of this entity's mentions


def co_mentions(db: Database, q: StatsQuery, *, kept: bool = True) -> list[Pair]:
    """Pairs of entities named in the same sentence, and in the same document, most
    frequent first. Parties pair up by the party a mention counts for (a PS politician
    beside an LR one pairs PS with LR); otherwise entities pair up themselves.

    When only dates (and copies) filter, the pairs kept as documents were stored answer
    (``pair_counts``, m012), less the documents with a mention reviewed wrong, counted
    again; other filters (``kept=False``, which tests use to check the two agree) count
    the mentions of every document in the window."""
    if kept and q.simple:
        with snapshot(db):
            sentences, documents, originals = _kept(db, q)
    else:
        sentences, documents, originals = _count(db, q)
    if q.focus:
        documents = Counter({p: n for p, n in documents.items() if q.focus in p})
    ranked = sorted(documents, key=lambda p: (-sentences[p], -documents[p], p))[:q.top]
    names = _names(db, q, [k for pair in ranked for k in pair], entities=True)
    return [Pair(a, names[a], b, names[b], sentences[(a, b)], documents[(a, b)],
                 originals[(a, b)]) for a, b in ranked]


UNCOVERED = 5000  # documents past the kept pairs, beyond which counting them all is faster
Counts = tuple[Counter[tuple[str, str]], Counter[tuple[str, str]], Counter[tuple[str, str]]]


def _no_pairs() -> Counts:
    return Counter(), Counter(), Counter()


def _pair_key(q: StatsQuery) -> str:
    return "m.party_id" if q.by == "party" and not q.direct else "m.entity_id"


def _mentions(only: list[str] | None) -> tuple[str, list]:
    """The mentions with their documents and entities; ``only``: those documents' alone,
    read through the document index (CROSS JOIN fixes the order: left to itself, SQLite
    read the 126,000 mentions of a party to find the few in ``only``)."""
    joins = "JOIN documents d ON d.id = m.document_id JOIN entities e ON e.id = m.entity_id"
    if only is None:
        return f"mentions m {joins}", []
    return (f"json_each(?) AS j CROSS JOIN mentions m ON m.document_id = j.value {joins}",
            [json.dumps(only)])


def _count(db: Database, q: StatsQuery, only: list[str] | None = None) -> Counts:
    """Sentences, documents and original documents per pair, counted from the mentions:
    they stream out one document after another, in constant memory (a year of a million
    mentions takes seconds). ``only``: the only documents to read (a few: every pair of
    theirs is counted, and ``co_mentions`` keeps the focus's)."""
    if only == []:
        return _no_pairs()
    key = _pair_key(q)
    where, params = where_sql(db, q)
    if q.focus and only is None:  # the documents that name it, and only its pairs
        where.append(f"m.document_id IN (SELECT m2.document_id FROM mentions m2 WHERE "
                     f"{key.replace('m.', 'm2.')} = ?)")
        params.append(q.focus)
    mentions, first = _mentions(only)
    cond = "".join(" AND " + w for w in where)
    cursor = db.execute(
        f"SELECT m.document_id, m.sentence, {key}, d.duplicate_of IS NULL "
        f"FROM {mentions} WHERE {key} IS NOT NULL{cond} ORDER BY m.document_id",
        first + params)
    sentences, documents, originals = _no_pairs()
    for _, rows in itertools.groupby(cursor, key=lambda r: r[0]):
        keys: set[str] = set()
        by_sentence: dict[str, set[str]] = defaultdict(set)
        original = False
        for _, sentence, k, is_original in rows:
            keys.add(k)
            by_sentence[sentence].add(k)
            original = bool(is_original)
        pairs = list(itertools.combinations(sorted(keys), 2))
        documents.update(pairs)
        if original:
            originals.update(pairs)
        for named in by_sentence.values():
            if len(named) > 1:
                sentences.update(itertools.combinations(sorted(named), 2))
    return sentences, documents, originals


def _kept(db: Database, q: StatsQuery) -> Counts:
    """The pairs kept per day for the documents the table covers (one range of it for
    an entity's page), plus those of the documents past them, counted from their
    mentions, less what the mentions reviewed wrong added: their documents are counted
    again with and without them."""
    if _not_a_politician(db, q):
        return _no_pairs()
    newer, wrong = _uncovered(db, q)
    if newer is None:
        return _count(db, q)
    past = _of(_count(db, q, newer), q.focus)
    # What the wrong mentions' documents hold in the table, and what they should count.
    held = _of(_count(db, replace(q, raw=True), wrong), q.focus)
    left = _of(_count(db, q, wrong), q.focus)
    where, params = _days(q, "p.kind = ?", ["party" if q.by == "party" else "entity"])
    # Without copies, the figures of the original documents alone.
    named, docs = (("original_sentences", "originals") if q.no_duplicates
                   else ("sentences", "documents"))
    sums = f"sum(p.{named}) AS n, sum(p.{docs}) AS docs, sum(p.originals) AS orig"
    if q.focus:  # one range of the key; its partners' kind checked once a partner
        table = (f"SELECT ? AS a, p.b AS b, {sums} FROM pair_counts p WHERE "
                 f"{' AND '.join(where)} AND p.a = ? GROUP BY p.b")
        params = [q.focus, *params, q.focus]
    else:
        table = (f"SELECT p.a AS a, p.b AS b, {sums} FROM pair_counts p WHERE "
                 f"{' AND '.join(where)} AND p.a < p.b GROUP BY p.a, p.b")
    kinds = ""
    if q.by == "politician":  # pairs of politicians only (tracker.grouping.where_sql)
        kinds = (" JOIN entities ea ON ea.id = g.a AND ea.type = 'politician'"
                 " JOIN entities eb ON eb.id = g.b AND eb.type = 'politician'")
    # Ranked as co_mentions ranks (binary order is code point order): with nothing to
    # correct, only the first ``top`` (of 17,000 partners of a busy politician).
    first = "" if held != left or any(past) else (
        f" ORDER BY g.n DESC, g.docs DESC, min(g.a, g.b), max(g.a, g.b) LIMIT {int(q.top)}")
    rows = db.execute(f"SELECT g.a, g.b, g.n, g.docs, g.orig FROM ({table}) g{kinds} "
                      f"WHERE g.docs > 0{first}", params)
    sentences, documents, originals = _no_pairs()
    for a, b, n, docs_, orig in rows:
        pair = (a, b) if a < b else (b, a)
        sentences[pair], documents[pair], originals[pair] = n, docs_, orig
    for counter, more in zip((sentences, documents, originals), past, strict=True):
        counter.update(more)
    if held != left:
        for kept_, was, now in zip((sentences, documents, originals), held, left,
                                   strict=True):
            kept_.subtract(was)
            kept_.update(now)
        for counter in (sentences, documents, originals):
            for pair in [p for p, n in counter.items() if n <= 0]:
                del counter[pair]
    return sentences, documents, originals


def top_sources(db: Database, q: StatsQuery, *, kept: bool = True) -> list[SourceCount]:
    """For each of the ``top`` most mentioned keys, its ``top`` sources by mentions (for
    ``by=source`` or ``lang``: the most mentioned entities' sources). When only dates
    (and copies) filter, they come from the counts kept per source (``source_counts``,
    m012) as co-mentions do; ``kept=False`` counts them."""
    if kept and q.simple:
        with snapshot(db):
            if q.focus:
                rows = _kept_sources(db, q)
            elif (uncovered := _uncovered(db, q))[0] is not None:
                # The top keys by their totals (the daily counts), then each one's kept
                # sources: counting every key's sources from a year's mentions took 3 s.
                rows = [row for key in _busiest(db, q)
                        for row in _kept_sources(db, replace(q, focus=key), uncovered)]
            else:
                rows = _source_rows(db, q)
    else:
        rows = _source_rows(db, q)
    per_key: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for k, source, n, nd in rows:
        per_key[k].append((source, n, nd))
    ranked = sorted(per_key, key=lambda k: (-sum(n for _, n, _ in per_key[k]), k))[:q.top]
    names = _names(db, q, ranked, entities=True)
    out = []
    for k in ranked:
        total = sum(n for _, n, _ in per_key[k])
        for source, n, nd in sorted(per_key[k], key=lambda c: (-c[1], c[0]))[:q.top]:
            out.append(SourceCount(k, names[k], source, n, nd, _share(n, total)))
    return out


def _busiest(db: Database, q: StatsQuery) -> list[str]:
    """The ``top`` keys with most mentions over the window, as ``top_sources`` ranks them
    (ties by key): parties or politicians, or for a source or a language, entities of
    every type."""
    if q.by in ("party", "politician"):
        ranked = [(t.mentions, t.key) for t in totals(db, q)]
    elif (span := window(db, q)) is None:
        return []
    else:
        ranked = [(o if q.no_duplicates else n, key)
                  for key, (n, o) in entity_totals(
                      db, span, raw=q.raw, first=q.top, originals=q.no_duplicates).items()]
    return [key for _, key in sorted(ranked, key=lambda t: (-t[0], t[1]))[:q.top]]


def _source_rows(db: Database, q: StatsQuery, only: list[str] | None = None
                 ) -> list[tuple[str, str, int, int]]:
    """(key, source, mentions, in originals) counted from the mentions (``only``: of
    those documents alone)."""
    if only == []:
        return []
    key = _pair_key(q)
    where, params = where_sql(db, q)
    if q.focus:
        where.append(f"{key} = ?")
        params.append(q.focus)
    mentions, first = _mentions(only)
    cond = "".join(" AND " + w for w in where)
    return db.execute(
        f"SELECT {key} AS key, d.source, count(*), sum(d.duplicate_of IS NULL) "
        f"FROM {mentions} WHERE {key} IS NOT NULL{cond} GROUP BY 1, 2",
        first + params).fetchall()


def _kept_sources(db: Database, q: StatsQuery, uncovered: tuple | None = None
                  ) -> list[tuple[str, str, int, int]]:
    """One key's sources: the kept counts of the covered documents, those of the newer
    ones counted, less what mentions reviewed wrong added (``uncovered``: those
    documents, when the caller read them already for the same window)."""
    if _not_a_politician(db, q):
        return []
    newer, wrong = uncovered if uncovered is not None else _uncovered(db, q)
    if newer is None:
        return _source_rows(db, q)
    where, params = _days(q, "kind = ? AND key = ?",
                          ["party" if q.by == "party" else "entity", q.focus])
    mentions: Counter[str] = Counter()
    originals: Counter[str] = Counter()
    for source, n, o in db.execute(
            f"SELECT source, sum(mentions), sum(originals) FROM source_counts "
            f"WHERE {' AND '.join(where)} GROUP BY source", params):
        mentions[source] += o if q.no_duplicates else n  # without copies: originals'
        originals[source] += o
    for sign, rows in ((1, _source_rows(db, q, newer)),
                       (-1, _source_rows(db, replace(q, raw=True), wrong)),
                       (1, _source_rows(db, q, wrong))):
        for _, source, n, nd in rows:
            mentions[source] += sign * n
            originals[source] += sign * nd
    return [(q.focus, source, mentions[source], originals[source])
            for source in sorted(mentions) if mentions[source] > 0]


def _of(counts: Counts, focus: str | None) -> Counts:
    """The focus's pairs alone (others in the same documents concern no one here)."""
    if focus is None:
        return counts
    sentences, documents, originals = (Counter({p: n for p, n in c.items() if focus in p})
                                       for c in counts)
    return sentences, documents, originals


def _not_a_politician(db: Database, q: StatsQuery) -> bool:
    """Whether the figures are of politicians and the focus is not one (no figures)."""
    return bool(q.by == "politician" and q.focus and not db.execute(
        "SELECT 1 FROM entities WHERE id = ? AND type = 'politician'", [q.focus]).fetchone())


def _days(q: StatsQuery, first: str, params: list, day: str = "day"
          ) -> tuple[list[str], list]:
    """``first`` and the window's days, as conditions on ``day`` (a kept table's)."""
    where = [first]
    if q.since:
        where.append(f"{day} >= ?")
        params.append(q.since.isoformat())
    if q.until:
        where.append(f"{day} <= ?")
        params.append(q.until.isoformat())
    return where, params


def _uncovered(db: Database, q: StatsQuery) -> tuple[list[str] | None, list[str]]:
    """The documents past the kept counts (None: too many, count everything from the
    mentions), and the covered ones holding a mention reviewed wrong (unless ``raw``)."""
    upto = covered(db)
    newer = [row[0] for row in db.execute(
        "SELECT id FROM documents WHERE rowid > ? LIMIT ?", [upto, UNCOVERED + 1])]
    if len(newer) > UNCOVERED:  # nothing has counted them for a while (no server ran)
        return None, []
    # Those in the window only: a wrong review elsewhere changes nothing here.
    where, params = _days(q, "d.rowid <= ?", [upto], day="substr(m.published_at, 1, 10)")
    wrong = [] if q.raw else [row[0] for row in db.execute(
        "SELECT DISTINCT r.document_id FROM reviews r CROSS JOIN mentions m "
        "ON m.id = r.mention_id AND m.entity_id = r.entity_id CROSS JOIN documents d "
        f"ON d.id = r.document_id WHERE r.verdict = 'wrong' AND {' AND '.join(where)}",
        params)]
    return newer, wrong


@contextlib.contextmanager
def snapshot(db: Database) -> Iterator[None]:
    """One read transaction for the kept counts, their watermark and the documents past
    it (a batch counted in between would otherwise count twice), or for every figure of
    a download."""
    conn = db.conn
    if conn.in_transaction:  # the caller's own (a store writing): already one state
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")  # read alone


def columns(view: str) -> list[str]:
    """A view's CSV columns, which an empty window's file has too."""
    row = {"counts": Count, "totals": Total, "co-mentions": Pair, "sources": SourceCount}
    return [f.name for f in fields(row[view])]


def figures(db: Database, q: StatsQuery, view: str = "all", *, table: bool = False
            ) -> tuple[StatsQuery, dict[str, Sequence]]:
    """The figures of one view (or ``all``), every view over the same days: the query
    with its window filled in, and each view's rows (``table``: the counts a table
    shows, each period's top keys with mentions)."""
    q = _windowed(db, q, view)
    shown = (lambda db_, q_: count_rows(db_, q_, first=q_.top)) if table else count_rows
    return q, dict(_views(db, q, view, shown))


def figures_as_read(db: Database, q: StatsQuery, view: str = "all"
                    ) -> Iterator[tuple[str, Sequence]]:
    """``figures``' views as (view, rows), each computed when the one before has been
    read, the counts' first period before the others (``count_rows(lazily=True)``):
    what a download writes as it goes. The caller keeps ``db`` in one read transaction
    (``snapshot``) until the last row is read."""
    yield from _views(db, _windowed(db, q, view), view,
                      lambda db_, q_: count_rows(db_, q_, lazily=True))


def _views(db: Database, q: StatsQuery, view: str, counts: Callable
           ) -> Iterator[tuple[str, Sequence]]:
    """Each view asked for (``all``: every one), made when it is reached (``counts``:
    how the counts are made)."""
    makers = {"counts": counts, "co-mentions": co_mentions, "sources": top_sources,
              "totals": lambda db_, q_: totals(db_, q_, first=q_.top)}
    for name in VIEWS:
        if view in (name, "all"):
            yield name, makers[name](db, q)


def _windowed(db: Database, q: StatsQuery, view: str) -> StatsQuery:
    """``q`` with its window's days filled in (``view`` checked first)."""
    if view not in (*VIEWS, "all"):
        raise ConfigError(f"view must be one of {', '.join(VIEWS)} or all, not {view!r}")
    span = window(db, q)
    return replace(q, since=span[0], until=span[1]) if span else q


def records(figures: dict[str, Sequence]) -> Iterator[dict]:
    """Each figure as the JSON object `tracker stats --format jsonl` writes."""
    for name, rows in figures.items():
        for row in rows:
            yield {"view": name, **as_dict(row)}
