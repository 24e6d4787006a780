"""The KB's names compiled for matching: every alias, surname and member word as a
sequence of folded tokens, indexed by its first two words, cached on disk.

With the open-data layer the KB holds tens of thousands of names. Tokenising them all
with spaCy at every start would cost seconds in each tagging process, so the compiled
index is kept in the user's cache folder, keyed by the KB's version, the tagger's version
and spaCy's: it is rebuilt only when one of them changes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from tracker.kb import KnowledgeBase, fold
from tracker.regexcache import cache_dir, keep, locked, read_kept
from tracker.sentences import doc_text

_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’](?=\w)", re.IGNORECASE)
COMPILED_FORMAT = "7"


def core(text: str) -> str:
    """The token without a French elision: "l'UMP" -> "UMP"."""
    return _ELISION.sub("", text)


@functools.lru_cache(maxsize=200_000)
def token_fold(text: str) -> str:
    """Words repeat: each distinct one is folded once per process."""
    return fold(core(text))


def word_parts(word: str) -> list[str]:
    """The words names are matched on: a hyphenated token is its parts ("Jean-Paul" is
    "jean", "paul", whether a tokenizer kept it whole or split it, or a glued word was
    split off it), and a lone hyphen is nothing."""
    return [part for part in word.split("-") if part] if "-" in word else [word]


INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad"


def visible(text: str) -> str:
    """The text without the invisible characters a capital check must look past."""
    return text.lstrip(INVISIBLE)


# (kind, folded words) -> the (entity id, written form) pairs that claim it.
Patterns = dict[tuple[str, tuple[str, ...]], list[tuple[str, str]]]


@dataclass
class NameIndex:
    """Patterns by their first word (one-word names) or first two words (longer ones),
    and what else the linker derives from the KB: full names indexed by each word for
    misspellings, people by first name for honorifics ("Sir Keir"), known first names."""

    patterns: Patterns = field(default_factory=dict)
    one: dict[str, list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)
    two: dict[tuple[str, str], list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)
    # norm of one word of a full name -> (entity, the name's norms, that word's index)
    fuzzy: dict[str, list[tuple[str, tuple[str, ...], int]]] = field(default_factory=dict)
    by_first_name: dict[str, list[str]] = field(default_factory=dict)
    first_names: list[str] = field(default_factory=list)
    # Folded names and member words of hand-kept entries: an open-data party's same word
    # ("Labour" of Ireland, "Social Democrats") yields to them.
    kept_words: set[str] = field(default_factory=set)

    def dump(self) -> tuple:
        return (self.patterns, self.one, self.two, self.fuzzy, self.by_first_name,
                self.first_names, self.kept_words)

    def add(self, kind: str, words: tuple[str, ...], entity_id: str, written: str) -> None:
        if not words or not all(words):
            return
        key = (kind, words)
        if key not in self.patterns:
            self.patterns[key] = []
            if len(words) == 1:
                self.one.setdefault(words[0], []).append(key)
            else:
                self.two.setdefault(words[:2], []).append(key)
        claim = (entity_id, written)
        if claim not in self.patterns[key]:
            self.patterns[key].append(claim)

    def find(self, words: list[str]) -> list[tuple[int, int, str, list[tuple[str, str]]]]:
        """(start, end, kind, claims) of every pattern in a list of folded words."""
        found = []
        one, two, patterns = self.one, self.two, self.patterns
        last = len(words) - 1
        for i, word in enumerate(words):
            for key in one.get(word, ()):
                found.append((i, i + 1, key[0], patterns[key]))
            if i < last:
                for key in two.get((word, words[i + 1]), ()):
                    size = len(key[1])
                    if size == 2 or tuple(words[i:i + size]) == key[1]:
                        found.append((i, i + size, key[0], patterns[key]))
        return found


def compile_names(nlp: Language, kb: KnowledgeBase) -> NameIndex:
    """The KB's names as token sequences of this language's tokenizer, from the cache
    when the KB, the tagger and spaCy are those it was built with."""
    from tracker.models import TAGGER_VERSION  # the version also covers these rules

    key = hashlib.sha256("|".join((
        COMPILED_FORMAT, TAGGER_VERSION, spacy.__version__, nlp.lang,
        nlp.meta.get("name", ""), nlp.meta.get("version", ""), kb.version,
        ",".join(sorted(_listed_first_names())))).encode()).hexdigest()[:16]
    path = cache_dir() / f"names-{nlp.lang}-{key}.marshal"
    cached = _read_index(path)
    if cached is not None:
        return cached
    # Several worker processes start at once: one compiles, the others wait and read it.
    with locked(path):
        cached = _read_index(path)
        if cached is not None:
            return cached
        return _compile_and_keep(nlp, kb, path)


def _read_index(path: Path) -> NameIndex | None:
    # marshal, not pickle: plain dicts and tuples load several times faster
    return read_kept(path, lambda path: NameIndex(*marshal.loads(path.read_bytes())),
                     "name index")


def _compile_and_keep(nlp: Language, kb: KnowledgeBase, path: Path) -> NameIndex:
    index = _compile(nlp, kb)
    # Indexes of other KBs go after a week unused (two KBs in use keep theirs).
    with contextlib.suppress(OSError):  # a read-only home: compiled again next time
        keep(path, marshal.dumps(index.dump()), f"names-{nlp.lang}-*.marshal", 7)
    return index


def _compile(nlp: Language, kb: KnowledgeBase) -> NameIndex:
    index = NameIndex()
    tokenizer = nlp.tokenizer

    @functools.cache
    def words(text: str) -> tuple[str, ...]:
        return tuple(part for t in split_glued(tokenizer(text)) if not t.is_space
                     for part in word_parts(token_fold(t.text)))

    first_names = set(_listed_first_names())
    for entity in kb.entities.values():
        if not entity.builtin:
            # (A short form owns no word: "Green Party" stays New Zealand's too.)
            index.kept_words.update(fold(w) for w in (*entity.aliases, *entity.exact_case,
                                                      *entity.members))
        for alias in (*entity.aliases, *entity.exact_case, *entity.short_forms):
            index.add("alias", words(alias), entity.id, alias)
        for member in entity.members:
            index.add("member", words(member), entity.id, member)
        if entity.type != "politician":
            continue
        if entity.surname:
            index.add("surname", words(entity.surname), entity.id, entity.surname)
        # Misspelt full names are looked for only for people often in the news.
        prominent = not entity.builtin or entity.prominence() == 1
        for alias in entity.aliases:
            norms = words(alias)
            if prominent and len(norms) > 1 and len(fold(alias)) >= 9 and any(
                    len(n) >= 5 for n in norms):
                for i, norm in enumerate(norms):
                    if len(norm) >= 4 and norm[:1].isalpha():  # not "-", "de", "bin"
                        index.fuzzy.setdefault(norm, []).append((entity.id, norms, i))
        given = entity.name.split()
        if len(given) > 1 and given[0][:1].isupper():
            first = fold(given[0])
            first_names.add(first)
            if not entity.builtin or entity.prominence() <= 2:
                index.by_first_name.setdefault(first, []).append(entity.id)
    index.first_names = sorted(first_names)
    return index


@functools.lru_cache(maxsize=1)
def _listed_first_names() -> frozenset[str]:
    """Common given names: a capitalised one just before a bare surname means another
    person ("Michelle Obama"); the KB's people's first names are added."""
    listed = resources.files("tracker").joinpath("first_names.txt").read_text("utf-8")
    return frozenset(w for line in listed.splitlines() if not line.startswith("#")
                     for w in line.split())


# A token glued to the next word by extraction ("àJean-Paul", "byJoe"), a lower-case
# prefix before a hyphen ("anti-Macron", "après-Macron"), a name before an apostrophe
# ("Trump'", "Macron’" of a possessive) or a full stop ("AfD."): split so that the name is
# a token of its own.
_GLUE_WORDS = ("à|a|au|aux|de|du|des|et|par|pour|avec|sur|chez|dans|selon|contre|entre|"
               "by|of|and|to|for|with|from|at|on|in|as|said|says")
_UPPER = "A-ZÀ-ÖØ-Þ"
_SPLITS = (
    re.compile(rf"^({_GLUE_WORDS})([{_UPPER}][a-zà-öø-ÿ].*)$"),
    # any lower-case word glued to a capitalised one: "ministreBruno", "sénateurGérard"
    re.compile(rf"^([a-zà-öø-ÿ]{{2,}})([{_UPPER}][a-zà-öø-ÿ]{{2,}}.*)$"),
    re.compile(rf"^((?:[ldjmnstc]|qu)['’])?([a-zà-öø-ÿ]+)([-‐‑])([{_UPPER}].*)$"),
    re.compile(rf"^([{_UPPER}][\w\-]*\w)(['’])$"),
    # a capitalised word with a capital inside and the sentence's full stop, which the
    # tokenizer keeps as an abbreviation's: "AfD.", "PiS.", "DeSantis."
    re.compile(rf"^([{_UPPER}]\w*[a-zà-öø-ÿ][{_UPPER}]\w*)(\.)$"),
    # a bullet, a dash, a handle's or a hashtag's sign glued to a name: "-Macron" in a
    # list, "@Bardella", "#Macron", "•Macron", "#Bardella2027"
    re.compile(rf"^([-‐‑–—*•·@#]+)([{_UPPER}]\D*?)(\d{{2,4}})?$"),
    # a campaign's hashtag without its sign: "Bardella2027", "Macron2022"
    re.compile(rf"^([{_UPPER}][a-zà-öø-ÿ]+)(\d{{2,4}})$"),
)


# Where in a text such a token may be: a lower-case letter before a capital (glued, or
# across a hyphen), an apostrophe ending a word, an English possessive, which the French
# tokenizer cuts as "Biden'" + "s", or a sign glued to a word's capital. Only the tokens
# there are looked at.
_SUSPECT = re.compile(rf"[a-zà-öø-ÿ][-‐‑]?[{_UPPER}]|\w['’](?!\w)|\w['’]s\b"
                      rf"|(?<![\w-])[-‐‑–—*•·@#]+(?=[{_UPPER}])|(?<!\w)[{_UPPER}][a-zà-öø-ÿ]+\d")


def split_glued(doc: Doc) -> Doc:
    """Split the tokens above in place (offsets are unchanged: only token bounds move)."""
    cuts = []
    seen: set[int] = set()
    for match in _SUSPECT.finditer(doc_text(doc)):
        span = doc.char_span(match.start(), match.start() + 1, alignment_mode="expand")
        if span is None or not len(span) or span[0].i in seen:
            continue
        token = span[0]
        seen.add(token.i)
        text = token.text
        if len(text) < 3 or text.isspace():
            continue
        for pattern in _SPLITS:
            match = pattern.match(text)
            if match:
                parts = [p for p in match.groups() if p]
                if len(parts) > 1:
                    cuts.append((token, parts))
                break
    if cuts:
        with doc.retokenize() as retokenizer:
            for token, parts in cuts:
                retokenizer.split(token, parts, heads=[(token, 0)] * len(parts))
    return doc


@Language.component("tracker_split")
def split_component(doc: Doc) -> Doc:
    return split_glued(doc)
