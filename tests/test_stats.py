"""A communications team's story: who was talked about each week, their share of voice,
who was named alongside whom, which outlets drove it — every figure checked against the
hand count in tests/newsroom.py (six documents over three weeks, D4 a copy of D3)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import sqlite3
import subprocess
import sys
from types import SimpleNamespace

import pytest
from sqlite_utils import Database

from tests.newsroom import build_newsroom
from tests.recount import (
    counts_kept,
    counts_recount,
    pairs_kept,
    pairs_recount,
    rolled,
    rollup,
    sources_kept,
    sources_recount,
    totals_kept,
    totals_recount,
)
from tracker import export, figures, pairs, review
from tracker.figures import co_mentions, top_sources
from tracker.models import Article, Mention
from tracker.stats import StatsQuery, counts, totals
from tracker.store import Store

W1, W2, W3 = "2026-03-02", "2026-03-09", "2026-03-16"
MARCH = dict(since=dt.date(2026, 3, 1), until=dt.date(2026, 3, 31))


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory, kb):
    path = tmp_path_factory.mktemp("newsroom") / "tracker.db"
    ids = build_newsroom(path, kb)
    return path, ids


@pytest.fixture
def db(newsroom):
    with Store(newsroom[0], create=False) as store:
        yield store.db


def table(rows) -> dict[tuple[str, str], tuple]:
    return {(r.period, r.key): (r.mentions, r.mentions_dedup, r.share, r.share_dedup)
            for r in rows}


def test_weekly_party_counts_with_share_of_voice(db):
    rows = counts(db, StatsQuery(by="party", interval="week", since=dt.date(2026, 3, 2),
                                 until=dt.date(2026, 3, 22)))
    assert table(rows) == {
        # week 1: Macron twice (Renaissance), Le Pen and Bardella (RN), the PS itself
        (W1, "renaissance"): (2, 2, 0.4, 0.4), (W1, "rn"): (2, 2, 0.4, 0.4),
        (W1, "ps"): (1, 1, 0.2, 0.2), (W1, "lfi"): (0, 0, 0.0, 0.0),
        # week 2: Faure (PS) and the RN, in D3 and in its copy D4
        (W2, "ps"): (2, 1, 0.5, 0.5), (W2, "rn"): (2, 1, 0.5, 0.5),
        (W2, "renaissance"): (0, 0, 0.0, 0.0), (W2, "lfi"): (0, 0, 0.0, 0.0),
        # week 3: D5 Macron, Le Pen, Faure; D6 PS, LFI, Macron
        (W3, "renaissance"): (2, 2, 0.3333, 0.3333), (W3, "ps"): (2, 2, 0.3333, 0.3333),
        (W3, "rn"): (1, 1, 0.1667, 0.1667), (W3, "lfi"): (1, 1, 0.1667, 0.1667),
    }
    # Within a week the busiest come first, names breaking ties; weeks in order.
    assert [r.key for r in rows[:4]] == ["rn", "renaissance", "ps", "lfi"]
    assert [r.name for r in rows if r.period == W3][:2] == ["Parti socialiste", "Renaissance"]


def test_other_dimensions_and_intervals(db):
    politicians = counts(db, StatsQuery(by="politician", interval="week", **MARCH))
    assert {k: v[0] for k, v in table(politicians).items() if v[0]} == {
        (W1, "emmanuel-macron"): 2, (W1, "marine-le-pen"): 1, (W1, "jordan-bardella"): 1,
        (W2, "olivier-faure"): 2,
        (W3, "emmanuel-macron"): 2, (W3, "marine-le-pen"): 1, (W3, "olivier-faure"): 1}
    # March 1st is a Sunday: its week starts on February 23rd, and holds no mention.
    assert {r.period for r in politicians} == {"2026-02-23", W1, W2, W3, "2026-03-23",
                                               "2026-03-30"}
    direct = counts(db, StatsQuery(by="party", direct=True, interval="month", **MARCH))
    assert {r.key: (r.mentions, r.mentions_dedup) for r in direct} == {
        "ps": (2, 2), "rn": (2, 1), "lfi": (1, 1)}
    sources = counts(db, StatsQuery(by="source", interval="week", **MARCH))
    assert {k: v[:2] for k, v in table(sources).items() if v[0]} == {
        (W1, "lemonde"): (3, 3), (W1, "figaro"): (2, 2), (W2, "figaro"): (2, 2),
        (W2, "agence"): (2, 0), (W3, "bbc"): (3, 3), (W3, "lemonde"): (3, 3)}
    langs = counts(db, StatsQuery(by="lang", interval="month", **MARCH))
    assert {r.key: (r.mentions, r.share) for r in langs} == {"fr": (12, 0.8), "en": (3, 0.2)}
    days = counts(db, StatsQuery(by="party", interval="day", since=dt.date(2026, 3, 10),
                                 until=dt.date(2026, 3, 11)))
    assert {k: v[:2] for k, v in table(days).items()} == {
        ("2026-03-10", "ps"): (1, 1), ("2026-03-10", "rn"): (1, 1),
        ("2026-03-11", "ps"): (1, 0), ("2026-03-11", "rn"): (1, 0)}


def test_filters_read_the_mentions_and_agree_with_the_daily_counts(db):
    french = counts(db, StatsQuery(by="party", interval="week", lang="fr", **MARCH))
    assert {k: v[:2] for k, v in table(french).items() if k[0] == W3} == {
        (W3, "ps"): (1, 1), (W3, "lfi"): (1, 1), (W3, "renaissance"): (1, 1),
        (W3, "rn"): (0, 0)}
    # The same question through the mentions (a filter that keeps everything) and through
    # the daily counts kept by triggers gives the same figures, for every dimension.
    for by in ("party", "politician", "source", "lang"):
        for interval in ("day", "week", "month"):
            q = StatsQuery(by=by, interval=interval, **MARCH)
            raw = counts(db, dataclasses.replace(q, position="lead")) + counts(
                db, dataclasses.replace(q, position="body"))
            merged: dict = {}
            for r in raw:
                a, b = merged.get((r.period, r.key), (0, 0))
                merged[(r.period, r.key)] = (a + r.mentions, b + r.mentions_dedup)
            fast = {(r.period, r.key): (r.mentions, r.mentions_dedup) for r in counts(db, q)}
            assert {k: v for k, v in merged.items() if v != (0, 0)} == {
                k: v for k, v in fast.items() if v != (0, 0)}, (by, interval)
    no_copies = counts(db, StatsQuery(by="party", no_duplicates=True, **MARCH))
    assert {k: v[:2] for k, v in table(no_copies).items() if k[0] == W2 and v[0]} == {
        (W2, "ps"): (1, 1), (W2, "rn"): (1, 1)}
    # Le Monde: D1 (Macron, Le Pen, the PS) and D6 (the PS, LFI, Macron).
    lemonde = totals(db, StatsQuery(by="party", source="lemonde", **MARCH))
    assert sorted((t.key, t.mentions) for t in lemonde) == [
        ("lfi", 1), ("ps", 2), ("renaissance", 2), ("rn", 1)]
    searched = totals(db, StatsQuery(by="party", search="repond", **MARCH))  # "répond"
    assert [(t.key, t.mentions) for t in searched] == [("rn", 1), ("renaissance", 1)]


def test_totals_co_mentions_and_top_sources(db):
    assert [(t.key, t.mentions, t.mentions_dedup, t.share, t.share_dedup)
            for t in totals(db, StatsQuery(by="party", **MARCH))] == [
        ("ps", 5, 4, 0.3333, 0.3077), ("rn", 5, 4, 0.3333, 0.3077),
        ("renaissance", 4, 4, 0.2667, 0.3077), ("lfi", 1, 1, 0.0667, 0.0769)]
    pairs = co_mentions(db, StatsQuery(by="party", **MARCH))
    assert [(p.key_a, p.key_b, p.sentences, p.documents, p.documents_dedup)
            for p in pairs] == [
        ("renaissance", "rn", 3, 3, 3),   # D1, D2, D5: in one sentence each time
        ("ps", "rn", 1, 4, 3),            # one sentence (D5); documents D1, D3, D4, D5
        ("ps", "renaissance", 1, 3, 3),   # D5; documents D1, D5, D6
        ("lfi", "ps", 1, 1, 1),           # D6
        ("lfi", "renaissance", 0, 1, 1)]  # D6, not in the same sentence
    people = co_mentions(db, StatsQuery(by="politician", top=2, **MARCH))
    assert [(p.name_a, p.name_b, p.sentences, p.documents) for p in people] == [
        ("Emmanuel Macron", "Marine Le Pen", 2, 2),
        ("Emmanuel Macron", "Jordan Bardella", 1, 1)]
    sources = top_sources(db, StatsQuery(by="party", top=2, **MARCH))
    assert [(s.key, s.source, s.mentions, s.mentions_dedup, s.share) for s in sources] == [
        ("ps", "lemonde", 2, 2, 0.4), ("ps", "agence", 1, 0, 0.2),
        ("rn", "figaro", 2, 2, 0.4), ("rn", "agence", 1, 0, 0.2)]


def test_kept_co_mentions_and_sources_equal_a_count_of_the_mentions(newsroom, monkeypatch):
    """An entity's page reads its co-mentions and top sources from the counts kept per
    document: the same figures as counting the mentions, for every kind of key, one key or
    all, with or without copies, over any window, before and after a mention is reviewed
    wrong (Faure in D5, which leaves the pair Macron-Le Pen there and takes Faure's out),
    and after a document is marked a copy; with no document covered, half, or all."""
    path, ids = newsroom
    copy = path.parent / "pairs.db"
    copy.write_bytes(path.read_bytes())
    with Store(copy, create=False) as store:
        db = store.db
        windows = [MARCH, dict(since=dt.date(2026, 3, 9), until=dt.date(2026, 3, 18)),
                   dict(since=dt.date(2026, 3, 20), until=dt.date(2026, 3, 20))]
        focuses = {"party": [None, "ps", "rn", "lfi"],
                   "politician": [None, "emmanuel-macron", "olivier-faure", "ps"],
                   "source": [None, "emmanuel-macron"], "lang": [None]}

        def compare() -> int:
            seen = 0
            for by, keys in focuses.items():
                for focus in keys:
                    for window in windows:
                        for no_duplicates in (False, True):
                            q = StatsQuery(by=by, focus=focus, top=100,
                                           no_duplicates=no_duplicates, **window)
                            kept = co_mentions(db, q)
                            assert kept == co_mentions(db, q, kept=False), q
                            first = dataclasses.replace(q, top=2)  # ties at the cut
                            assert co_mentions(db, first) == co_mentions(
                                db, first, kept=False), first
                            sources = top_sources(db, q)
                            assert sources == top_sources(db, q, kept=False), q
                            assert top_sources(db, first) == top_sources(
                                db, first, kept=False), first
                            seen += len(sources)
                            seen += len(kept)
            return seen

        assert compare() > 20  # no document covered: all counted from the mentions
        # The server's background count commits while a page reads: the page sees the
        # counts and the documents past them as of one moment, never both for a document.
        real = figures._uncovered

        def count_meanwhile(db_, q_):
            found = real(db_, q_)
            other = sqlite3.connect(copy)
            with other:
                pairs.catch_up(Database(other), batch=2)
            other.close()
            return found

        with monkeypatch.context() as patched:
            patched.setattr(figures, "_uncovered", count_meanwhile)
            q = StatsQuery(by="party", focus="ps", top=100, **MARCH)
            assert co_mentions(db, q) == co_mentions(db, q, kept=False)
            assert top_sources(db, q) == top_sources(db, q, kept=False)
        db.execute("DELETE FROM pair_counts")
        db.execute("DELETE FROM source_counts")
        db.execute("UPDATE pair_progress SET upto = 0")
        db.conn.commit()
        with store.write():
            assert pairs.catch_up(db, batch=3) == 3  # half kept, half counted
        assert compare() > 20
        with monkeypatch.context() as patched:  # too many past the kept: all counted
            patched.setattr(figures, "UNCOVERED", 2)
            assert compare() > 20
        # A review of a document not yet covered (D5), then of a covered one (D3).
        faure = db.execute("SELECT id FROM mentions WHERE document_id = ? AND "
                           "entity_id = 'olivier-faure'", [ids["D5"]]).fetchone()[0]
        review.record(db, faure, "wrong")
        db.conn.commit()
        compare()
        with store.write():
            assert pairs.catch_up(db) == 3
        compare()
        rn = db.execute("SELECT id FROM mentions WHERE document_id = ? AND entity_id = 'rn'",
                        [ids["D3"]]).fetchone()[0]
        review.record(db, rn, "wrong")
        db.conn.commit()
        compare()
        # D2 ("Bardella répond à Macron.") becomes a copy: a pair in one sentence of a copy.
        db.execute("UPDATE documents SET duplicate_of = ? WHERE id = ?", [ids["D1"], ids["D2"]])
        db.conn.commit()
        compare()
        pairs_d5 = co_mentions(db, StatsQuery(by="politician", focus="olivier-faure",
                                              since=dt.date(2026, 3, 16),
                                              until=dt.date(2026, 3, 22)))
        assert pairs_d5 == []  # Faure's only mention that week is wrong
        raw = co_mentions(db, StatsQuery(by="politician", focus="olivier-faure", raw=True,
                                         since=dt.date(2026, 3, 16),
                                         until=dt.date(2026, 3, 22)))
        assert [(p.key_a, p.key_b, p.sentences) for p in raw] == [
            ("emmanuel-macron", "olivier-faure", 1), ("marine-le-pen", "olivier-faure", 1)]


def test_counts_follow_retagging(newsroom, kb):
    """Daily counts are kept by triggers: replacing a document's mentions moves them."""
    path, ids = newsroom
    copy = path.parent / "retagged.db"
    copy.write_bytes(path.read_bytes())
    with Store(copy, create=False) as store:
        with store.write() as db:
            assert pairs.catch_up(db) == 6
        article = SimpleNamespace(published_at=dt.datetime(2026, 3, 3, tzinfo=dt.timezone.utc))
        store.replace_mentions(ids["D1"], article, [], kb_version=kb.version,
                               tagger_version="test")
        rows = table(counts(store.db, StatsQuery(by="party", since=dt.date(2026, 3, 2),
                                                 until=dt.date(2026, 3, 8))))
        assert rows == {(W1, "renaissance"): (1, 1, 0.5, 0.5), (W1, "rn"): (1, 1, 0.5, 0.5)}
        # D1's pairs (2026-03-03) went with its mentions, and come back with new ones.
        assert pairs_kept(store.db.conn) == pairs_recount(store.db.conn)
        assert sources_kept(store.db.conn) == sources_recount(store.db.conn)
        assert not any(day == "2026-03-03" for _, _, day, _ in pairs_kept(store.db.conn))
        assert ids["D1"] not in totals_kept(store.db.conn)
        assert totals_kept(store.db.conn) == totals_recount(store.db.conn)
        text = "Macron et Le Pen débattent. Le PS réagit."
        d1 = Article(source="lemonde", url="https://lemonde.example/d1", text=text,
                     lang="fr", published_at=article.published_at, date_source="feed",
                     fetched_at=article.published_at)
        store.replace_mentions(ids["D1"], d1, [
            Mention("emmanuel-macron", "politician", "renaissance", "Macron", 0, 6,
                    "Macron et Le Pen débattent.", "alias"),
            Mention("ps", "party", "ps", "PS", 32, 34, "Le PS réagit.", "alias")],
            kb_version=kb.version, tagger_version="test")
        assert pairs_kept(store.db.conn) == pairs_recount(store.db.conn)
        assert sources_kept(store.db.conn) == sources_recount(store.db.conn)
        assert totals_kept(store.db.conn) == totals_recount(store.db.conn)
        assert pairs_kept(store.db.conn)[("party", "ps", "2026-03-03", "renaissance")] == (
            0, 1, 0, 1)  # one document, not in one sentence


def _tracker(*args):
    return subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True,
                          text=True, timeout=60)


