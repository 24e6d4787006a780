"""Reader for EveryPolitician's per-term legislature CSVs (everypolitician/everypolitician-data).

EveryPolitician (mySociety, 2015-2019) published, for each legislature, one CSV per term
(``data/<Country>/<House>/term-<N>.csv``: id, name, sort_name, group, start_date, end_date,
term, and in later versions wikidata) and the terms' dates (``terms.csv`` beside them, or
``sources/manual/terms.csv`` in older versions).  A row is one membership of a term; its own
dates are set only when the member came or went during the term, else the term's dates apply.

Read here: the US House and Senate, the UK House of Commons, the German Bundestag, the
Canadian House of Commons and the Australian House of Representatives, whichever of them are
present under ``root`` (at least one is required).

* A person is keyed by their EveryPolitician id (a UUID).  EveryPolitician gives one id per
  legislature, so a US member who sat in both chambers has two: they are merged on the
  bioguide id (``sources/manual/legacy-ids.csv``) or the Wikidata id, and keyed by the first
  id seen (House before Senate).
* Wikidata ids come from the CSV's ``wikidata`` column, else from the legislature's
  ``ep-popolo-v1.0.json`` (persons' identifiers), else from ``sources/morph/data.csv`` joined
  through ``sources/morph/data-ids.csv`` (the older US House layout, whose Popolo file is
  too big to be had).  Birth dates come from the same Popolo / source files when full.
* Every row -> an office ``legislator`` ("Representative", "Senator", "MP", "member of the
  Bundestag") and, when its group is a party, a stint of that party, dated by the row's
  dates, else its term's.  Rows with neither are skipped.  Consecutive offices of one
  chamber and consecutive stints of one party less than ``MERGE_GAP_DAYS`` apart are merged
  (the gap between a dissolution and the next election).  A row of a term still running in
  the copy ends when the term must at the latest (its start and the house's longest term:
  five years in Italy, four in Greece); a member may have sat on, but the copy cannot say.
* Names: the CSV's name, in the order and form the press writes it: Italy's "ABRIGNANI
  Ignazio" and Greece's "Androulakis Dimitrios (Mimis)" (all surname first) become "Ignazio
  Abrignani" and "Dimitrios Androulakis" (the nickname gives the alias "Mimis
  Androulakis"), Austria's "Mag. Beate Meinl-Reisinger, MES" loses its degrees, Germany's
  "Benno Zierer (CSU)" its disambiguation; the Popolo file's English name is taken when it
  is that name's own words.  US names lose their middle initials and "Jr."/"III" suffixes
  ("Adam B. Schiff" -> "Adam Schiff", "Bill Pascrell, Jr." -> "Bill Pascrell"), the full
  form becoming an alias; the suffix stays when another person would have the same name.
* Parties map to the KB's ids; parties the KB lacks get the ids the ``congress`` (US) and
  ``parlparse`` (UK) readers give them, and elsewhere ``<slug of the label>-<country>``.
  Independents, speakers, "fraktionslos" and the like: no stint.  A stint dated before the
  founding of the KB party it maps to (Die Grünen before 1993, the PDS's "DIE LINKE" before
  2007) starts at the founding, or is dropped when it ended before.
* Slips of the copy mended (all in Canada's 41st Parliament, Nov. 2015):
  - a term file whose rows start on their member's day of death (and none ends on one)
    has its start and end columns swapped: Jack Layton "started" on 2011-08-22, the day he
    died, and Adam Vaughan, elected in a by-election on 2014-06-30, "left" that day;
  - a name that is the Popolo file's English name plus one letter ("Jack Laytoni", "Bob
    Raeh") is that English name;
  - a person whose name is another member's of the same house and seat plus one letter
    ("Justin Trudeaup" of Papineau in the 41st term, "Justin Trudeau" of Papineau in the
    42nd) is that member.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import pathlib
import re
from dataclasses import dataclass

from tracker.kbbuild import congress, parlparse
from tracker.kbbuild.epnames import plain_name
from tracker.kbbuild.epparties import KB_PARTY_IDS, KB_START, NEW_PARTIES, PARTIES
from tracker.kbbuild.records import (
    Office,
    Party,
    Person,
    Stint,
    clean,
    merge_spans,
    snapshot_date,
)

SOURCE = {
    "name": "everypolitician",
    "repo": "everypolitician/everypolitician-data",
    "url": "https://github.com/everypolitician/everypolitician-data",
    "licence": "CC0 1.0 Universal for EveryPolitician's data "
               "(https://github.com/everypolitician/everypolitician-data#licence; "
               "sources named per legislature in its sources/instructions.json)",
    "paths": [],  # every house of HOUSES, below
}

MERGE_GAP_DAYS = 62


@dataclass(frozen=True)
class House:
    path: str
    country: str
    label: str
    surname_first: bool = False   # "Androulakis Dimitrios (Mimis)": the family name first
    max_years: int = 5            # the longest a term may last, by law


HOUSES = (
    House("data/United_States_of_America/House", "US", "Representative"),
    House("data/United_States_of_America/Senate", "US", "Senator"),
    House("data/UK/Commons", "GB", "MP"),
    House("data/Germany/Bundestag", "DE", "member of the Bundestag", max_years=4),
    House("data/Canada/Commons", "CA", "MP"),
    House("data/Australia/Representatives", "AU", "MP", max_years=3),
    # Parliaments French and English news cover often (terms up to 2015 in this copy).
    House("data/Israel/Knesset", "IL", "member of the Knesset", max_years=4),
    House("data/Italy/House", "IT", "deputato"),
    House("data/Italy/Senate", "IT", "senatore"),
    House("data/Spain/Congress", "ES", "diputado", max_years=4),
    House("data/Belgium/Representatives", "BE", "député"),
    House("data/Ireland/Dail", "IE", "TD"),
    House("data/New_Zealand/House", "NZ", "MP", max_years=3),
    House("data/Switzerland/National_Council", "CH", "conseiller national", max_years=4),
    House("data/Netherlands/House_of_Representatives", "NL", "member of the Tweede Kamer",
          max_years=4),
    House("data/Austria/Nationalrat", "AT", "member of the Nationalrat"),
    House("data/Poland/Sejm", "PL", "poseł", max_years=4),
    House("data/Portugal/Assembly", "PT", "deputado", max_years=4),
    House("data/Greece/Parliament", "GR", "MP", surname_first=True, max_years=4),
)

SOURCE["paths"] = [house.path for house in HOUSES]

_NO_PARTY = re.compile(r"^(ind\.|independent|unabhängig|fraktionslos|non-?affiliated|unknown|"
                       r"single mk|"
                       r"(deputy )?speaker|crossbench|vacant)", re.I)
_SUFFIX = re.compile(r",?\s+(?:Jr|Sr)\.?$|,?\s+(?:II|III|IV|V)$")
_QUOTED = re.compile(r"\s*[\"“][^\"”]*[\"”]")
_INITIAL = re.compile(r"^[A-Z]\.$")
_QID = re.compile(r"^Q\d+$")


# ------------------------------------------------------------------------------ files

def _rows(path: pathlib.Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items() if k}
                for row in csv.DictReader(fh)]


def _date(value) -> dt.date | None:
    text = str(value or "").strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _terms(base: pathlib.Path) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """term id -> (start, end).  An end before its start (a slip in the source: the 98th
    Congress "ends" in 1983) or a missing end of a term that is not the last becomes the
    next term's start."""
    rows = _rows(base / "terms.csv") or _rows(base / "sources" / "manual" / "terms.csv")
    dated = sorted(((r.get("id", ""), _date(r.get("start_date")), _date(r.get("end_date")))
                    for r in rows if r.get("id")),
                   key=lambda t: (t[1] or dt.date.max))
    out = {}
    for i, (term, start, end) in enumerate(dated):
        following = dated[i + 1][1] if i + 1 < len(dated) else None
        if (end is None or (start and end < start)) and following:
            end = following
        elif start and end and end < start:
            end = None
        out[term] = (start, end)
    return out


