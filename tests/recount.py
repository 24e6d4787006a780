"""The counts the database keeps (daily counts and their roll-ups, co-mentions, each
source's counts, each document's total), and the same figures counted afresh from the
mentions: a test that stores or edits anything compares the two."""

from __future__ import annotations

import datetime as dt


def totals_kept(conn) -> dict:
    """Each document's total of mentions as kept (m014), by document id; a total left
    for a document that is not there shows as such."""
    return {i: n for i, n in conn.execute(
        "SELECT coalesce(d.id, 'no document ' || t.document), t.mentions "
        "FROM document_mentions t LEFT JOIN documents d ON d.rowid = t.document "
        "WHERE t.mentions != 0")}


def totals_recount(conn) -> dict:
    return dict(conn.execute("SELECT document_id, count(*) FROM mentions GROUP BY 1"))


def rolled(conn) -> dict:
    return {(g, d, p, k): (n, o) for g, d, p, k, n, o in conn.execute(
        "SELECT grain, dimension, period, key, mentions, originals FROM mention_rollups "
        "WHERE mentions != 0 OR originals != 0")}


def rollup(daily: dict) -> dict:
    """The daily counts summed by week (its Monday) and by month (its first day)."""
    out: dict = {}
    for (dimension, day, key), (n, o) in daily.items():
        date = dt.date.fromisoformat(day)
        for grain, period in (("week", date - dt.timedelta(days=date.weekday())),
                              ("month", date.replace(day=1))):
            a, b = out.get((grain, dimension, period.isoformat(), key), (0, 0))
            out[(grain, dimension, period.isoformat(), key)] = (a + n, b + o)
    return {k: v for k, v in out.items() if v != (0, 0)}


def counts_kept(conn) -> dict:
    return {(d, day, k): (n, o) for d, day, k, n, o in conn.execute(
        "SELECT dimension, day, key, mentions, originals FROM mention_counts "
        "WHERE mentions != 0 OR originals != 0")}


def counts_recount(conn) -> dict:
    out = {}
    for dimension, key in (("entity", "m.entity_id"), ("party", "m.party_id"),
                           ("source", "d.source"), ("lang", "coalesce(d.lang, '')")):
        for day, k, n, o in conn.execute(
                f"SELECT substr(m.published_at, 1, 10), {key}, count(*), "
                f"sum(d.duplicate_of IS NULL) FROM mentions m JOIN documents d "
                f"ON d.id = m.document_id WHERE {key} IS NOT NULL GROUP BY 1, 2"):
            out[(dimension, day, k)] = (n, o)
    return out


def pairs_kept(conn) -> dict:
    return {(kind, a, day, b): tuple(n) for kind, a, day, b, *n in conn.execute(
        "SELECT kind, a, day, b, sentences, documents, original_sentences, originals "
        "FROM pair_counts WHERE documents != 0 OR sentences != 0 OR originals != 0")}


def sources_kept(conn) -> dict:
    return {(kind, key, day, source): (n, o) for kind, key, day, source, n, o in conn.execute(
        "SELECT kind, key, day, source, mentions, originals FROM source_counts "
        "WHERE mentions != 0 OR originals != 0")}


def sources_recount(conn) -> dict:
    out = {}
    for kind, key in (("entity", "m.entity_id"), ("party", "m.party_id")):
        for day, k, source, n, o in conn.execute(
                f"SELECT substr(m.published_at, 1, 10), {key}, d.source, count(*), "
                f"sum(d.duplicate_of IS NULL) FROM mentions m JOIN documents d "
                f"ON d.id = m.document_id WHERE {key} IS NOT NULL GROUP BY 1, 2, 3"):
            out[(kind, k, day, source)] = (n, o)
    return out


def pairs_recount(conn) -> dict:
    """Co-mentions counted afresh: for each document and day, each two keys named in it,
    and the sentences naming both (both ways round, as the table keeps them)."""
    out: dict = {}
    rows = conn.execute(
        "SELECT m.document_id, substr(m.published_at, 1, 10), m.entity_id, m.party_id, "
        "m.sentence, d.duplicate_of IS NULL FROM mentions m "
        "JOIN documents d ON d.id = m.document_id").fetchall()
    for kind, column in (("entity", 2), ("party", 3)):
        docs: dict = {}
        for row in rows:
            if row[column] is not None:
                sentences = docs.setdefault((row[0], row[1]), ({}, row[5]))[0]
                sentences.setdefault(row[4], set()).add(row[column])
        for (_, day), (sentences, original) in docs.items():
            keys = set().union(*sentences.values())
            for a in keys:
                for b in keys - {a}:
                    n = sum(1 for named in sentences.values() if {a, b} <= named)
                    s, d, os_, o = out.get((kind, a, day, b), (0, 0, 0, 0))
                    out[(kind, a, day, b)] = (s + n, d + 1, os_ + n * original, o + original)
    return out