def test_stats_command_formats(newsroom):
    path = str(newsroom[0])
    out = _tracker("stats", "--db", path, "--by", "party", "--interval", "week", "--since",
                   "2026-03-02", "--until", "2026-03-22", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0]) == ["period", "key", "name", "mentions", "mentions_dedup", "share",
                             "share_dedup"]
    assert rows[0] == {"period": W1, "key": "rn", "name": "Rassemblement national",
                       "mentions": "2", "mentions_dedup": "2", "share": "0.4",
                       "share_dedup": "0.4"}
    assert len(rows) == 12
    lines = _tracker("stats", "--db", path, "--since", "2026-03-01", "--until", "2026-03-31",
                     "--view", "all", "--format", "jsonl").stdout.splitlines()
    views = [json.loads(line)["view"] for line in lines]
    assert set(views) == {"counts", "totals", "co-mentions", "sources"}
    shown = _tracker("stats", "--db", path, "--since", "2026-03-01", "--until", "2026-03-31",
                     "--by", "politician")
    assert shown.returncode == 0
    for text in ("Mentions per week by politician", "Emmanuel Macron", "Mentioned together",
                 "Top sources", "Share of voice"):
        assert text in shown.stdout
    # --top cuts the totals' ranking in every format, as in the table.
    for fmt in ("csv", "jsonl"):
        every = _tracker("stats", "--db", path, "--by", "politician", "--view", "totals",
                         "--since", "2026-03-01", "--until", "2026-03-31", "--format", fmt,
                         "--top", "1000").stdout.splitlines()
        two = _tracker("stats", "--db", path, "--by", "politician", "--view", "totals",
                       "--since", "2026-03-01", "--until", "2026-03-31", "--format", fmt,
                       "--top", "2").stdout.splitlines()
        header = 1 if fmt == "csv" else 0
        assert len(every) > 2 + header and two == every[:2 + header], fmt
    bad = _tracker("stats", "--db", path, "--format", "csv", "--view", "all")
    assert bad.returncode == 2 and bad.stderr.startswith("tracker: error: a CSV holds one")
    backwards = _tracker("stats", "--db", path, "--since", "2026-04-01", "--until",
                         "2026-03-01")
    assert backwards.returncode == 2 and "is after --until" in backwards.stderr


