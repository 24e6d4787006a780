"""A daemon that tags pages for months: sentences cut as spaCy's own rule cuts them, and
a vocabulary that stops growing once the common words are known."""

from __future__ import annotations

import datetime as dt

import spacy

from tracker import tag

TEXTS = [
    "Le président a parlé. Puis il est parti !",
    "Vraiment ?! Oui… « C'est fini. » Et après (en 2012.) tout a changé.",
    "Obama met Sarkozy in Paris... They spoke. Mr. Brown left?",
    "Titre sans point\nPremier paragraphe. Deuxième phrase\n\nAutre bloc",
    "",
    "...",
]


def test_sentences_start_where_spacy_sentencizer_starts_them():
    ours = spacy.blank("fr")
    ours.add_pipe("tracker_sentences")
    theirs = spacy.blank("fr")
    theirs.add_pipe("sentencizer")
    for text in TEXTS:
        mine, ref = ours(text), theirs(text)
        assert [t.is_sent_start for t in mine] == [t.is_sent_start for t in ref], text
        # Line breaks are kept aside for the linker, which applies them after NER.
        breaks = mine.user_data["tracker_breaks"]
        assert [mine[i].text for i in breaks] == (
            ["Premier", "Autre"] if "\n" in text else [])


def test_a_headline_line_is_its_own_sentence_in_a_mention(tagger):
    found = tagger.tag("Macron en visite\nLe président a parlé à Lyon.", "fr",
                       dt.date(2024, 6, 1))
    assert [(m.surface, m.sentence) for m in found] == [("Macron", "Macron en visite")]


def test_vocabulary_stays_flat_after_the_first_texts(kb, monkeypatch):
    monkeypatch.setattr(tag, "WARM_TEXTS", 2)
    tagger = tag.Tagger(kb)
    vocab = tagger.pipeline("fr").vocab

    def page(n: int) -> str:
        return f"Le maire Zorglub{n}x a reçu Nicolas Sarkozy à Quimper{n}y."

    day = dt.date(2010, 1, 1)
    before = len(vocab.strings)
    tagger.analyse_many([(page(1), "fr", day), (page(2), "fr", day)])
    learnt = len(vocab.strings)
    assert learnt > before  # the first texts' words stay
    for n in range(3, 8):
        mentions, _ = tagger.analyse(page(n), "fr", day)
        assert [m.entity_id for m in mentions] == ["nicolas-sarkozy"]
    assert len(vocab.strings) == learnt
