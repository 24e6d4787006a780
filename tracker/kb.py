"""The knowledge base: parties and politicians, their aliases and dated party affiliations.

The model and the name forms every stage compares (``fold``, ``slug``). Reading and
validating the files that config.yaml lists is ``tracker.kbload``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from tracker import affiliation

# Offices by prominence: 1 = a bare surname may mean this person in any article.
ROLES = {"head_of_state": 1, "head_of_government": 1, "minister": 1, "speaker": 1,
         "party_leader": 1, "governor": 2, "legislator": 2, "local": 3}
# No one is in office or in a party past this age, whatever a record left open says.
MAX_AGE = 100
# The open-data layer built by `tracker kb build`, shipped inside the package.
BUILTIN = "builtin"
# Quotes and dashes as one; letters Unicode does not split into a letter and an accent as
# the English press writes them ("Jonas Gahr Store" is Støre, "Radoslaw Sikorski" Radosław).
_REPLACED = {"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "‐": "-", "‑": "-", "–": "-",
             "—": "-", "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o",
             "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i", "ð": "d", "Ð": "d",
             "þ": "th", "Þ": "th", "ħ": "h", "Ħ": "h"}
# The letters matching began to read so in 2026-11 (tagger version 13), in lower case: a
# bare surname written without them ("Store" for Støre) may be a common word.
UNSPLIT = frozenset("øłđıðþħ")


def fold_text(text: str) -> str:
    """Case-, accent- and apostrophe-insensitive form used for matching names and
    comparing texts. Characters are judged once per distinct character, not once per
    occurrence (a whole article folds in a fraction of a millisecond)."""
    # str.replace of the few characters present: str.translate is slow on non-ASCII text.
    for old in _REPLACED.keys() & set(text):
        text = text.replace(old, _REPLACED[old])
    text = unicodedata.normalize("NFKD", text)
    # Accents go, and invisible characters (soft hyphen, zero-width space) with them.
    for c in set(text):
        if unicodedata.combining(c) or unicodedata.category(c) == "Cf":
            text = text.replace(c, "")
    return " ".join(text.lower().split())


# Words and names repeat: each distinct one is folded once per process. Whole texts go
# through ``fold_text``, uncached: a daemon's cache of articles would only grow.
fold = functools.lru_cache(maxsize=262_144)(fold_text)


def slug(name: str, *, plain_letters: bool = True) -> str:
    """"Yaël Braun-Pivet" -> "yael-braun-pivet": the id an entity gets from its name (the
    open-data build's people, discovered people, the gold sets' unknown people). Letters
    Unicode gives no accent to drop are written as the press writes them without:
    "Władysław" -> "wladyslaw", "Støre" -> "store", "Strauß" -> "strauss" (ids of the
    layer built before 2026-11-29 dropped them: "jonas-gahr-st-re", which
    ``plain_letters=False`` still gives)."""
    for old in _REPLACED.keys() & set(name) if plain_letters else ():
        name = name.replace(old, _REPLACED[old])
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


ENGLISH_SPEAKING = {"GB", "US", "IE", "CA", "AU", "NZ"}
# The familiar first names the English-speaking press writes for the formal ones the open
# data gives: "Mike Waltz" is Michael Waltz, "Chris Murphy" Christopher Murphy. Matched as
# written, capitalised ("prices will gray" is no William Gray; "Will" is left out: "Will
# Ford cut jobs?").
FAMILIAR = {
    "Michael": ("Mike",), "Christopher": ("Chris",), "William": ("Bill",),
    "Robert": ("Bob", "Rob", "Bobby"), "Richard": ("Rick", "Dick"), "James": ("Jim", "Jimmy"),
    "Thomas": ("Tom",), "Joseph": ("Joe",), "Charles": ("Chuck", "Charlie"),
    "Edward": ("Ed", "Ted"), "Daniel": ("Dan",), "Stephen": ("Steve",), "Steven": ("Steve",),
    "Anthony": ("Tony",), "Kenneth": ("Ken",), "Timothy": ("Tim",), "Patrick": ("Pat",),
    "Benjamin": ("Ben",), "Jonathan": ("Jon",), "Matthew": ("Matt",), "Andrew": ("Andy",),
    "Gregory": ("Greg",), "Jeffrey": ("Jeff",), "Nicholas": ("Nick",), "Samuel": ("Sam",),
    "Douglas": ("Doug",), "Gerald": ("Jerry",), "Donald": ("Don",), "Ronald": ("Ron",),
    "Frederick": ("Fred",), "Lawrence": ("Larry",), "Raymond": ("Ray",), "Peter": ("Pete",),
    "Alexander": ("Alex",), "Zachary": ("Zach",), "Joshua": ("Josh",), "David": ("Dave",),
    "Mitchell": ("Mitch",), "Bernard": ("Bernie",), "Theodore": ("Ted",),
    "Vincent": ("Vince",), "Philip": ("Phil",), "Phillip": ("Phil",), "Russell": ("Russ",),
    "Elizabeth": ("Liz", "Beth"), "Katherine": ("Kate", "Kathy"), "Catherine": ("Kate",
    "Cathy"), "Margaret": ("Maggie",), "Patricia": ("Pat",), "Deborah": ("Debbie",),
    "Rebecca": ("Becky",), "Jennifer": ("Jen", "Jenny"), "Susan": ("Sue",),
    "Kimberly": ("Kim",), "Victoria": ("Vicky",), "Abigail": ("Abby",),
}


def familiar_forms(aliases: tuple[str, ...]) -> tuple[str, ...]:
    """The names an English-speaking person's aliases give with a familiar first name."""
    known = set(aliases)
    out = []
    for alias in aliases:
        first, _, rest = alias.partition(" ")
        for short in FAMILIAR.get(first, ()) if rest else ():
            form = f"{short} {rest}"
            if form not in known:
                known.add(form)
                out.append(form)
    return tuple(out)