def test_daily_counts_follow_any_edit(newsroom):
    """Someone edits the database by hand (sqlite-utils, Datasette): a document's source,
    language or copy status, a mention's entity, party or date, a deletion. The counts the
    triggers keep still equal a recount of the mentions, and the weekly and monthly
    roll-ups still equal the sums of the daily counts."""
    path, ids = newsroom
    copy = path.parent / "edited.db"
    copy.write_bytes(path.read_bytes())
    conn = sqlite3.connect(copy)
    assert pairs.catch_up(Database(conn)) == 6
    conn.commit()
    assert counts_kept(conn) == counts_recount(conn)  # as the store counted them
    assert rolled(conn) == rollup(counts_kept(conn))
    assert pairs_kept(conn) == pairs_recount(conn)
    assert sources_kept(conn) == sources_recount(conn)
    assert totals_kept(conn) == totals_recount(conn)
    edits = [
        ("INSERT INTO mentions (id, document_id, entity_id, party_id, surface, published_at) "
         "VALUES ('by-hand', ?, 'ps', 'ps', 'PS', '2026-03-02T09:00:00Z')", [ids["D1"]]),
        # The same id again, ignored, then upserted (sqlite-utils' ignore=True, upsert).
        ("INSERT OR IGNORE INTO mentions (id, document_id, entity_id, party_id, surface, "
         "published_at) VALUES ('by-hand', ?, 'rn', 'rn', 'RN', '2026-03-02T09:00:00Z')",
         [ids["D1"]]),
        ("INSERT INTO mentions (id, document_id, entity_id, party_id, surface, published_at) "
         "VALUES ('by-hand', ?, 'ps', 'ps', 'PS !', '2026-03-02T09:00:00Z') "
         "ON CONFLICT (id) DO UPDATE SET surface = excluded.surface", [ids["D1"]]),
        ("UPDATE documents SET source = 'figaro', lang = NULL WHERE id = ?", [ids["D1"]]),
        ("UPDATE documents SET duplicate_of = ? WHERE id = ?", [ids["D2"], ids["D6"]]),
        ("UPDATE documents SET duplicate_of = NULL WHERE id = ?", [ids["D4"]]),
        ("UPDATE mentions SET entity_id = 'lfi', party_id = 'lfi' WHERE document_id = ? "
         "AND entity_id = 'ps'", [ids["D1"]]),
        ("UPDATE mentions SET published_at = '2026-03-25T10:00:00Z' WHERE document_id = ?",
         [ids["D5"]]),
        ("UPDATE mentions SET party_id = NULL WHERE entity_id = 'jordan-bardella'", []),
        ("DELETE FROM mentions WHERE document_id = ? AND entity_id = 'rn'", [ids["D3"]]),
        ("UPDATE mentions SET document_id = ? WHERE document_id = ? AND entity_id = "
         "'emmanuel-macron'", [ids["D2"], ids["D5"]]),
        ("DELETE FROM mentions WHERE document_id = ?", [ids["D6"]]),
        ("DELETE FROM documents WHERE id = ?", [ids["D6"]]),
    ]
    for sql, params in edits:
        conn.execute(sql, params)
        conn.commit()
        assert counts_kept(conn) == counts_recount(conn), sql
        assert rolled(conn) == rollup(counts_kept(conn)), sql
        assert pairs_kept(conn) == pairs_recount(conn), sql
        assert sources_kept(conn) == sources_recount(conn), sql
        assert totals_kept(conn) == totals_recount(conn), sql
    # A daily count moved by hand to another day and key moves its week and month too.
    conn.execute("UPDATE mention_counts SET day = '2026-04-30', key = 'moved' "
                 "WHERE dimension = 'source' AND key = 'bbc' AND day = (SELECT min(day) "
                 "FROM mention_counts WHERE dimension = 'source' AND key = 'bbc' "
                 "AND mentions > 0)")
    conn.execute("DELETE FROM mention_counts WHERE dimension = 'lang' AND key = 'en'")
    conn.commit()
    assert rolled(conn) == rollup(counts_kept(conn))
    assert ("month", "source", "2026-04-01", "moved") in rolled(conn)
    # Counted again from nothing, a few documents at a time: the same pairs.
    conn.execute("DELETE FROM pair_counts")
    conn.execute("DELETE FROM source_counts")
    conn.execute("UPDATE pair_progress SET upto = 0")
    # Five documents: D6 was deleted above.
    assert [pairs.catch_up(Database(conn), batch=4) for _ in range(3)] == [4, 1, 0]
    assert pairs_kept(conn) == pairs_recount(conn)
    assert sources_kept(conn) == sources_recount(conn)
    conn.close()


