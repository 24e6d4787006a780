"""What alert rules cost the collection: the same documents stored with and without 50
mention rules queuing alerts in the same transaction, and a check of 50 spike and digest
rules; against the time a page takes through the whole pipeline (bench/ingest.py).

    python bench/alerts.py --mentions 10000

Documents are distinct articles of bench/corpus.py tagged once beforehand (tagging is
not timed); each run stores them into a fresh database, three times each way, best kept.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import generate  # noqa: E402


def rules(kb, count: int = 50) -> list:
    """A mix users write: parties (members' mentions included, or direct), politicians,
    a language, a phrase to search for."""
    from tracker.alerts.rules import AlertRule

    parties = [p.id for p in kb.parties() if p.country == "FR"][:20]
    people = ["emmanuel-macron", "marine-le-pen", "jean-luc-melenchon", "gabriel-attal",
              "jordan-bardella", "olivier-faure", "edouard-philippe", "francois-bayrou",
              "eric-ciotti", "fabien-roussel", "marine-tondelier", "raphael-glucksmann",
              "laurent-wauquiez", "bruno-retailleau", "yael-braun-pivet"]
    out = []
    for i in range(count):
        kind = i % 10
        if kind < 5:
            filters = {"party": parties[i % len(parties)], "direct": kind == 4}
        elif kind < 9:
            filters = {"politician": people[i % len(people)]}
        else:
            filters = {"search": "réforme", "lang": "fr"}
        out.append(AlertRule(f"r{i}", "mention", ("http://127.0.0.1:9/hook",),
                             {k: v for k, v in filters.items() if v}))
    return out


def store_all(path: Path, kb, documents, outbox) -> float:
    from tracker.store import Store

    with Store(path) as store:
        store.sync_entities(kb)
        store.sync_sources([type("S", (), {"name": "bench", "kind": "feed", "location": "x",
                                           "interval": 60.0, "lang": None})()])
        if outbox is not None:
            outbox.prepare(store.db)
            store.on_saved = outbox.on_saved
        started = time.perf_counter()
        for article, mentions in documents:
            store.save(article, mentions, kb_version="k", tagger_version="t")
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=50)
    args = parser.parse_args()
    from tracker.alerts.outbox import Outbox
    from tracker.kbload import load_kb
    from tracker.models import Article
    from tracker.tag import Tagger

    kb = load_kb([])
    tagger = Tagger(kb)
    documents, total, n = [], 0, 0
    start = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
    while total < args.mentions:
        batch = generate(n + 20)[n:]
        texts = ["\n".join([a.title, a.lead, *(t for _, t in a.blocks)]) for a in batch]
        found = tagger.analyse_many([(t, "fr", start.date()) for t in texts])
        for i, (text, (mentions, _)) in enumerate(zip(texts, found, strict=True)):
            when = start + dt.timedelta(minutes=7 * (n + i))
            documents.append((Article("bench", f"https://bench.example/{n + i}", text, "fr",
                                      when, "feed", when, f"T{n + i}"), mentions))
            total += len(mentions)
        n += 20
    rule_set = rules(kb, args.rules)
    timings: dict[str, list[float]] = {"without": [], "with": []}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(3):
            for name in ("without", "with"):
                path = Path(tmp) / f"{name}{round_}.db"
                outbox = Outbox(rule_set) if name == "with" else None
                timings[name].append(store_all(path, kb, documents, outbox))
        from tracker.store import Store

        with Store(Path(tmp) / "with0.db") as store:
            queued = store.db.execute("SELECT count(*) FROM alert_outbox").fetchone()[0]
            # A 12-hour baseline: the 200 articles span 23 hours (a spike needs history).
            spikes = Outbox([dataclasses.replace(r, trigger="spike", baseline=12 * 3600.0)
                             for r in rule_set])
            spikes.prepare(store.db)
            began = time.perf_counter()
            with store.write() as db:
                spikes.check(db, documents[-1][0].published_at)
            check_s = time.perf_counter() - began
    best = {k: min(v) for k, v in timings.items()}
    extra = (best["with"] - best["without"]) / len(documents) * 1000
    print(f"{len(documents)} documents, {total} mentions, {len(rule_set)} mention rules: "
          f"{queued} alerts queued")
    print(f"store without rules {best['without']:.2f} s, with {best['with']:.2f} s "
          f"(best of 3): +{extra:.2f} ms a document")
    print(f"one check of {len(rule_set)} spike rules: {check_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
