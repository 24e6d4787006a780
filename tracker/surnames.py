"""The surname rules of the linker: whether a bare surname (or an honorific's first name)
is a KB person, someone else or something else. ``SurnameRules`` is mixed into
``tracker.linker.Linker``.

A bare surname needs the person introduced in the document (full name before or after,
a title or a role), or a prominent person, and one candidate at the document's date;
relatives ("Michelle Obama"), namesakes, places ("toute la Hollande", "Scotland"),
buildings and companies ("Trump Tower") are not the politician.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from spacy.tokens import Doc

from tracker.context import (
    ARTICLES,
    PEERAGE,
    PERSON_LABELS,
    PERSON_OF,
    PLACE_ARTICLES,
    PLACE_BEFORE,
    PLACE_LABELS,
    POLL_WORDS,
    SPOUSE_WORDS,
    THING_AFTER,
    THING_BEFORE,
    TITLES,
    caps_line,
    ents,
    family_word,
    holds,
    is_date,
    is_titled,
    office_cue,
    opens_with_verb,
    sentence_of,
    title_case,
)
from tracker.countries import COUNTRY_WORDS
from tracker.kb import UNSPLIT, Entity, KnowledgeBase, fold
from tracker.names import core

_PLAIN = str.maketrans("", "", "".join(chr(c) for c in range(0x300, 0x370)))


class SurnameRules:
    """Needs ``kb``, ``first_names`` and ``stop_words`` from the linker."""

    kb: KnowledgeBase | None
    first_names: frozenset[str] | set[str]
    stop_words: frozenset[str] | set[str]

    def _thing(self, doc: Doc, start: int, end: int) -> bool:
        """A name inside the name of a place, a building or a company."""
        before = doc[start - 1] if start > 0 else None
        if before is not None and fold(core(before.text)) in THING_BEFORE:
            return True
        # "a Harris poll", "the Gallup survey": a polling firm's name, not the person.
        if (before is not None and fold(before.text) in ("a", "an", "the", "un", "le")
                and end < len(doc) and fold(doc[end].text) in POLL_WORDS):
            return True
        # "Johnson & Johnson", "Johnson & Sons": a firm ("Obama & Biden" are people).
        name = doc[start:end].text
        if (start >= 2 and before.text == "&" and doc[start - 2].text == name) or (
                end + 1 < len(doc) and doc[end].text == "&"
                and doc[end + 1].text in (name, "Co", "Co.", "Sons", "Partners")):
            return True
        # "Trump Tower", "Ronald Reagan Washington National Airport"
        for token in doc[end:end + 4]:
            if not token.text[:1].isupper():
                return False
            if fold(token.text) in THING_AFTER:
                return True
        return False

    def _someone_else(self, doc: Doc, start: int, end: int) -> str | None:
        """``_someone_else_uncached``, once per match and document."""
        seen = doc.user_data.setdefault("tracker_other", {})
        if (start, end) not in seen:
            seen[start, end] = self._someone_else_uncached(doc, start, end)
        return seen[start, end]

    def _someone_else_uncached(self, doc: Doc, start: int, end: int) -> str | None:
        """Whether a bare surname names someone or something else: "person" for another
        person ("Michelle Obama", "Edgar Faure", "Lady Starmer", a longer PER entity),
        "thing" for a place, a company or a compound ("en Hollande", "Palais-Royal",
        "Trump Tower"); None otherwise."""
        before = doc[start - 1] if start > 0 else None
        if before is not None and fold(before.text) in SPOUSE_WORDS:
            return "person"
        if self._thing(doc, start, end):
            return "thing"
        after = doc[end] if end < len(doc) else None
        if is_date(doc, start, end):
            return "thing"  # "in May 2017", "May 8": the month
        if (after is not None and after.is_alpha and after.text[:1].isupper()
                and not after.is_upper and doc[end - 1].whitespace_
                and fold(after.text) not in TITLES
                and not title_case(sentence_of(doc, start), self.stop_words)):
            return "person"  # "Pierre Hurmic", "Sen. Jane Doe": part of a longer name
        if (before is not None and before.is_alpha and before.text[:1].isupper()
                and fold(before.text) in self.first_names
                and fold(before.text) not in TITLES and fold(before.text) not in ARTICLES):
            return "person"  # "le député Jean Dupont": a title does not make him Stella
        if is_titled(doc, start):
            return None
        if any(s <= start and end < e and any(t.text[:1].isupper() for t in doc[end:e])
               for s, e, label in ents(doc) if label in PERSON_LABELS):
            # the model reads a longer name that goes on after it; not "Macron parle",
            # where it took the verb in (a bullet "* Macron parle." counted nothing)
            return "person"
        if before is None:
            return None
        if before.text in ("-", "‑", "‐") and not before.whitespace_:
            ahead = doc[start - 2] if start > 1 else None
            if ahead.text[-1:].isalpha() and ahead.text[:1].islower():
                return None  # "anti-Trump", "l'après-Macron": the person
            return "thing"
        if fold(before.text) in PLACE_BEFORE:
            return "thing"
        word = fold(before.text)
        capitalised = before.is_alpha and before.text[:1].isupper() and not before.is_upper
        if capitalised and word not in ARTICLES and word not in TITLES and (
                word in self.first_names or not before.is_sent_start
                or (word not in self.stop_words and not doc[start].is_upper)):
            return "person"
        if any(t.is_alpha and t.text[:1].isupper() and fold(t.text) not in TITLES
               for s, e, label in ents(doc) if label in PERSON_LABELS
               and s < start <= e for t in doc[s:start]):
            return "person"
        return None

    def _resolve_surname(self, doc: Doc, start: int, end: int, ids: tuple[str, ...],
                         kind: str, full_names: list, day: dt.date | None
                         ) -> tuple[str | None, str]:
        """A bare surname (or an honorific's first name): the person named in full in the
        document (the first before it, else the first after it, as in a headline); else
        one KB person, if the person is prominent or the context shows a person is meant,
        and no other candidate is active at the date."""
        assert self.kb is not None
        surface = doc[start:end].text
        ids = tuple(i for i in ids if not _accents_added(surface, self.kb.entities[i]))
        if start > 0 and fold(doc[start - 1].text) in PEERAGE:
            ids = tuple(i for i in ids if self.kb.entities[i].country in ("GB", None))
        if not ids:
            return None, ""
        key = fold(surface)
        if kind == "honorific":
            named = [(i, e) for i, _, e in full_names if e in ids]
        else:
            named = [(i, e) for i, s, e in full_names if s == key]
        # The first person so named is the article's subject ("Jeb Bush ... his brother
        # George W. Bush ... Bush, 62"; "Michelle Obama ... son mari, Barack Obama ...
        # Obama": hers, so no one's), but a journalist's byline is not ("Par Julien
        # Faure" took every later "Faure" from Olivier Faure).
        before = [e for i, e in named if i < start and not (e is None and _byline(doc, i))]
        after = [e for i, e in named if i > start and e]  # a headline's surname
        # Written without a letter of theirs ("Store" for Støre), once per surname.
        dropped = {i for i in ids if _letters_dropped(surface, self.kb.entities[i])}
        if not before and dropped:
            after = []  # "Store-bought bread ... Jonas Gahr Støre": the word, before his name
        antecedent = before[0] if before else (after[0] if after else "")
        titled = is_titled(doc, start)
        labels = {label for s, e, label in ents(doc) if s <= start and end <= e}
        if labels & PLACE_LABELS and not titled and start > 0 and \
                fold(doc[start - 1].text) in PLACE_ARTICLES and not any(
                    self.kb.entities[i].surname_alone == "always" for i in ids) \
                and not (antecedent and _politics_of(doc, start)):
            return None, ""  # "toute la Hollande", "venus de Hollande": the country
        if antecedent is None and not titled:
            return None, ""  # the text named someone else with this surname
        if kind == "surname" and len(ids) > 1 and _family(doc, start, end):
            return None, ""  # "la guerre des Le Pen": the family, father and daughter
        if antecedent:
            if antecedent not in ids and kind == "surname":
                return None, ""
            family = family_word(doc, end)
            if family and len(ids) > 1:  # "Le Pen père", "Bush junior"
                return self._by_seniority(ids, family), "surname-family"
            return antecedent, "surname-after-name"
        # "Store" is Støre only after his full name: without its letter the word is
        # another ("Store leftovers", "im neuen Store").
        ids = tuple(i for i in ids if i not in dropped)
        if not ids:
            return None, ""
        candidates = [self.kb.entities[i] for i in ids]
        always = [e for e in candidates if e.surname_alone == "always"]
        country = fold(core(doc[start:end].text)) in COUNTRY_WORDS
        # Opening a sentence before a verb, a name is its subject ("Hollande a annoncé");
        # a French country would take its article ("la Hollande a battu"), an English
        # one opens a sentence bare ("Scotland has voted").
        subject = (not (country and doc.lang_ != "fr")) and opens_with_verb(doc, start, end)
        if labels & PLACE_LABELS and not titled and not always and not subject:
            return None, ""  # "toute la Hollande": the model reads a place
        # A title naming an office ("Speaker Johnson", "la sénatrice Vérien") picks the
        # one candidate who holds such an office at the date.
        cued = office_cue(doc, start)
        if cued:
            holders = [e for e in candidates if holds(e, cued, day)]
            if len(holders) == 1:
                return holders[0].id, "surname-in-context"
        active = [e for e in candidates if e.active(day)]
        if not active:
            # Nobody in office or in a party at the date: a hand-kept person may still be
            # meant (Chirac in 2024), an open-data one of the past is not (Cleveland).
            active = [e for e in candidates if not e.builtin]
        if len(active) > 1:
            ranked = [e for e in active if e.surname_alone == "always"] or active
            if len(ranked) > 1 and kind == "honorific":
                top = min(e.prominence(day) for e in ranked)
                ranked = [e for e in ranked if e.prominence(day) == top]
            if len(ranked) > 1 and day is not None and set.intersection(
                    *({a.party for a in e.affiliations} for e in ranked)):
                # Two of one name who shared a party ("Le Pen" in 2012, father and
                # daughter): the press's bare surname is the one leading a party that day,
                # and a month before (in the first weeks of a succession it is still
                # anyone's). Namesakes of other parties stay no one's ("Mme Faure").
                month_ago = day - dt.timedelta(days=SETTLED_DAYS)
                ranked = [e for e in ranked if _leads(e, day) and _leads(e, month_ago)] \
                    or ranked
            active = ranked
        if len(active) != 1:
            return None, ""
        person = active[0]
        if person.surname_alone == "never":
            return None, ""
        if person.surname_alone == "always" and not person.builtin:
            return person.id, "surname"
        context = titled or bool(labels & PERSON_LABELS) or kind == "honorific" or subject
        if not context and country:
            # "Scotland" is Baroness Scotland only when titled: without NER (English),
            # nothing else tells the country from the minister.
            return None, ""
        if (not context and doc[start].is_upper and len(doc[start]) > 2
                and person.prominence(day) == 1 and caps_line(sentence_of(doc, start))):
            # "PRÉSIDENTIELLE : HOLLANDE EN TÊTE": a headline in capitals names the
            # prominent by surname; capitals say nothing of places there.
            return person.id, "surname-in-context"
        if person.builtin:
            # An open-data person: prominent (head of government, minister...) or named
            # with a title, and no namesake active at the date.
            if person.prominence(day) == 1 and (context or _others(candidates, person, day)):
                return person.id, "surname-in-context" if context else "surname"
            if context and person.prominence(day) <= 2:
                return person.id, "surname-in-context"
            return None, ""
        if context:
            return person.id, "surname-in-context"
        return None, ""

    def _by_seniority(self, ids: tuple[str, ...], family: str) -> str:
        def first_start(entity_id: str) -> dt.date:
            entity = self.kb.entities[entity_id]
            starts = [a.start for a in entity.affiliations if a.start]
            if entity.birth:
                starts.append(entity.birth)
            return min(starts, default=dt.date.max)

        ordered = sorted(ids, key=first_start)
        return ordered[0] if family == "senior" else ordered[-1]


SETTLED_DAYS = 30  # a new party leader is "the" bare surname after these


def _leads(person: Entity, day: dt.date) -> bool:
    """Whether the person leads a party on that day (its renaming changes nothing)."""
    return any(o.role == "party_leader" and o.covers(day) for o in person.offices)


def _others(candidates: list[Entity], person: Entity, day: dt.date | None) -> bool:
    """No one else in the KB with this surname is active at the date."""
    return all(e is person or not e.active(day) for e in candidates)


def _accents_added(surface: str, person: Entity) -> bool:
    """A bare word with accents none of this person's names has is another word: writers
    drop accents, they do not add them ("le pape François" is not Mark Francois)."""
    surface = unicodedata.normalize(
        "NFC", "".join(c for c in surface if unicodedata.category(c) != "Cf"))  # soft hyphens
    plain = unicodedata.normalize("NFC", unicodedata.normalize("NFD", surface).translate(_PLAIN))
    if plain == surface:
        return False
    word = surface.casefold()
    return not any(word in re.findall(r"[\w'’-]+", unicodedata.normalize("NFC", name).casefold())
                   for name in (person.name, *person.aliases))


def _letters_dropped(surface: str, person: Entity) -> bool:
    """The surname is written without a letter Unicode gives no accent to drop (ø, ł, ß...),
    which matching reads as its plain form: "Store" for Støre, "Lokke" for Løkke."""
    surname = person.surname or ""
    return any(c in UNSPLIT for c in surname.casefold()) and not any(
        c in UNSPLIT for c in surface.casefold())


def _family(doc: Doc, start: int, end: int) -> bool:
    """"les Le Pen", "des Le Pen": a family's plural, not a list of rivals ("battre les
    Zemmour, les Le Pen et les Mélenchon", whose others are plurals too)."""
    if start < 1 or doc[start - 1].lower_ not in ("les", "des", "aux"):
        return False
    listed = (end + 1 < len(doc) and doc[end].text in (",", "et")
              and doc[end + 1].lower_ in ("les", "des", "aux"))
    listed |= (start >= 3 and doc[start - 2].text in (",", "et")
               and doc[start - 3].text[:1].isupper())
    return not listed


def _politics_of(doc: Doc, start: int) -> bool:
    """"le parti de Hollande", "les partisans d'Hollande": a noun of a person's politics
    before "de"."""
    return start > 1 and fold(doc[start - 1].text) in ("de", "d'") \
        and fold(doc[start - 2].text) in PERSON_OF


def _byline(doc: Doc, i: int) -> bool:
    """The name at ``i`` signs the article: "Par Julien Faure", "By Jane Doe" opening
    its line."""
    j = i - 1
    while (j >= 0 and i - j <= 3 and doc[j].lower_ not in ("par", "by")
           and (doc[j].is_space or doc[j].is_title)):
        j -= 1  # the first names
    if j < 0 or doc[j].lower_ not in ("par", "by"):
        return False
    opening = doc.text[:doc[j].idx].rstrip(" \t")
    return not opening or opening.endswith("\n")