def test_windows_with_nothing_in_them_and_dates_out_of_range(newsroom):
    path = str(newsroom[0])
    # An empty window's CSV is its header: a script reads the columns all the same.
    for view in ("counts", "totals", "co-mentions", "sources"):
        future = _tracker("stats", "--db", path, "--since", "2030-01-01", "--format", "csv",
                          "--view", view)
        full = _tracker("stats", "--db", path, "--since", "2026-03-01", "--format", "csv",
                        "--view", view)
        assert future.returncode == 0, future.stderr
        assert len(full.stdout.splitlines()) > 1, view
        assert future.stdout.splitlines() == full.stdout.splitlines()[:1], view
    for option, value in (("--until", "9999-12-31"), ("--since", "0001-01-01")):
        for command in ("stats", "mentions", "report"):
            extra = ["-o", "-"] if command == "report" else []
            out = _tracker(command, "--db", path, option, value, *extra)
            assert out.returncode == 2 and "between 1900 and 2100" in out.stderr, command
            assert len(out.stderr.strip().splitlines()) == 1
    # Without dates, a year of weeks up to the last mention.
    lines = _tracker("stats", "--db", path, "--format", "csv").stdout.splitlines()
    assert lines[1].startswith("2025-03-17,") and lines[-1].startswith("2026-03-16,")
    bad = _tracker("export", "--db", path, "--delimiter", "-", "-o", "-")
    assert bad.returncode == 2 and "choose ',', ';', '|', 'tab' or 'space'" in bad.stderr