# What the open data writes around a name that the press leaves out: a courtesy title
# ("Hon Anne Tolley", "Dame Glenis Willmott"), initials ("Diederik M Samsom", "Jeffrey M.
# Donaldson", "W. Todd Akin"), a namesake's disambiguator ("Alexandra Martin (Gironde)").
_COURTESY = frozenset({"Hon", "Hon.", "Rt", "Rt.", "Right", "Honourable", "Dame", "Sir",
                       "Dr", "Dr."})
_INITIAL = re.compile(r"[A-NP-Z]\.?")  # not "O", an Irish name's particle written plain
_SUFFIXED = re.compile(r"(?:,|\s)\s*(?:Jr|Sr|II|III|IV)\.?$")
PLAIN_FORMS_VERSION = "1"  # in the KB's version: the names it derives are in the index
# Names ``plain_forms`` may shorten: a bracket, an initial or a courtesy title. Tested
# first, as the KB's 21,000 people are read at every load.
_COURTESY_START = "|".join(map(re.escape, _COURTESY))
_SHORTENABLE = re.compile(rf"\(|(?:^|\s)[A-NP-Z]\.?(?:\s|$)|^(?:{_COURTESY_START})(?:\s|$)")


def may_shorten(name: str) -> bool:
    return _SHORTENABLE.search(name) is not None


def plain_forms(name: str) -> tuple[str, ...]:
    """The open data's name as the press writes it, without a courtesy title, initials
    or a bracketed disambiguator. A name with "Jr." or "III" keeps its initials: "Robert
    F. Kennedy Jr." is no plain "Robert Kennedy"."""
    base = re.sub(r"\s*\([^)]*\)", "", name).strip()
    forms = [base] if base != name and len(base.split()) >= 2 else []
    words = base.split()
    if _SUFFIXED.search(base):
        return tuple(forms)
    while len(words) > 2 and words[0] in _COURTESY:
        words = words[1:]
    if len(words) >= 3 and _INITIAL.fullmatch(words[0]) and not _INITIAL.fullmatch(words[1]):
        words = words[1:]
    if len(words) >= 3 and not _INITIAL.fullmatch(words[0]):
        words = [words[0], *(w for w in words[1:-1] if not _INITIAL.fullmatch(w)), words[-1]]
    form = " ".join(words)
    if form not in (base, name) and len(words) >= 2:
        forms.append(form)
    return tuple(forms)