def _identities(base: pathlib.Path) -> dict[str, dict]:
    """EP id -> {"wikidata", "birth", "death", "legacy", "name", "english"} from the Popolo
    file or the source files ("name": the English name a garbled CSV name stands for)."""
    out: dict[str, dict] = {}
    for row in _rows(base / "sources" / "manual" / "legacy-ids.csv"):
        if row.get("id") and row.get("legacy"):
            out.setdefault(row["id"], {})["legacy"] = row["legacy"]
    # Wikidata's own rows name the bioguide id (US): the legacy id of the EP person
    by_bioguide = {r["identifier__UScongress"]: r["id"]
                   for r in _rows(base / "sources" / "morph" / "wikidata.csv")
                   if _QID.match(r.get("id", "")) and r.get("identifier__UScongress")}
    for info in out.values():
        if info.get("legacy") in by_bioguide:
            info["wikidata"] = by_bioguide[info["legacy"]]
    popolo = base / "ep-popolo-v1.0.json"
    if popolo.is_file():
        with popolo.open(encoding="utf-8") as fh:
            data = json.load(fh)
        for person in data.get("persons") or []:
            if not isinstance(person, dict) or not person.get("id"):
                continue
            info = out.setdefault(person["id"], {})
            for ident in person.get("identifiers") or []:
                value = str((ident or {}).get("identifier") or "").strip()
                if (ident or {}).get("scheme") == "wikidata" and _QID.match(value):
                    info.setdefault("wikidata", value)
            if _date(person.get("birth_date")):
                info.setdefault("birth", _date(person["birth_date"]))
            if _date(person.get("death_date")):
                info.setdefault("death", _date(person["death_date"]))
            english = {str(o.get("name") or "").strip() for o in person.get("other_names") or []
                       if isinstance(o, dict) and o.get("lang") == "en"}
            if len(english) == 1:
                info["english"] = clean(next(iter(english)))
            name = str(person.get("name") or "").strip()
            mended = [e for e in english if e and name == e + name[-1:] and name not in english]
            if len(mended) == 1:
                info["name"] = mended[0]
        return out
    # older layout without the Popolo file: source rows keyed by the source's id
    uuids: dict[str, list[str]] = {}
    for row in _rows(base / "sources" / "morph" / "data-ids.csv"):
        if row.get("id") and row.get("uuid"):
            uuids.setdefault(row["id"], []).append(row["uuid"])
    for row in _rows(base / "sources" / "morph" / "data.csv"):
        qid = row.get("identifier__wikidata", "")
        for uuid in uuids.get(row.get("id", ""), []):
            info = out.setdefault(uuid, {})
            if _QID.match(qid):
                info.setdefault("wikidata", qid)
            if _date(row.get("birth_date")):
                info.setdefault("birth", _date(row["birth_date"]))
    return out