@pytest.mark.parametrize("by,key", [("party", "ps"), ("politician", "emmanuel-macron"),
                                    ("party", "rn")])
def test_one_entitys_figures_equal_its_rows_among_all(db, by, key):
    # An entity's page asks for one key (focus): the same figures as the whole table's.
    q = StatsQuery(by=by, interval="week", since=dt.date(2026, 3, 2),
                   until=dt.date(2026, 3, 22), top=1000)
    one = dataclasses.replace(q, focus=key, top=1000)
    assert counts(db, one) == [c for c in counts(db, q) if c.key == key]
    assert top_sources(db, one) == [s for s in top_sources(db, q) if s.key == key]
    assert co_mentions(db, one) == [p for p in co_mentions(db, q) if key in (p.key_a, p.key_b)]


def test_a_window_is_cut_into_whole_months_weeks_and_days():
    """Whole months and weeks come from the roll-ups; each covers days all inside the
    window and all in one period of the figures, and every day is counted exactly once."""
    from tracker.periods import blocks, period_of

    start = dt.date(2025, 12, 20)
    for length in (0, 1, 6, 7, 13, 31, 45, 70, 366):
        for offset in range(0, 9):
            since = start + dt.timedelta(days=offset)
            until = since + dt.timedelta(days=length)
            for interval in ("day", "week", "month", None):
                cut = blocks((since, until), interval)
                covered = []
                for grain, rows in cut.items():
                    for at, period in rows:
                        first = dt.date.fromisoformat(at)
                        size = {"day": 1, "week": 7}.get(grain) or (
                            (first + dt.timedelta(days=32)).replace(day=1) - first).days
                        days = [first + dt.timedelta(days=i) for i in range(size)]
                        assert period_of(at, grain) == at
                        assert {period_of(d.isoformat(), interval) if interval else ""
                                for d in days} == {period}
                        covered += days
                assert sorted(covered) == [since + dt.timedelta(days=i)
                                           for i in range(length + 1)]
                if interval == "day":
                    assert not cut["week"] and not cut["month"]
    year = blocks((dt.date(2025, 1, 1), dt.date(2025, 12, 31)), None)
    assert len(year["month"]) == 12 and not year["week"] and not year["day"]
    weeks = blocks((dt.date(2025, 11, 26), dt.date(2026, 11, 25)), "week")
    assert len(weeks["week"]) == 51 and len(weeks["day"]) == 8 and not weeks["month"]