@functools.lru_cache(maxsize=65_536)
def is_acronym(alias: str) -> bool:
    """'UMP', 'LFI', 'PS': matched only when written in capitals."""
    letters = [c for c in alias if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and " " not in alias.strip()


@dataclass(frozen=True)
class Affiliation:
    party: str
    start: dt.date | None = None
    end: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Office:
    """A dated public office: what makes a person prominent enough to be named by surname."""

    role: str  # a key of ROLES
    label: str = ""
    start: dt.date | None = None
    end: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    type: str  # "party" or "politician"
    aliases: tuple[str, ...]
    country: str | None = None
    wikidata: str | None = None
    exact_case: tuple[str, ...] = ()
    surname: str | None = None
    surname_alone: str = "context"
    affiliations: tuple[Affiliation, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    successor: str | None = None
    # Another party these names mean when their sentence has one of these words:
    # "les Républicains" with "américains" or "Trump" is the US Republican Party.
    abroad: tuple[str, frozenset[str]] | None = None
    # Words for the party's members that count for it: "socialistes", "Democrats", "Tories".
    members: tuple[str, ...] = ()
    # Found in a text only where its country, or one of its people, is named next to it: a
    # parliament's group label ("BP", "Zentrum", "Civil Rights Movement") is no party else.
    country_cue: bool = False
    # Names counted only in a text that names the party otherwise too, or one of its people:
    # "Reform" is Reform UK after "Reform UK" or "Nigel Farage", not in "Reform is overdue".
    short_forms: tuple[str, ...] = ()
    offices: tuple[Office, ...] = ()
    birth: dt.date | None = None
    origin: str = ""
    # The stints are the open data's (seats' terms, with their gaps), kept under a hand-kept
    # or user's entry that gives none of its own: they are read as the layer's are.
    open_stints: bool = False

    @property
    def builtin(self) -> bool:
        """From the open-data layer, not from a hand-kept file."""
        return self.origin == BUILTIN

    @property
    def stints_from_open_data(self) -> bool:
        return self.builtin or self.open_stints

    def is_short(self, written: str) -> bool:
        """Whether a name as written is one of the short forms (in a headline's capitals
        too: "REFORM")."""
        return any(fold(written) == fold(form) for form in self.short_forms)

    def prominence(self, day: dt.date | None = None) -> int:
        """1: has been head of state or government, minister, speaker or party leader (by
        ``day``); 2: member of a parliament or governor; 3: local office; 4: none known. A
        hand-kept entry without offices was chosen for its prominence: 1."""
        offices = [o for o in self.offices if day is None or o.start is None or o.start <= day]
        if not offices:
            return 4 if self.builtin or self.offices else 1
        return min(ROLES.get(o.role, 4) for o in offices)

    def active(self, day: dt.date | None) -> bool:
        """In office or in a party at ``day``; not past a hundred: an open-data seat left
        open is no seat then (a Swiss councillor born in 1906, "elected" in 1976 with no
        end, took "Vincent is good at..." in 2024)."""
        if day is None:
            return True
        if self.birth is not None and day.year - self.birth.year > MAX_AGE:
            return False
        return any(a.covers(day) for a in self.affiliations) or any(
            o.covers(day) for o in self.offices)


@dataclass
class KnowledgeBase:
    entities: dict[str, Entity] = field(default_factory=dict)
    version: str = ""

    _before: tuple[int, dict[str, list[str]]] = field(default=(-1, {}), repr=False,
                                                      compare=False)

    def party_at(self, entity_id: str, day: dt.date | None) -> str | None:
        """The party a mention of this entity counts for on that day (a party counts for
        itself); `tracker.affiliation` says how the stints' gaps are read."""
        entity = self.entities[entity_id]
        if entity.type == "party":
            return entity.id
        return affiliation.party_at(self, entity, day or dt.date.today())

    def predecessors(self, party_id: str) -> list[str]:
        """The parties whose successor ``party_id`` is (the UMP for Les Républicains)."""
        size, before = self._before
        # Built at the first call, once the KB is loaded (it is not edited afterwards: a
        # reload builds a new one); the size check only guards a test's added entity.
        if size != len(self.entities):
            before = {}
            for entity in self.entities.values():
                if entity.successor:
                    before.setdefault(entity.successor, []).append(entity.id)
            self._before = (len(self.entities), before)
        return before.get(party_id, [])

    def parties(self) -> list[Entity]:
        return [e for e in self.entities.values() if e.type == "party"]

    def politicians(self) -> list[Entity]:
        return [e for e in self.entities.values() if e.type == "politician"]


def builtin_path() -> Path:
    """The open-data layer shipped in the package (``tracker kb build`` writes it)."""
    return Path(str(resources.files("tracker").joinpath("kbdata", "opendata.jsonl")))


def handkept_path() -> Path:
    """The hand-kept knowledge base shipped in the package: parties with their names over
    time, and the politicians typed and checked by hand."""
    return Path(str(resources.files("tracker").joinpath("kbdata", "entities.yaml")))
