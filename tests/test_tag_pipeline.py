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


def test_words_learnt_in_the_warm_up_are_split_as_a_fresh_pipeline_splits_them(kb, monkeypatch):
    # The warm-up has the tokenizer cache each new word read alone (spaCy stops caching a
    # text's words after its first special case, "M." here): the tokens must not change.
    monkeypatch.setattr(tag, "WARM_TEXTS", 2)
    tagger = tag.Tagger(kb)
    tricky = ("M. Sarkozy (UMP) a vu aujourd'hui l'ex-ministre Ségolène Royal, à 12h30 ; "
              "« C'est-à-dire ? » www.ps.fr/actu 12,5 % des voix ... l'UMP, le PS-UMP.\n"
              "Mme Le Pen\u00a0et  Jean-Luc Mélenchon (LFI) : etc. Vraiment ?! https://x.fr/a?b=1")
    day = dt.date(2010, 1, 1)
    tagger.analyse_many([(tricky, "fr", day), ("Un autre texte, M. Hollande.", "fr", day)])
    fresh = tag._load_model("fr")
    nlp = tagger.pipeline("fr")
    with nlp.memory_zone():  # as every text after the warm-up is read
        for text in (tricky, tricky.upper(), tricky.replace(" ", "  ")):
            ours, theirs = nlp.make_doc(text), fresh.make_doc(text)
            assert [(t.text, t.whitespace_) for t in ours] == [
                (t.text, t.whitespace_) for t in theirs]
    later = tagger.analyse(tricky, "fr", day)[0]
    assert {m.entity_id for m in later} >= {"nicolas-sarkozy", "segolene-royal"}


def test_after_the_warm_up_its_words_are_not_split_again(kb, monkeypatch):
    # spaCy's tokenizer caches a text's words only up to its first special case ("M.");
    # the warm-up reads each word alone so that later texts find all of them cached.
    monkeypatch.setattr(tag, "WARM_TEXTS", 1)
    tagger = tag.Tagger(kb)
    nlp = tagger.pipeline("fr")
    suffixes = nlp.tokenizer.suffix_search
    calls = []

    def counted(text):
        calls.append(text)
        return suffixes(text)

    nlp.tokenizer.suffix_search = counted  # (setting it empties the tokenizer's cache)
    day = dt.date(2012, 5, 6)
    tagger.analyse("M. Sarkozy a rencontré hier soir les députés socialistes (PS).", "fr", day)
    calls.clear()
    later = tagger.analyse("les députés socialistes (PS). a rencontré Sarkozy hier soir",
                           "fr", day)[0]  # its words in another order, in a memory zone
    assert {m.entity_id for m in later} == {"ps", "nicolas-sarkozy"}
    assert calls == []


def test_a_name_the_model_finds_ends_at_the_line(tagger):
    """A text file's title runs into its dateline for the model: "Visite de Michel
    Bernard" over "Publié le 14 mars 2025" made a candidate "Michel Bernard Publié"."""
    import datetime as dt

    for dateline in ("Publié le 14 mars 2025", "Mis à jour le 14 mars 2025"):
        _, candidates = tagger.analyse(
            f"Visite de Michel Bernard\n{dateline}\n\nLe député LR du Cantal Jean-Marc "
            "Vidalou a annoncé sa candidature.", "fr", dt.date(2025, 3, 14))
        names = [c.name for c in candidates]
        assert "Michel Bernard" in names and not any("Publié" in n or "Mis" in n
                                                     for n in names), names