def test_a_searchs_total_equals_the_mentions_it_lists(newsroom):
    """The dashboard shows how many mentions a search matches beside its first page. The
    total comes from each document's count of mentions (kept as they are stored); with
    every filter that reads the documents, and after a mention is marked wrong, it equals
    the mentions listed one by one."""
    from tracker.query import MentionFilter, count_mentions, page_rows

    path, ids = newsroom
    copy = path.parent / "searched.db"
    copy.write_bytes(path.read_bytes())
    with Store(copy, create=False) as store:
        macron = store.db.execute("SELECT id FROM mentions WHERE document_id = ? AND "
                                  "entity_id = 'emmanuel-macron'", [ids["D6"]]).fetchone()[0]
        review.record(store.db, macron, "wrong")  # commits, as the dashboard's review
        searches = [
            {"search": "Macron"}, {"search": "critique"}, {"search": "budget"},
            {"search": "Le"}, {"search": "Macron", "lang": "fr"},
            {"search": "Macron", "source": "lemonde"}, {"search": "critique",
                                                         "no_duplicates": True},
            {"search": "Le", "since": dt.date(2026, 3, 9), "until": dt.date(2026, 3, 18)},
            {"search": "Macron", "raw": True}, {"search": "Macron", "party": "rn"},
            {"search": "nulle part"}]
        for given in searches:
            f = MentionFilter(**given)
            assert count_mentions(store.db, f) == len(list(page_rows(store.db, f))), given
        # Every mention of D1 (3), D2 (2), D5 (3) and D6 (3), less the one marked wrong.
        assert count_mentions(store.db, MentionFilter(search="Macron")) == 10
        assert count_mentions(store.db, MentionFilter(search="Macron", raw=True)) == 11


def test_a_politicians_share_is_of_all_politicians_mentions(db):
    """A politician's page shows their share of voice: of all politicians' mentions in
    each period (a party's page, with --direct, of all parties' own names). Those totals
    (every mention less the parties' own names, for politicians) equal the sums of every
    key's own counts."""
    from tracker.grouping import grouped

    for by, direct in (("politician", False), ("party", True)):
        for interval in ("day", "week", "month"):
            q = StatsQuery(by=by, direct=direct, interval=interval, raw=True, **MARCH)
            span = (q.since, q.until)
            summed: dict[str, list[int]] = {}
            for period, _, n, o in grouped(db, q, span):
                cell = summed.setdefault(period, [0, 0])
                cell[0] += n
                cell[1] += o
            whole = {period: [n, o] for period, _, n, o in grouped(db, q, span, by_key=False)}
            assert whole == summed and whole, (by, interval)
            window = grouped(db, q, span, by_key=False, by_period=False)
            assert window == [("", "", sum(n for n, _ in summed.values()),
                               sum(o for _, o in summed.values()))]


def test_a_table_builds_only_the_rows_it_shows(db):
    """`tracker stats` as a table shows each period's top keys with mentions: those rows
    are built alone, the same as the first of the full counts, with no zeros."""
    for by in ("party", "politician", "source"):
        q = StatsQuery(by=by, interval="week", **MARCH)
        full = counts(db, q)
        for first in (1, 2, 10):
            shown = counts(db, q, first=first)
            expected = []
            for period in (W1, W2, W3):
                busy = [r for r in full if r.period == period and r.mentions]
                expected += busy[:first]
            assert shown == expected and all(r.mentions for r in shown), (by, first)


def test_a_download_of_the_figures_is_every_row_as_json_zeros_included(db):
    """`/api/stats` and `tracker stats --format jsonl` write the counts' zeros from each
    key's bytes, made once: the download is byte for byte the JSON of every row, and the
    lines are those of each row's JSON."""
    import orjson

    zeros = 0
    for by, interval in (("party", "week"), ("politician", "day"), ("source", "month"),
                         ("lang", "week")):
        q = StatsQuery(by=by, interval=interval, **MARCH)
        found = figures.figures(db, q, "all")[1]
        rows = list(figures.records(found))
        zeros += sum(r["view"] == "counts" and r["mentions"] == 0 for r in rows)
        assert export.records_json(found) == orjson.dumps(rows), (by, interval)
        lines = io.StringIO()
        assert export.write_records_jsonl(found, lines) == len(rows)
        assert lines.getvalue() == "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                           for r in rows), (by, interval)
        # Each period: the keys with mentions, most first (then name, then key), then
        # every other key seen in the window, with zeros, in name order.
        listed = [r for r in rows if r["view"] == "counts"]
        assert len(found["counts"]) == len(listed)
        everyone = sorted({(r["name"], r["key"]) for r in listed})
        for period in dict.fromkeys(r["period"] for r in listed):
            mine = [(r["key"], r["mentions"]) for r in listed if r["period"] == period]
            busy = sorted(((n, name, key) for name, key in everyone
                           if (n := dict(mine).get(key, 0))),
                          key=lambda t: (-t[0], t[1], t[2]))
            assert mine == [(key, n) for n, _, key in busy] + [
                (key, 0) for name, key in everyone if not dict(mine).get(key)], period
    assert zeros > 20
    empty = figures.figures(db, StatsQuery(since=dt.date(2020, 1, 1),
                                           until=dt.date(2020, 1, 31)), "all")[1]
    assert export.records_json(empty) == orjson.dumps(list(figures.records(empty)))
    assert export.records_json({"counts": empty["counts"]}) == b"[]"


