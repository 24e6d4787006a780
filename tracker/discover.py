"""People the knowledge base does not know yet, introduced in the text with an office or
a party in brackets.

"le député LR de la Manche Philippe Gosselin", "la sénatrice Dominique Vérien",
"Bernard Combes, maire de Tulle", "state Sen. Jane Doe", "Rep. Jared Golden (D-Maine)",
"the Democratic governor Andy Beshear", "Gaël Perdriau (UMP)": the office or the party
says a politician is meant, and may give the party. Such a person is stored as a
*discovered* politician (method ``discovered``, a lower confidence), whose id is the slug
of the name as written; later mentions of the surname in the same document link to them.
``tracker candidates`` lists them with the sentence as evidence and ``tracker kb accept``
adds them to a user KB file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.tokens import Doc, Span, Token

from tracker.context import HONORIFICS, THING_BEFORE, sentence_of, title_case
from tracker.countries import DEMONYMS
from tracker.kb import fold
from tracker.offices import (
    HEADS,
    NOT_POLITICS,
    OFFICE_WORDS,
    is_cap,
    party_between,
    political,
    region_after,
)

# Words that may stand between an office and the name: "le député LR de la Manche X".
PARTICLES = {"de", "du", "des", "le", "la", "l'", "d'", "van", "von", "der", "den", "da",
             "di", "del", "della", "dos", "bin", "al", "el", "ben", "mac", "st."}
STOP_WORDS = frozenset(EN_STOP_WORDS)
# Ranks and honorifics between an office and a name, which are no part of the name.
RANKS = {fold(w) for w in (
    "General", "Gen", "Colonel", "Col", "Admiral", "Adm", "Designate", "Elect", "Sir",
    "Dame", "Lord", "Lady", "Baron", "Baroness", "Dr", "Prof", "Professor", "Rev")}
# Capitalised words after an office that begin a body or a firm, not a name:
# "Representative Town Meeting", "MP Materials Corporation", "Prime Minister Office".
NOT_NAMES = {fold(w) for w in (
    "Office", "Meeting", "Town", "Council", "Committee", "Corporation", "Corp", "Inc",
    "Election", "Elections", "Materials", "Department", "Ministry", "Cabinet", "Party",
    "Government", "Administration", "Budget", "Plan", "Bill", "Act")}
MONTHS = {fold(w) for w in (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday")}
# "(D-Maine)", "(R-Texas)": the US party letter after a name.
US_PARTY_LETTER = re.compile(r"^\(?([DRI])$")
MAX_GAP = 7  # tokens between the office word and the name
# Words, lower case, that begin another clause between an office and a name.
CLAUSE_WORDS = {"en": {"said", "says", "that", "who", "which", "and", "but", "while", "when",
                       "will", "would", "has", "had", "was", "is"},
                "fr": {"qui", "que", "a", "est", "mais", "sera", "avait", "dont"}}
# Lower-case words after an office's comma that still lead to its holder: "le maire de
# Paris, la socialiste X", "the governor, former senator X".
AFTER_COMMA = {"fr": {"le", "la", "l'", "les", "un", "une", "ancien", "ancienne", "son", "sa",
                      *HONORIFICS},
               "en": {"the", "a", "an", "former", *HONORIFICS}}  # ("a" is French for "has")


@dataclass(frozen=True)
class Discovered:
    start: int  # token offsets in the doc
    end: int
    name: str
    party: str | None
    rule: str  # discovered (with its office) or discovered-after-name



def discover(doc: Doc, taken: set[int], first_names: frozenset[str],
             party_of: Callable[[int], str | None],
             members: set[int] | frozenset[int] = frozenset()) -> list[Discovered]:
    """Names introduced with an office that no KB name covers. ``taken`` holds the
    tokens of the KB's mentions; ``party_of(i)`` is the party of a KB mention at token i
    (a party name or member word) or None; ``members``, the tokens of member words."""
    found: list[Discovered] = []
    used = set(taken)
    norms = doc.user_data.get("tracker_norms") or [fold(t.text) for t in doc]
    for i in [i for i, norm in enumerate(norms) if norm in OFFICE_WORDS]:
        token = doc[i]
        if (token.i in used or not political(doc, norms, i, party_of, first_names)
                or (i > 0 and norms[i - 1] in NOT_POLITICS)):
            continue
        # After a region's name, not in it: "Centre-Val de Loire, X" ("Val de Loire" is
        # no one), "de Lorraine Jean X" ("Lorraine" a first name too).
        region = region_after(doc, i, first_names) if norms[i] in HEADS else None
        name = _name_after(doc, region or token.i + 1, first_names, used)
        if name is not None and norms[i] == "tete" and doc[name[0] - 1].text != ",":
            name = None  # "la tête de liste Nouvel Élan Julien X": the list's name first
        if name is not None:
            start, end = name
            party = party_between(doc, max(0, token.i - 2), start, party_of) or \
                _party_after(doc, end, party_of)
            found.append(_make(doc, start, end, party, used))
            continue
        # "Bernard Combes, maire de Tulle": a name, a comma, then the office.
        if token.i >= 3 and doc[token.i - 1].text == "," or (
                token.i >= 4 and doc[token.i - 2].text == "," and
                fold(doc[token.i - 1].text) in {"le", "la", "l'", "the", "a", "ancien",
                                                "ancienne", "former", "state"}):
            comma = token.i - 1 if doc[token.i - 1].text == "," else token.i - 2
            span = _name_before(doc, comma, first_names, used)
            if span is not None and not _named_thing(doc, span[0]) \
                    and not _office_of_next(doc, token.i, taken):
                party = _party_after(doc, token.i + 1, party_of, reach=4)
                found.append(_make(doc, span[0], span[1], party, used))
    # "Gaël Perdriau (UMP)", "Loïg Chesnais-Girard (PS)": the press writes a politician's
    # party in brackets right after the name, office or not.
    for i in [i for i in range(1, len(norms) - 2) if norms[i] == "("]:
        if norms[i + 2] not in (")", ","):
            continue
        party = party_of(i + 1)
        span = _name_before(doc, i, first_names, used) if party else None
        if span is not None and not _named_thing(doc, span[0]):
            found.append(_make(doc, span[0], span[1], party, used))
    found.extend(_by_party(doc, norms, first_names, party_of, used, members))
    # Later mentions of a discovered person's surname in the same document.
    surnames = {fold(doc[d.end - 1].text): d for d in found}
    for i in [i for i, norm in enumerate(norms) if norm in surnames] if surnames else ():
        token = doc[i]
        d = surnames[norms[i]]
        if (token.i >= d.end and token.i not in used
                and token.text[:1].isupper()
                and not (token.i > 0 and doc[token.i - 1].text[:1].isupper()
                         and fold(doc[token.i - 1].text) in first_names)):
            used.add(token.i)
            found.append(Discovered(token.i, token.i + 1, d.name, d.party,
                                    "discovered-after-name"))
    return sorted(found, key=lambda d: d.start)


# "the Greens, led by X", "le PS, dirigé par X", "coprésidé par X et Y": a party's leader.
LED_BY = {fold(w) for w in (
    "led", "co-led", "headed", "dirigé", "dirigée", "dirigés", "dirigées", "codirigé",
    "codirigée", "codirigés", "mené", "menée", "menés", "menées", "présidé", "présidée",
    "présidés", "présidées", "coprésidé", "coprésidée", "coprésidés", "coprésidées",
    "conduit", "conduite", "conduits", "conduites", "emmené", "emmenée", "emmenés",
    "emmenées")}
POSSESSIVE = {"'s", "’s"}


def _by_party(doc: Doc, norms: list[str], first_names: frozenset[str],
              party_of: Callable[[int], str | None], used: set[int],
              members: set[int] | frozenset[int]) -> list[Discovered]:
    """Names the party they belong to introduces: "Labour's Richard Parker", "Democrat
    Andrew Gillum", "Akhilesh Yadav's Samajwadi Party", "l'UDC de Marco Chiesa", "the
    Greens, led by Adam Bandt", "le PS, coprésidé par X et Y". The name must begin with a
    known first name (or the model's person), as after a party in brackets."""
    found: list[Discovered] = []
    i = 0
    while i < len(doc):
        party = party_of(i)
        if not party:
            i += 1
            continue
        start = i
        while i < len(doc) and party_of(i) == party:
            i += 1
        spans = []
        after = doc[i].text if i < len(doc) else ""
        if after in POSSESSIVE and doc.lang_ == "en":  # "Labour's Richard Parker"
            spans.append(_name_at(doc, i + 1, first_names, used))
        elif doc.lang_ == "en" and i - start == 1 and start in members:
            # "Democrat Andrew Gillum": a member's word ("Labour Andrew Neil said" is none)
            spans.append(_name_at(doc, i, first_names, used))
        elif fold(after) in ("de", "d'") and doc.lang_ == "fr" and (
                doc[start].text.isupper() or "parti" in norms[start:i]):
            # "l'UDC de Marco Chiesa"; not "les Verts de Christophe Galtier", a club's.
            spans.append(_name_at(doc, i + 1, first_names, used))
        else:
            spans.extend(_led_by(doc, i, first_names, used))
        if start >= 2 and doc[start - 1].text in POSSESSIVE and doc.lang_ == "en":
            spans.append(_name_before(doc, start - 1, first_names, used))  # "X's Party"
        for span in spans:
            if span is not None and not set(range(*span)) & used:
                found.append(_make(doc, span[0], span[1], party, used))
    return found


def _led_by(doc: Doc, i: int, first_names: frozenset[str], used: set[int]
            ) -> list[tuple[int, int] | None]:
    """"…, led by X", "…, coprésidé par X et Y" right after a party's name."""
    j = i + 1 if i < len(doc) and doc[i].text == "," else i
    if j + 2 >= len(doc) or fold(doc[j].text) not in LED_BY or \
            fold(doc[j + 1].text) not in ("by", "par"):
        return []
    first = _name_at(doc, j + 2, first_names, used)
    if first is None:
        return []
    spans = [first]
    if first[1] + 1 < len(doc) and fold(doc[first[1]].text) in ("et", "and"):
        spans.append(_name_at(doc, first[1] + 1, first_names, used))
    return spans


def _make(doc: Doc, start: int, end: int, party: str | None, used: set[int]) -> Discovered:
    used.update(range(start, end))
    if end - start >= 3 and fold(doc[start].text) in HONORIFICS:
        start += 1  # "Mme Bernadette X" is Bernadette X; "Mme Combelle" keeps its "Mme"
    name = " ".join(doc[start:end].text.split())
    return Discovered(start, end, name, party, "discovered")


def _name_at(doc: Doc, i: int, first_names: frozenset[str], used: set[int],
             titled: bool = False) -> tuple[int, int] | None:
    """A person's name starting at token i: a known first name (or a name the model
    begins a person with: the list lacks "Amandine"), then capitalised words (particles
    and hyphens allowed), two words at least, none in a KB mention. Right after its
    office (``titled``: "Foreign Minister Anatoly Berezkin", where English has no model
    to say so), two or three capitalised words that are no grammar, office or country
    word are a name too, outside a headline in Title Case."""
    if i >= len(doc) or i in used or not is_cap(doc[i].text):
        return None
    known = fold(doc[i].text) in first_names or (
        doc[i].ent_iob_ == "B" and doc[i].ent_type_ in ("PER", "PERSON"))
    if not known and not titled:
        return None
    j = i + 1
    words = 1
    while j < len(doc) and j not in used:
        text = doc[j].text
        if text in ("-", "‑") and not doc[j - 1].whitespace_ and j + 1 < len(doc) \
                and is_cap(doc[j + 1].text):
            j += 2
            continue
        if fold(text) in PARTICLES and j + 1 < len(doc) and is_cap(doc[j + 1].text) \
                and doc[j].whitespace_:
            j += 2
            words += 1
            continue
        if is_cap(text) and doc[j - 1].whitespace_:
            j += 1
            words += 1
            continue
        break
    if words < 2 or words > 4:
        return None
    if any(fold(t.text) in OFFICE_WORDS or fold(t.text) in HEADS for t in doc[i + 1:j]):
        return None  # "German Chancellor" (Germán a first name): an office, no one's name
    if not known and (words > 3 or not all(_bare_name_word(t) for t in doc[i:j]
                                           if is_cap(t.text))
                      or _headline(sentence_of(doc, i))):
        return None
    return i, j


def _bare_name_word(token: Token) -> bool:
    word = fold(token.text)
    return (token.is_alpha and not token.is_stop and word not in STOP_WORDS
            and word not in OFFICE_WORDS and word not in DEMONYMS and word not in MONTHS
            and word not in NOT_NAMES and word not in RANKS)


def _headline(sent: Span) -> bool:
    """A headline in Title Case, where capitals tell nothing: grammar words capitalised
    ("Trump Says He Will Run"), or no word in lower case but offices and grammar words
    ("Egyptian President Hosts Gaza Talks", "Opposition leader Says Government Failed")."""
    return title_case(sent, STOP_WORDS) or not any(
        t.is_alpha and t.text.islower() and fold(t.text) not in STOP_WORDS
        and fold(t.text) not in OFFICE_WORDS for t in sent)


def _name_after(doc: Doc, i: int, first_names: frozenset[str], used: set[int]
                ) -> tuple[int, int] | None:
    """The first name within a few tokens after an office word, past place words and a
    party ("le député LR de la Manche Philippe Gosselin")."""
    start = i  # where a name right after the office would begin
    brackets = 0
    for j in range(i, min(len(doc), i + MAX_GAP)):
        if doc[j].text in (".", ";", ":", "!", "?", "»", '"') or doc[j].is_space:
            return None
        brackets += {"(": 1, ")": -1}.get(doc[j].text, 0)
        if j > start and doc[j].text in CLAUSE_WORDS.get(doc.lang_, ()):
            return None  # "the Conservative mayor said that Labour's X": another clause
        if j > 0 and fold(doc[j - 1].text) in ("la", "du", "des", "l'"):
            continue  # "ministre de la Santé de Donald Trump": the portfolio, no first name
        if (j == start or j == start + 1 and doc[start].text == ",") \
                and fold(doc[j].text).rstrip(".") in RANKS:
            # "Commissioner General Philippe Lazzarini", "Minister Dr X", "MSP, Dr X"
            start = j + 1
            continue
        if doc[j].text == "," and j > start and brackets <= 0 and j + 1 < len(doc):
            # "le maire de Lyon, Grégory Doucet", "…, la socialiste X", "…, M. X": the
            # name after the office's comma; a verb or a conjunction there ends the
            # office: "X, maire de Nantes, a reçu Michaël Delafosse" is not his.
            span = _name_at(doc, j + 1, first_names, used)
            after = doc[j + 1]
            if span is not None:
                return span
            if not is_cap(after.text) and fold(after.text) not in AFTER_COMMA.get(
                    doc.lang_, AFTER_COMMA["fr"]):
                return None
            continue
        # Right after the office, or its comma: "Iran's president, Reza Tavakoli". With
        # no model to say a name starts, English only (French has one).
        titled = doc.lang_ == "en" and (j == start or (j == start + 1
                                                       and doc[start].text == ","))
        span = _name_at(doc, j, first_names, used, titled=titled)
        if span is not None:
            return span
    return None


def _named_thing(doc: Doc, start: int) -> bool:
    """"l'aéroport Charles de Gaulle", "le porte-avions Charles-de-Gaulle": a place or a
    ship named after someone."""
    return start > 0 and fold(doc[start - 1].text) in THING_BEFORE


def _office_of_next(doc: Doc, office: int, taken: set[int]) -> bool:
    """"À l'aéroport X, la ministre des Armées, Catherine Vautrin, a salué": the office
    between two commas introduces the name after it, not the one before."""
    for i in range(office + 1, min(len(doc) - 1, office + 8)):
        if doc[i].text == ",":
            after = doc[i + 1]
            return after.text[:1].isupper() and (after.i in taken
                                                 or after.ent_type_ in ("PER", "PERSON"))
        if doc[i].is_sent_end:
            break
    return False


def _name_before(doc: Doc, comma: int, first_names: frozenset[str], used: set[int]
                 ) -> tuple[int, int] | None:
    for start in range(max(0, comma - 4), comma):
        span = _name_at(doc, start, first_names, used)
        if span is not None and span[1] == comma:
            return span
    return None


def _party_after(doc: Doc, end: int, party_of: Callable[[int], str | None], reach: int = 3
                 ) -> str | None:
    """"(PS)", "(D-Maine)" right after the name."""
    for i in range(end, min(len(doc), end + reach)):
        if fold(doc[i].text) in ("and", "et", "or", "ou"):
            return None  # "X and NDP MLA Y": the party of the next one
        party = party_of(i)
        if party:
            return party
        match = US_PARTY_LETTER.match(doc[i].text)
        if match and i + 1 < len(doc) and doc[i + 1].text in ("-", "–"):
            return {"D": "democratic-party", "R": "republican-party"}.get(match.group(1))
    return None
