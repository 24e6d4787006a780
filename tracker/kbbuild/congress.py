"""Reader for the US Congress and the US executive (unitedstates/congress-legislators).

Three files, one YAML list of people each: ``legislators-current.yaml`` (members now
sitting), ``legislators-historical.yaml`` (everyone who sat since 1789) and
``executive.yaml`` (presidents and vice presidents).  A person is keyed by the bioguide id
(``id.bioguide``); presidents without one (never in Congress) by ``govtrack:<id>``.  A
person listed in two files (a senator who became vice president) is one record.

What is read:

* every term -> an office: "rep" -> ``legislator`` "Representative", "sen" -> ``legislator``
  "Senator", "prez" -> ``head_of_state`` "President", "viceprez" -> ``minister`` "Vice
  President", dated by the term; the top leadership roles of a chamber (Speaker, President
  pro tempore, floor leaders) -> ``speaker`` / ``party_leader``;
* every term's party (or, when the member changed party during the term, each period of its
  ``party_affiliations``) -> a stint dated by the term; consecutive periods of the same party
  (less than a year apart: before 1935 members were often sworn in months after their term
  began) make one stint.  A stint still running when the copy was made (its end after the
  copy's date, ``SOURCE.json`` beside the data, else today) is left open: the term's end is
  not the end of the membership;
* "Independent", "no party", "Unknown" and the "Ind. ..." labels are no party: no stint;
* a term dated before the founding of the KB party it maps to (the early "Republican"
  labels are Jefferson's Republicans, not the party of 1854) gets no stint.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import re
import unicodedata

import yaml

from tracker.kbbuild.records import Office, Party, Person, Stint, clean, snapshot_date

SOURCE = {
    "name": "congress",
    "repo": "unitedstates/congress-legislators",
    "url": "https://github.com/unitedstates/congress-legislators",
    "licence": "CC0 1.0 Universal (public domain dedication, "
               "https://github.com/unitedstates/congress-legislators/blob/main/LICENSE)",
    "paths": ["legislators-current.yaml", "legislators-historical.yaml", "executive.yaml"],
}

FILES = ("legislators-current.yaml", "legislators-historical.yaml", "executive.yaml")
HISTORICAL = "legislators-historical.yaml"
COUNTRY = "US"

# term type -> (role, label)
_TERMS = {
    "rep": ("legislator", "Representative"),
    "sen": ("legislator", "Senator"),
    "prez": ("head_of_state", "President"),
    "viceprez": ("minister", "Vice President"),
}

# leadership_roles titles kept as offices (the others are party-conference posts).
_LEADERSHIP = {
    "Speaker of the House": "speaker",
    "President Pro Tempore of the Senate": "speaker",
    "Senate Majority Leader": "party_leader",
    "Senate Minority Leader": "party_leader",
    "House Majority Leader": "party_leader",
    "House Minority Leader": "party_leader",
}

# Founding dates of the KB parties (tracker/kbdata/entities.yaml): earlier terms get no stint.
_KB_START = {
    "democratic-party": dt.date(1828, 1, 8),
    "republican-party": dt.date(1854, 3, 20),
}

# Parties the curated KB lacks: id -> (official name, aliases).
NEW_PARTIES = {
    "federalist-party": ("Federalist Party", ["Federalists"]),
    "democratic-republican-party": ("Democratic-Republican Party", []),
    "pro-administration-party": ("Pro-Administration Party", []),
    "anti-administration-party": ("Anti-Administration Party", []),
    "jacksonians": ("Jacksonians", []),
    "national-republican-party": ("National Republican Party", []),
    "whig-party-us": ("Whig Party", []),
    "anti-masonic-party": ("Anti-Masonic Party", []),
    "nullifier-party": ("Nullifier Party", []),
    "free-soil-party": ("Free Soil Party", []),
    "liberty-party-us": ("Liberty Party", []),
    "american-party-us": ("American Party", ["Know Nothing Party"]),
    "law-and-order-party-of-rhode-island": ("Law and Order Party of Rhode Island", []),
    "opposition-party-us": ("Opposition Party", []),
    "conservative-party-us": ("Conservative Party", []),
    "unionist-party-us": ("Unionist Party", []),
    "unconditional-union-party": ("Unconditional Union Party", []),
    "constitutional-union-party": ("Constitutional Union Party", []),
    "liberal-republican-party": ("Liberal Republican Party", []),
    "greenback-party": ("Greenback Party", ["National Greenback Party"]),
    "readjuster-party": ("Readjuster Party", []),
    "union-labor-party": ("Union Labor Party", []),
    "peoples-party-us": ("People's Party", ["Populist Party"]),
    "silver-republican-party": ("Silver Republican Party", []),
    "silver-party": ("Silver Party", []),
    "prohibition-party": ("Prohibition Party", []),
    "progressive-party-us": ("Progressive Party", []),
    "socialist-party-of-america": ("Socialist Party of America", []),
    "farmer-labor-party": ("Farmer–Labor Party", ["Farmer-Labor Party",
                                                  "Minnesota Farmer-Labor Party"]),
    "american-labor-party": ("American Labor Party", []),
    "libertarian-party-us": ("Libertarian Party", []),
    "partido-popular-democratico": ("Partido Popular Democrático", ["Popular Democratic Party"]),
    "partido-nuevo-progresista": ("Partido Nuevo Progresista", ["New Progressive Party"]),
}

# The source's party labels -> our party ids (None: no party).  Labels not listed become a
# new party "<slug of the label>-us" (see _party_id).
PARTIES: dict[str, str | None] = {
    "Democrat": "democratic-party",
    "Democratic": "democratic-party",
    "Democrat Farmer Labor": "democratic-party",
    "Democratic Farmer Labor": "democratic-party",
    "Democrat-Liberal": "democratic-party",
    "Anti-Lecompton Democrat": "democratic-party",
    "Union Democrat": "democratic-party",
    "Adams Democrat": "democratic-party",
    "Republican": "republican-party",
    "Conservative Republican": "republican-party",
    "Progressive Republican": "republican-party",
    "Republican-Conservative": "republican-party",
    "Crawford Republican": "republican-party",     # 1820s factions of Jefferson's
    "Jackson Republican": "republican-party",      # Republicans: dated before 1854,
    "Adams Clay Republican": "republican-party",   # so they get no stint
    "Federalist": "federalist-party",
    "Adams Clay Federalist": "federalist-party",
    "Democratic-Republican": "democratic-republican-party",
    "Democratic Republican": "democratic-republican-party",
    "Pro-Administration": "pro-administration-party",
    "Anti-Administration": "anti-administration-party",
    "Jackson": "jacksonians",
    "Jacksonian": "jacksonians",
    "Adams": "national-republican-party",
    "Anti Jackson": "national-republican-party",
    "Anti Jacksonian": "national-republican-party",
    "Anti-Jacksonian": "national-republican-party",
    "National Republican": "national-republican-party",
    "Whig": "whig-party-us",
    "Anti Masonic": "anti-masonic-party",
    "Anti-Masonic": "anti-masonic-party",
    "Nullifier": "nullifier-party",
    "Free Soil": "free-soil-party",
    "Liberty": "liberty-party-us",
    "American": "american-party-us",
    "Know Nothing": "american-party-us",
    "Law and Order": "law-and-order-party-of-rhode-island",
    "Opposition": "opposition-party-us",
    "Conservative": "conservative-party-us",
    "Unionist": "unionist-party-us",
    "Union": "unionist-party-us",
    "Unconditional Unionist": "unconditional-union-party",
    "Constitutional Unionist": "constitutional-union-party",
    "Liberal Republican": "liberal-republican-party",
    "Greenbacker": "greenback-party",
    "National Greenbacker": "greenback-party",
    "Readjuster": "readjuster-party",
    "Readjuster Democrat": "readjuster-party",
    "Union Labor": "union-labor-party",
    "Populist": "peoples-party-us",
    "Silver Republican": "silver-republican-party",
    "Silver": "silver-party",
    "Free Silver": "silver-party",
    "Prohibitionist": "prohibition-party",
    "Progressive": "progressive-party-us",
    "Socialist": "socialist-party-of-america",
    "Farmer-Labor": "farmer-labor-party",
    "American Labor": "american-labor-party",
    "Libertarian": "libertarian-party-us",
    "Popular Democrat": "partido-popular-democratico",
    "New Progressive": "partido-nuevo-progresista",
    # not parties
    "Independent": None,
    "Independent Democrat": None,
    "Independent Republican": None,
    "Ind. Democrat": None,
    "Ind. Republican": None,
    "Ind. Republican-Democrat": None,
    "Ind. Whig": None,
    "Nonpartisan": None,
    "no party": None,
    "Unknown": None,
    "": None,
}

# Presidents whose first + last name is another president's: named as the press names them.
_PRESS_NAMES = {
    "A000041": "John Quincy Adams",
    "B001166": "George H. W. Bush",
    "govtrack:412375": "George W. Bush",
}

_SUFFIX = re.compile(r",?\s+(?:Jr|Sr)\.?$|,?\s+(?:II|III|IV|V)$")
_QUOTED = re.compile(r"\s*[\"“][^\"”]*[\"”]")
_INITIAL = re.compile(r"^[A-Z]\.$")
_YEAR = dt.timedelta(days=366)


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text.replace("'", "")).strip("-")


def _party_id(label: str) -> str | None:
    label = " ".join(str(label or "").split())
    if label in PARTIES:
        return PARTIES[label]
    if label.startswith(("Ind.", "Independent")):
        return None
    return f"{slug(label)}-us"


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _load(path: pathlib.Path) -> list[dict]:
    if not path.is_file():
        if path.name == HISTORICAL:
            # 9 MB, absent from some mirrors: past members then come from the
            # everypolitician reader; the provenance lists the files read.
            return []
        raise FileNotFoundError(f"{path.name} not found in {path.parent}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=loader)  # noqa: S506 (a safe loader)
    return [entry for entry in data or [] if isinstance(entry, dict)]




# ------------------------------------------------------------------------------ names



def _names(name: dict) -> tuple[str, str | None, list[str]]:
    """(press name, surname when not the last word, aliases)."""
    first, middle = clean(name.get("first")), clean(name.get("middle"))
    last, nick = clean(name.get("last")), clean(name.get("nickname"))
    if nick and not nick[0].isupper():          # "of Carrollton" is not a nickname
        nick = ""
    given = first
    if _INITIAL.match(first) and middle and not nick:  # "J. French Hill": known so
        given = f"{first} {middle}"
    press = " ".join(p for p in (nick or given, last) if p)
    surname = last if " " in last else None
    aliases: list[str] = []
    official = clean(name.get("official_full"))
    if official:
        words = _SUFFIX.sub("", _QUOTED.sub("", official)).split()
        words = [w for i, w in enumerate(words) if i == 0 or not _INITIAL.match(w)]
        aliases.append(" ".join(words))
    if nick:
        aliases.append(" ".join(p for p in (given, last) if p))
    ballot = clean(name.get("ballot"))
    if ballot:
        aliases.append(ballot)
    return press, surname, aliases


def _initials_alias(name: dict) -> list[str]:
    """"Franklin D. Roosevelt", "Harry S. Truman": how the press names presidents."""
    first, middle, last = (clean(name.get(k)) for k in ("first", "middle", "last"))
    if not (first and middle and last) or clean(name.get("nickname")):
        return []
    initials = " ".join(f"{w[0]}." for w in middle.split() if w[0].isupper())
    return [f"{first} {initials} {last}"] if initials else []


def _other_names(entry: dict, press: str, last: str) -> list[str]:
    """Former names ("other_names": [{last: Bono, end: ...}]) as full names."""
    out = []
    for other in entry.get("other_names") or []:
        if not isinstance(other, dict):
            continue
        old_last = clean(other.get("last")) or last
        old_first = clean(other.get("nickname") or other.get("first"))
        given = old_first or press[: len(press) - len(last)].strip()
        if old_last and given:
            out.append(f"{given} {old_last}")
    return out


# ------------------------------------------------------------------------------ terms

def _periods(term: dict) -> list[tuple[str | None, dt.date | None, dt.date | None]]:
    """(party label, start, end) of a term: its party_affiliations when it has some."""
    start, end = _date(term.get("start")), _date(term.get("end"))
    periods = []
    for aff in term.get("party_affiliations") or []:
        if isinstance(aff, dict):
            periods.append((aff.get("party"), _date(aff.get("start")) or start,
                            _date(aff.get("end")) or end))
    return periods or [(term.get("party"), start, end)]


def _stints(periods, asof: dt.date, skipped: dict, labels: dict) -> list[Stint]:
    stints: list[Stint] = []
    current: Stint | None = None
    for label, start, end in sorted(periods, key=lambda p: (p[1] or dt.date.max)):
        party = _party_id(label or "")
        if party:
            labels.setdefault(party, clean(label))
        founded = _KB_START.get(party or "")
        if party and founded and (start is None or start < founded):
            skipped[label] = skipped.get(label, 0) + 1
            party = None
        if party is None or start is None:
            current = None
            continue
        if (current and current.party == party and current.end
                and start <= current.end + _YEAR):
            current.end = max(current.end, end) if end else current.end
            continue
        current = Stint(party, start, end)
        stints.append(current)
    for stint in stints:
        if stint.end and stint.end > asof:
            stint.end = None
    return stints


def _offices(entry: dict) -> list[Office]:
    offices = []
    for term in entry.get("terms") or []:
        kind = _TERMS.get(str(term.get("type") or ""))
        start = _date(term.get("start"))
        if kind and start:
            offices.append(Office(kind[0], kind[1], start, _date(term.get("end"))))
    for lead in entry.get("leadership_roles") or []:
        role = _LEADERSHIP.get(clean(lead.get("title")))
        start = _date(lead.get("start"))
        if role and start:
            offices.append(Office(role, clean(lead.get("title")), start,
                                  _date(lead.get("end"))))
    return offices


# ------------------------------------------------------------------------------ read

def _key(ids: dict) -> str | None:
    if ids.get("bioguide"):
        return str(ids["bioguide"])
    if ids.get("govtrack"):
        return f"govtrack:{ids['govtrack']}"
    return None


def read(root: pathlib.Path, skipped: dict | None = None) -> tuple[list[Person], list[Party]]:
    """People of the three files (the historical one optional); ``skipped`` (optional)
    receives, per party label, the number of terms dated before the founding of the KB
    party it maps to."""
    root = pathlib.Path(root)
    entries = [entry for name in FILES for entry in _load(root / name)]
    asof = snapshot_date(root)
    skipped = {} if skipped is None else skipped
    labels: dict[str, str] = {}      # party id -> the first source label seen for it

    # one group of entries per person: bioguide, else govtrack id (shared across files)
    govtrack_key: dict[str, str] = {}
    for entry in entries:
        ids = entry.get("id") or {}
        if ids.get("bioguide") and ids.get("govtrack"):
            govtrack_key[str(ids["govtrack"])] = str(ids["bioguide"])
    groups: dict[str, list[dict]] = {}
    for entry in entries:
        ids = entry.get("id") or {}
        key = _key(ids)
        if key and key.startswith("govtrack:"):
            key = govtrack_key.get(str(ids["govtrack"]), key)
        if key:
            groups.setdefault(key, []).append(entry)

    people: list[Person] = []
    used: set[str] = set()
    for key, group in groups.items():
        # the congressional entry names the person (it has official_full); then executive
        main = group[0]
        name = main.get("name") or {}
        press, surname, aliases = _names(name)
        if not press:
            continue
        aliases += _other_names(main, press, clean(name.get("last")))
        if key in _PRESS_NAMES:     # "John Adams" is his father: not an alias
            press, aliases = _PRESS_NAMES[key], []
        periods, offices = [], []
        wikidata, birth = None, None
        for entry in group:
            ids = entry.get("id") or {}
            wikidata = wikidata or (str(ids["wikidata"]) if ids.get("wikidata") else None)
            birth = birth or _date((entry.get("bio") or {}).get("birthday"))
            if entry is not main and key not in _PRESS_NAMES:
                aliases += _names(entry.get("name") or {})[2]
            if any((t or {}).get("type") in ("prez", "viceprez") for t in entry.get("terms") or []):
                aliases += _initials_alias(entry.get("name") or {})
            for term in entry.get("terms") or []:
                if isinstance(term, dict) and term.get("type") in _TERMS:
                    periods += _periods(term)
            offices += _offices(entry)
        stints = _stints(periods, asof, skipped, labels)
        offices.sort(key=lambda o: (o.start or dt.date.min, o.role))
        if not stints and not any(o.start or o.end for o in offices):
            continue
        seen = {press.casefold()}
        person_aliases = []
        for alias in aliases:
            if alias and alias.casefold() not in seen:
                seen.add(alias.casefold())
                person_aliases.append(alias)
        used.update(s.party for s in stints)
        people.append(Person(name=press, country=COUNTRY, source=SOURCE["name"],
                             source_key=key, wikidata=wikidata, birth=birth,
                             surname=surname, aliases=person_aliases,
                             affiliations=stints, offices=offices))

    parties = []
    for party_id in sorted(used - set(_KB_START)):
        # a label this module does not know is named as the source writes it
        name, party_aliases = NEW_PARTIES.get(party_id, (labels[party_id], []))
        parties.append(Party(id=party_id, name=name, country=COUNTRY, source=SOURCE["name"],
                             aliases=list(party_aliases)))
    return people, parties