def test_sources_by_source_leave_out_mentions_of_entities_not_in_the_kb(newsroom):
    """Top sources by source rank the busiest entities from the daily counts: an entity
    gone from the entities table (an old or edited database) is left out there as the
    mentions' own count leaves it out."""
    path, _ = newsroom
    copy = path.parent / "orphan.db"
    copy.write_bytes(path.read_bytes())
    conn = sqlite3.connect(copy)
    conn.execute("PRAGMA foreign_keys = OFF")
    with conn:
        conn.execute("DELETE FROM entities WHERE id = 'olivier-faure'")
    conn.close()
    with Store(copy, create=False) as store:
        for by in ("source", "lang"):
            for top in (1, 2, 10):
                q = StatsQuery(by=by, top=top, **MARCH)
                kept = top_sources(store.db, q)
                assert kept == top_sources(store.db, q, kept=False), (by, top)
                assert "olivier-faure" not in {s.key for s in kept}


def test_the_top_politicians_of_a_window_are_those_of_every_politician_summed(tmp_path):
    """A page's top ten of 20,000 politicians reads only each block's busiest rows. The
    ranking, figures and shares equal those of every politician summed: with a leader
    (the short way), with a politician never among any day's busiest yet among the
    first over the week (the bound sends it the long way), and after reviews."""
    from bench import store as bench_store
    from tracker import grouping

    path = tmp_path / "store.db"
    bench_store.build(path, 3_000)  # two years up to 2026-11-01, the builtin KB
    conn = sqlite3.connect(path)
    people = [key for (key,) in conn.execute(
        "SELECT id FROM entities WHERE type = 'politician' ORDER BY id LIMIT 300")]
    conn.close()
    # Six days after the bench's data: each day a spike (40 mentions of one person), 60
    # people 5 times each, and one steady person 4 times (24 in the week: third).
    spikes, steady, fillers = people[:6], people[6], people[7:]
    documents, mentions = [], []
    for day in range(6):
        published = f"2026-11-{day + 10:02d}T09:00:00Z"
        doc = f"spread{day}"
        documents.append((doc, "source-00", f"https://example.org/{doc}", "Titre",
                          published, "feed", "fr", "texte", f"h-{doc}", published, None,
                          "kb", "4"))
        named = ([spikes[day]] * 40 + fillers[day * 30:day * 30 + 60] * 5 + [steady] * 4)
        for n, key in enumerate(named):
            mentions.append((f"{doc}:{n}", doc, key, None, "Nom", n, n + 1, "Nom.",
                             "alias", "body", "rule", 0.99, "kb", "4", published))
    conn = sqlite3.connect(path)
    with conn:
        bench_store._flush(conn, documents, mentions)
    conn.close()
    db = Database(sqlite3.connect(path))
    week = dict(since=dt.date(2026, 11, 10), until=dt.date(2026, 11, 15))
    year = dict(since=dt.date(2025, 11, 1), until=dt.date(2026, 10, 31))

    def check(q, first, short_way):
        shown = totals(db, q, first=first)
        every = totals(db, q)[:first]  # no ``first``: every key summed
        assert shown == every and len(shown) == first
        if short_way:  # settled by the rows each block shows first
            assert grouping.top_totals(db, q, (q.since, q.until), first) is not None
        return shown

    q = StatsQuery(by="politician", **week)
    top = check(q, 7, short_way=False)
    assert steady in [t.key for t in top]  # among no day's busiest 48 rows
    assert set(spikes) < {t.key for t in top}
    for first in (1, 3, 10):
        for no_duplicates in (False, True):
            check(StatsQuery(by="politician", no_duplicates=no_duplicates, **year), first,
                  short_way=True)
    check(StatsQuery(by="party", **year), 8, short_way=True)
    # The leader's mentions reviewed as wrong, most of them: the ranking follows.
    leader = totals(db, StatsQuery(by="politician", **year), first=1)[0]
    for (mention,) in db.execute(
            "SELECT id FROM mentions WHERE entity_id = ? AND published_at >= '2025-11-01' "
            "AND published_at < '2026-11-01' LIMIT ?", [leader.key, leader.mentions - 2]
    ).fetchall():
        review.record(db, mention, "wrong")
    after = check(StatsQuery(by="politician", **year), 3, short_way=True)
    assert leader.key not in [t.key for t in after]
    assert check(StatsQuery(by="politician", raw=True, **year), 1,
                 short_way=True)[0].key == leader.key
    # The busiest entities of every type (whose sources `--by source` ranks), likewise.
    span = (year["since"], year["until"])
    for raw in (False, True):
        every = grouping.entity_totals(db, span, raw=raw)
        for originals in (False, True):
            def rank(found, column=int(originals)):
                return sorted(found, key=lambda k: (-found[k][column], k))[:5]

            some = grouping.entity_totals(db, span, raw=raw, first=5, originals=originals)
            assert rank(some) == rank(every) and len(some) < len(every)
            assert all(some[key] == every[key] for key in some)