# ------------------------------------------------------------------------------ names



def _press_name(name: str, country: str) -> tuple[str, str]:
    """(press name, the name with its suffix kept): US middle initials and suffixes go."""
    if country != "US":
        return name, name
    words = _QUOTED.sub("", name).split()
    words = [w for i, w in enumerate(words) if i == 0 or not _INITIAL.match(w)]
    with_suffix = " ".join(words).replace(" ,", ",")
    return _SUFFIX.sub("", with_suffix), with_suffix


def _surname(name: str, sort_name: str) -> str | None:
    family = clean(sort_name.split(",")[0].replace("!", "")) if "," in sort_name else ""
    if " " in family and name.endswith(" " + family):
        return family
    return None


# ------------------------------------------------------------------------------ parties

def _party(label: str, country: str, parties: dict[str, Party]) -> str | None:
    label = clean(label)
    if not label:
        return None
    table = PARTIES.get(country, {})
    if label in table:
        pid = table[label]
    elif country == "US":
        pid = congress._party_id(label)
    elif country == "GB":
        key = parlparse.slug(label)
        if key in parlparse.KB_PARTIES:
            return parlparse.KB_PARTIES[key]
        if key in parlparse.NEW_PARTIES:
            pid, name, aliases = parlparse.NEW_PARTIES[key]
            parties.setdefault(pid, Party(pid, name, country, SOURCE["name"], list(aliases)))
            return pid
        if key in parlparse.NO_PARTY or "independent" in key.split("-") or _NO_PARTY.match(label):
            return None
        pid = parlparse.slug(label)
    elif _NO_PARTY.match(label):
        return None
    else:
        pid = f"{parlparse.slug(label)}-{country.lower()}"
    if pid is None or pid in KB_PARTY_IDS:
        return pid
    if pid not in parties:
        if country == "US":
            name, aliases = congress.NEW_PARTIES.get(pid, (label, []))
        else:
            name, aliases = NEW_PARTIES.get(pid, (label, []))
        parties[pid] = Party(pid, name, country, SOURCE["name"], list(aliases))
    return pid


