"""Sentence boundaries for the tagging pipeline, read from token arrays.

spaCy's ``sentencizer`` gives the same punctuation rule but walks the tokens as Python
objects, and ``Doc.text`` does the same: on long articles that costs as much as the
linker itself. This component reads the token attributes as integer arrays once, sets
the same sentence starts (before NER, which does not let an entity cross them), and
keeps what the linker needs: the starts, the line breaks, the text.
"""

from __future__ import annotations

import numpy
from spacy.attrs import IS_PUNCT, IS_SPACE, ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

# A token's sent_start as Doc.from_array takes it: 1 starts a sentence, -1 does not.
_START, _INSIDE = numpy.uint64(1), numpy.uint64(2**64 - 1)


class SentenceStarts:
    """spaCy's punctuation rule: a sentence starts at the first token that is neither
    punctuation nor a full stop after one or more full stops ('?!', '.»' stay with
    their sentence). A sign that opens the next one (a bullet, a dash, a handle's "@",
    a hashtag's "#") starts it: "tweete. @Bardella" kept the "@" in the first."""

    def __init__(self, nlp: Language):
        self.stops = {nlp.vocab.strings.add(c) for c in Sentencizer.default_punct_chars}
        self.openers = {nlp.vocab.strings.add(c) for c in ("@", "#", "*", "•", "·", "-", "–",
                                                            "—")}

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            doc.user_data["tracker_sents"], doc.user_data["tracker_breaks"] = [], []
            return doc
        rows = doc.to_array([ORTH, IS_PUNCT, IS_SPACE]).tolist()
        stops = self.stops
        starts, breaks = [0], []
        seen_stop = after_break = False
        for i, (orth, punct, space) in enumerate(rows):
            stop = orth in stops
            if seen_stop and (not punct or orth in self.openers) and not stop:
                starts.append(i)
                seen_stop = False
            elif stop:
                seen_stop = True
            if space:
                # A line break ends a sentence too (headlines, list items have no full
                # stop); the linker applies it after NER, as the model was trained.
                after_break = after_break or "\n" in doc[i].text
            elif after_break:
                breaks.append(i)
                after_break = False
        flags = numpy.full((len(doc), 1), _INSIDE, dtype="uint64")
        flags[starts, 0] = _START
        doc.from_array([SENT_START], flags)
        doc.user_data["tracker_sents"] = starts
        doc.user_data["tracker_breaks"] = breaks
        return doc


@Language.factory("tracker_sentences")
def make_sentences(nlp: Language, name: str) -> SentenceStarts:
    return SentenceStarts(nlp)


def doc_text(doc: Doc) -> str:
    """The text the doc was made of, as the tagger kept it (``Doc.text`` rebuilds it
    from every token)."""
    text = doc.user_data.get("tracker_text")
    return doc.text if text is None else text