def test_a_download_of_every_politician_is_written_a_period_at_a_time(tmp_path):
    """`/api/stats` writes the counts as it reads them: the window's keys first, then
    the first period, the others once it is written (every politician by month over
    three years is 113 MB). Every byte equals the figures read at once: with empty
    months first, a politician whose only mention was reviewed wrong (in no period, but
    in the raw figures), one with a mention left after a review, and copies left out."""
    from bench import store as bench_store
    from tracker import stats

    path = tmp_path / "store.db"
    bench_store.build(path, 3_000)  # two years up to 2026-11-01
    db = Database(sqlite3.connect(path))
    # Politicians named in no copy: what `no_duplicates` leaves out is not what is tested.
    once, twice = (db.execute(
        "SELECT m.entity_id, min(m.id) FROM mentions m JOIN entities e ON e.id = m.entity_id "
        "WHERE e.type = 'politician' AND m.entity_id NOT IN (SELECT c.entity_id FROM "
        "mentions c JOIN documents d ON d.id = c.document_id WHERE d.duplicate_of IS NOT "
        "NULL) GROUP BY 1 HAVING min(m.published_at) >= '2026-06-01' "
        f"AND max(m.published_at) < '2026-11-01' AND count(*) = {n} ORDER BY 1 LIMIT 1"
    ).fetchone() for n in (1, 2))
    for _, mention in (once, twice):
        review.record(db, mention, "wrong")
    # A politician whose only mention is gone (as a retag removes one): its daily
    # counts stay, at zero, and it is in no figure.
    gone = db.execute(
        "SELECT m.entity_id, min(m.id) FROM mentions m JOIN entities e ON e.id = m.entity_id "
        "WHERE e.type = 'politician' AND m.entity_id NOT IN (?, ?) GROUP BY 1 "
        "HAVING count(*) = 1 ORDER BY 1 LIMIT 1", [once[0], twice[0]]).fetchone()
    db.execute("DELETE FROM mentions WHERE id = ?", [gone[1]])
    assert db.execute("SELECT count(*) FROM mention_counts WHERE key = ? AND mentions = 0",
                      [gone[0]]).fetchone()[0]
    db.conn.commit()
    queries = [StatsQuery(by="politician", interval="month"),  # from 2023-11: empty first
               StatsQuery(by="politician", interval="week", since=dt.date(2026, 1, 7)),
               StatsQuery(by="party", interval="day", since=dt.date(2026, 9, 1)),
               StatsQuery(by="source", interval="week", until=dt.date(2026, 7, 1)),
               StatsQuery(by="lang", interval="month", raw=True),
               StatsQuery(by="politician", interval="month", raw=True),
               StatsQuery(by="politician", interval="week", no_duplicates=True)]
    for q in queries:
        whole = stats.counts(db, q)
        statements: list[str] = []
        db.conn.set_trace_callback(statements.append)
        rows = stats.count_rows(db, q, lazily=True)
        made = rows.periods()
        first = next(made)
        read_first = len(statements)
        assert [period for period, _, _ in [first, *made]] == list(dict.fromkeys(
            c.period for c in whole))
        db.conn.set_trace_callback(None)
        assert list(rows) == whole, q
        keys = {c.key for c in whole}
        if q.by == "politician":
            assert (once[0] in keys) is q.raw and twice[0] in keys and gone[0] not in keys
        if q.interval == "month" and q.since is None:  # 2023-11: no mention, all zeros
            assert first[1] == [] and len(first[2]) == len(keys)
        if not q.no_duplicates:  # the other periods read once the first was written
            assert len(statements) > read_first, q
        with figures.snapshot(db):
            streamed = b"".join(export.records_json_chunks(
                figures.figures_as_read(db, q, "all")))
        assert streamed == export.records_json(figures.figures(db, q, "all")[1]), q


def test_counts_read_for_several_readers_fail_for_all_when_one_period_fails():
    """A download made once for every client (``Memo``'s flights) reads its periods as
    the first client goes: when reading one fails (the database went away), a client
    that reads after it must fail too, not end its file early as if it were whole."""
    from tracker.errors import TrackerError
    from tracker.stats import CountRows

    def made():
        yield "2026-03-02", [("2026-03-02", "ps", "PS", 3, 3, 1.0, 1.0)], []
        raise sqlite3.OperationalError("disk I/O error")

    rows = CountRows(made(), {"ps": "PS"})
    first = rows.periods()
    assert next(first)[0] == "2026-03-02"
    with pytest.raises(sqlite3.OperationalError):
        next(first)
    for _ in range(2):  # each later reader, from the start
        later = rows.periods()
        assert next(later)[0] == "2026-03-02"
        with pytest.raises(TrackerError, match="could not be read whole"):
            next(later)
    with pytest.raises(TrackerError):
        list(rows)