# ------------------------------------------------------------------------------ slips

def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _swapped(rows: list[dict], idents: dict[str, dict]) -> bool:
    """True when a term file's start and end columns are swapped: its rows start on their
    member's day of death, and none ends on it."""
    def died_on(row: dict, column: str) -> bool:
        day = _date(row.get(column))
        return day is not None and idents.get(row.get("id", ""), {}).get("death") == day

    return (any(died_on(r, "start_date") for r in rows)
            and not any(died_on(r, "end_date") for r in rows))


def _same_as(files: list[list[dict]]) -> dict[str, tuple[str, str]]:
    """EP id -> (id, name) of the member it duplicates: same seat, and a name that is theirs
    plus one letter ("Justin Trudeaup" for "Justin Trudeau", both of Papineau)."""
    seats: dict[tuple[str, str], str] = {}
    for rows in files:
        for row in rows:
            if row.get("id") and row.get("area") and row.get("name"):
                seats.setdefault((clean(row["name"]), row["area"]), row["id"])
    out = {}
    for (name, area), uuid in seats.items():
        other = seats.get((name[:-1], area))
        if len(name) > 4 and other and other != uuid:
            out[uuid] = (other, name[:-1])
    return out


# ------------------------------------------------------------------------------ read

def read(root: pathlib.Path) -> tuple[list[Person], list[Party]]:
    root = pathlib.Path(root)
    houses = [h for h in HOUSES if any((root / h.path).glob("term-*.csv"))]
    if not houses:
        raise FileNotFoundError(f"everypolitician: no term-*.csv under {root}/data/*/*")
    asof = snapshot_date(root)

    parties: dict[str, Party] = {}
    people: dict[str, dict] = {}          # our key (first EP id) -> gathered facts
    alias_of: dict[tuple, str] = {}       # (country, "legacy"/"wikidata", value) -> our key

    for house in houses:
        base = root / house.path
        terms = _terms(base)
        idents = _identities(base)
        files = [_rows(path) for path in sorted(
            base.glob("term-*.csv"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 0))]
        same_as = _same_as(files)
        for rows in files:
            first, last = ("end_date", "start_date") if _swapped(rows, idents) else (
                "start_date", "end_date")
            for row in rows:
                uuid, name = row.get("id", ""), clean(row.get("name"))
                if not uuid or not name:
                    continue
                name = idents.get(uuid, {}).get("name") or name
                if uuid in same_as:
                    uuid, name = same_as[uuid]
                also, family = [], None
                if house.country != "US":   # US names: _press_name, below
                    name, also, family = plain_name(
                        name, idents.get(uuid, {}).get("english"), house.surname_first)
                term_start, term_end = terms.get(row.get("term", ""), (None, None))
                start = _date(row.get(first)) or term_start
                end = _date(row.get(last)) or term_end
                if start is None and end is None:
                    continue
                if start and end and end < start:
                    continue
                if (end is None or end > asof) and house.country != "US":
                    # A term still running in the copy ends, at the latest, when the house's
                    # longest term from its start would (Italy's deputies of 2013 sat in
                    # 2016, not in 2024); unknown when its start is.  US members are known
                    # past it from the congress reader (current and recent former ones).
                    end = _years_after(term_start, house.max_years) if term_start else None
                    if end and start and end <= start:
                        continue
                info = idents.get(uuid, {})
                qid = row.get("wikidata", "") if _QID.match(row.get("wikidata", "")) else None
                qid = qid or info.get("wikidata")
                keys = [(house.country, "uuid", uuid)]
                if house.country == "US" and info.get("legacy"):
                    keys.append((house.country, "legacy", info["legacy"]))
                if qid:
                    keys.append((house.country, "wikidata", qid))
                key = next((alias_of[k] for k in keys if k in alias_of), uuid)
                for k in keys:
                    alias_of.setdefault(k, key)
                entry = people.setdefault(key, {"country": house.country, "names": [],
                                                "sort": "", "wikidata": None, "birth": None,
                                                "offices": [], "stints": [], "also": [],
                                                "family": None})
                entry["names"].append((start or dt.date.min, name))
                entry["also"] += [a for a in also if a not in entry["also"]]
                entry["family"] = entry["family"] or family
                entry["sort"] = entry["sort"] or row.get("sort_name", "")
                entry["wikidata"] = entry["wikidata"] or qid
                entry["birth"] = entry["birth"] or info.get("birth")
                entry["offices"].append(Office("legislator", house.label, start, end))
                party = _party(row.get("group", ""), house.country, parties)
                founded = KB_START.get(party or "")
                since = start
                if party and founded and (start is None or start < founded):
                    # a term begun before the party: its member is the party's from its
                    # founding (the PdL's senators of 2008, from March 2009), if at all
                    since = founded if end is None or end > founded else None
                    party = party if since else None
                if party:
                    entry["stints"].append(Stint(party, since, end))

    out: list[Person] = []
    full_forms: dict[str, tuple[str, str]] = {}
    for key, entry in people.items():
        names = [n for _, n in sorted(entry["names"], key=lambda t: t[0], reverse=True)]
        latest = names[0]
        press, with_suffix = _press_name(latest, entry["country"])
        full_forms[key] = (with_suffix, latest)
        aliases = []
        seen = {press.casefold()}
        for alias in [latest, *names[1:], *(_press_name(n, entry["country"])[0] for n in names),
                      *entry["also"]]:
            if alias.casefold() not in seen:
                seen.add(alias.casefold())
                aliases.append(alias)
        out.append(Person(
            name=press, country=entry["country"], source=SOURCE["name"], source_key=key,
            wikidata=entry["wikidata"], birth=entry["birth"],
            surname=entry["family"] or _surname(press, entry["sort"]), aliases=aliases,
            affiliations=merge_spans(entry["stints"], lambda s: s.party, MERGE_GAP_DAYS),
            offices=merge_spans(entry["offices"], lambda o: o.label, MERGE_GAP_DAYS),
        ))

    # Two people named alike once suffixes and initials are gone (a father and his son):
    # the suffix comes back, then the initials.
    for form in (0, 1):
        by_name: dict[tuple[str, str], list[Person]] = {}
        for person in out:
            by_name.setdefault((person.country, person.name.casefold()), []).append(person)
        for same in by_name.values():
            if len(same) < 2:
                continue
            for person in same:
                full = full_forms[person.source_key][form]
                if full != person.name:
                    person.aliases = [a for a in person.aliases if a != full]
                    person.name = full

    used = {s.party for p in out for s in p.affiliations}
    return out, sorted((p for pid, p in parties.items() if pid in used), key=lambda p: p.id)
