"""Three weeks of a small newsroom, stored through the real store: six documents (one an
agency copy of another), whose every figure in `tracker stats` and `tracker report` is
worked out by hand in tests/test_stats.py.

    week of 2026-03-02: D1 lemonde (fr)  "Macron et Le Pen débattent." / "Le PS réagit."
                        D2 figaro  (fr)  "Bardella répond à Macron." / "Le budget est voté."
    week of 2026-03-09: D3 figaro  (fr)  "Faure critique le gouvernement." / "Le RN progresse."
                        D4 agence  (fr)  the text of D3 from another address: a copy
    week of 2026-03-16: D5 bbc     (en)  "Macron met Le Pen and Faure."
                        D6 lemonde (fr)  "Le PS et LFI signent un accord." / "Macron ironise."
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

from tracker.kb import KnowledgeBase
from tracker.models import Article, Mention
from tracker.store import Store

PARTY = {"emmanuel-macron": "renaissance", "marine-le-pen": "rn", "jordan-bardella": "rn",
         "olivier-faure": "ps", "ps": "ps", "rn": "rn", "lfi": "lfi"}
TYPE = {"ps": "party", "rn": "party", "lfi": "party"}

# (id, source, url, day, lang, title, sentences: [(sentence, [(entity, surface)])])
DOCUMENTS = [
    ("D1", "lemonde", "https://lemonde.example/d1", "2026-03-03", "fr", "Débat télévisé",
     [("Macron et Le Pen débattent.", [("emmanuel-macron", "Macron"),
                                       ("marine-le-pen", "Le Pen")]),
      ("Le PS réagit.", [("ps", "PS")])]),
    ("D2", "figaro", "https://figaro.example/d2", "2026-03-04", "fr", "Budget",
     [("Bardella répond à Macron.", [("jordan-bardella", "Bardella"),
                                     ("emmanuel-macron", "Macron")]),
      ("Le budget est voté.", [])]),
    ("D3", "figaro", "https://figaro.example/d3", "2026-03-10", "fr",
     "<script>alert('titre')</script>",
     [("Faure critique le gouvernement.", [("olivier-faure", "Faure")]),
      ("Le RN progresse.", [("rn", "RN")])]),
    ("D4", "agence", "https://agence.example/d4", "2026-03-11", "fr",
     "<script>alert('titre')</script>",
     [("Faure critique le gouvernement.", [("olivier-faure", "Faure")]),
      ("Le RN progresse.", [("rn", "RN")])]),
    ("D5", "bbc", "https://bbc.example/d5", "2026-03-18", "en", "Paris talks",
     [("Macron met Le Pen and Faure.", [("emmanuel-macron", "Macron"),
                                        ("marine-le-pen", "Le Pen"),
                                        ("olivier-faure", "Faure")])]),
    ("D6", "lemonde", "https://lemonde.example/d6", "2026-03-20", "fr", "Accord à gauche",
     [("Le PS et LFI signent un accord.", [("ps", "PS"), ("lfi", "LFI")]),
      ("Macron ironise.", [("emmanuel-macron", "Macron")])]),
]
SOURCES = ("lemonde", "figaro", "agence", "bbc")


def build_newsroom(path: Path, kb: KnowledgeBase) -> dict[str, str]:
    """Store the six documents; returns the stored id of each (D1 ... D6)."""
    ids = {}
    with Store(path) as store:
        store.sync_entities(kb)
        store.sync_sources([SimpleNamespace(name=s, kind="feed", location=f"https://{s}/rss",
                                            interval=900.0, lang=None) for s in SOURCES])
        for key, source, url, day, lang, title, sentences in DOCUMENTS:
            text = " ".join(s for s, _ in sentences)
            when = dt.datetime.fromisoformat(day + "T09:30:00+00:00")
            mentions = []
            for sentence, found in sentences:
                at = text.index(sentence)
                for entity, surface in found:
                    start = text.index(surface, at)
                    mentions.append(Mention(entity, TYPE.get(entity, "politician"),
                                            PARTY[entity], surface, start,
                                            start + len(surface), sentence, "alias"))
            article = Article(source=source, url=url, text=text, lang=lang,
                              published_at=when, date_source="feed", fetched_at=when,
                              title=title)
            ids[key] = store.save(article, mentions, kb_version=kb.version,
                                  tagger_version="test")
    return ids
