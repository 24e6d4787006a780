"""Reader for the hand-typed part of the knowledge base: ``data/kb/*.yaml``.

Open data lacks some people (heads of state and government abroad, US governors and cabinet
members...). The maintainers type them by hand from well-known public facts, one YAML file per
topic::

    source: curated
    topic: "World heads of state and government since 2000"
    people:
      - name: Olaf Scholz
        country: DE
        wikidata: Q61053           # only when sure
        birth: 1958-06-14          # optional
        surname: null              # only when not the last word ("von der Leyen")
        aliases: []
        affiliations: [{party: spd, start: 1975-01-01}]
        offices: [{role: head_of_government, label: Chancellor of Germany,
                   start: 2021-12-08, end: 2025-05-06}]
    parties:
      - {id: likud, name: Likud, country: IL, aliases: [Likud]}

Affiliations use our KB party ids: those of ``kbdata/entities.yaml`` or of a ``parties:`` list of
any ``data/kb`` file. Every entry is validated; a mistake raises ``ValueError`` with a one-line
message naming the file and the entry. Unknown keys are refused (they are usually typos).
"""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from typing import Any

import yaml

from tracker.kbbuild.records import ROLES, Office, Party, Person, Stint, slug

SOURCE = {
    "name": "curated",
    "repo": "tracker-veille/tracker",
    "url": "https://github.com/tracker-veille/tracker",
    "licence": "CC0-1.0 (facts typed by the tracker maintainers)",
    "paths": ["data/kb/*.yaml"],
}

KB_DIR = "data/kb"
ENTITIES = "tracker/kbdata/entities.yaml"

_FILE_KEYS = {"source", "topic", "people", "parties"}
_PERSON_KEYS = {"name", "country", "wikidata", "birth", "surname", "aliases", "affiliations",
                "offices"}
_STINT_KEYS = {"party", "start", "end"}
_OFFICE_KEYS = {"role", "label", "start", "end"}
_PARTY_KEYS = {"id", "name", "country", "aliases", "wikidata"}

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_QID = re.compile(r"^Q[1-9][0-9]*$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class _Where:
    """Names the place of an error: ``world-leaders.yaml: people[3] (Olaf Scholz)``."""

    def __init__(self, file: str, entry: str = ""):
        self.file = file
        self.entry = entry

    def error(self, message: str) -> ValueError:
        where = f"{self.file}: {self.entry}" if self.entry else self.file
        return ValueError(f"{where}: {message}")


def _mapping(value: Any, keys: set[str], required: set[str], where: _Where) -> dict:
    if not isinstance(value, dict):
        raise where.error(f"expected a mapping, got {type(value).__name__}")
    unknown = sorted(str(k) for k in value if k not in keys)
    if unknown:
        raise where.error(f"unknown key(s) {', '.join(unknown)}")
    missing = sorted(k for k in required if value.get(k) in (None, ""))
    if missing:
        raise where.error(f"missing {', '.join(missing)}")
    return value


def _text(value: Any, key: str, where: _Where, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise where.error(f"{key} must be a non-empty string, got {value!r}")
    return value.strip()


def _date(value: Any, key: str, where: _Where) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise where.error(f"{key} must be a date YYYY-MM-DD, got {value!r}")


def _period(entry: dict, where: _Where) -> tuple[dt.date | None, dt.date | None]:
    start = _date(entry.get("start"), "start", where)
    end = _date(entry.get("end"), "end", where)
    if start and end and end < start:
        raise where.error(f"end {end} is before start {start}")
    return start, end


def _strings(value: Any, key: str, where: _Where) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise where.error(f"{key} must be a list, got {value!r}")
    return [_text(v, key, where) for v in value]


def _country(value: Any, where: _Where) -> str:
    if isinstance(value, bool):     # YAML 1.1 reads a bare NO (Norway) as false
        raise where.error(f"country {value!r} is a YAML boolean: quote the code, e.g. \"NO\"")
    if not isinstance(value, str) or not _COUNTRY.match(value):
        raise where.error(f"country must be an ISO 3166 alpha-2 code, got {value!r}")
    return value


def _qid(value: Any, where: _Where) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _QID.match(value):
        raise where.error(f"wikidata must be a QID like Q61053, got {value!r}")
    return value


def _party(raw: Any, where: _Where) -> Party:
    entry = _mapping(raw, _PARTY_KEYS, {"id", "name", "country"}, where)
    party_id = entry["id"]
    if not isinstance(party_id, str) or not _SLUG.match(party_id):
        raise where.error(f"id must be a lowercase ascii slug, got {party_id!r}")
    return Party(id=party_id, name=_text(entry["name"], "name", where),
                 country=_country(entry["country"], where), source=SOURCE["name"],
                 aliases=_strings(entry.get("aliases"), "aliases", where),
                 wikidata=_qid(entry.get("wikidata"), where))


def _person(raw: Any, where: _Where) -> Person:
    if isinstance(raw, dict) and isinstance(raw.get("name"), str):
        where.entry += f" ({raw['name'].strip()})"
    entry = _mapping(raw, _PERSON_KEYS, {"name", "country"}, where)
    name = _text(entry["name"], "name", where)
    country = _country(entry["country"], where)
    for key in ("affiliations", "offices"):
        if not isinstance(entry.get(key) or [], list):
            raise where.error(f"{key} must be a list")
    affiliations = []
    for i, stint in enumerate(entry.get("affiliations") or []):
        here = _Where(where.file, f"{where.entry} affiliations[{i}]")
        stint = _mapping(stint, _STINT_KEYS, {"party"}, here)
        affiliations.append(Stint(_text(stint["party"], "party", here), *_period(stint, here)))
    offices = []
    for i, office in enumerate(entry.get("offices") or []):
        here = _Where(where.file, f"{where.entry} offices[{i}]")
        office = _mapping(office, _OFFICE_KEYS, {"role", "label"}, here)
        if office["role"] not in ROLES:
            raise here.error(f"role must be one of {', '.join(ROLES)}, got {office['role']!r}")
        offices.append(Office(office["role"], _text(office["label"], "label", here),
                              *_period(office, here)))
    return Person(name=name, country=country, source=SOURCE["name"],
                  source_key=f"{slug(name)}-{country.lower()}",
                  wikidata=_qid(entry.get("wikidata"), where),
                  birth=_date(entry.get("birth"), "birth", where),
                  surname=_text(entry.get("surname"), "surname", where, optional=True),
                  aliases=_strings(entry.get("aliases"), "aliases", where),
                  affiliations=affiliations, offices=offices)


class _Loader(yaml.SafeLoader):
    """Safe loader that leaves dates as text, so a bad date is reported with its entry."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)


def _read_file(path: pathlib.Path, label: str) -> tuple[list[Person], list[Party]]:
    where = _Where(label)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise where.error(f"{line}not valid YAML: {problem}") from None
    data = _mapping(data, _FILE_KEYS, {"source", "topic"}, where)
    if data["source"] != "curated":
        raise where.error(f"source must be 'curated', got {data['source']!r}")
    for key in ("people", "parties"):
        if not isinstance(data.get(key) or [], list):
            raise where.error(f"{key} must be a list")
    parties = [_party(raw, _Where(label, f"parties[{i}]"))
               for i, raw in enumerate(data.get("parties") or [])]
    people = [_person(raw, _Where(label, f"people[{i}]"))
              for i, raw in enumerate(data.get("people") or [])]
    return people, parties


def _kb_party_ids(root: pathlib.Path) -> set[str] | None:
    """The party ids of kbdata/entities.yaml, or None where the file is absent (fixtures)."""
    path = root / ENTITIES
    if not path.is_file():
        return None
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    return {p["id"] for p in data.get("parties") or [] if isinstance(p, dict) and "id" in p}


def _dated(person: Person) -> bool:
    return any(s.start or s.end for s in person.affiliations) or any(
        o.start or o.end for o in person.offices)


def _merge(into: Person, other: Person, label: str, first: str) -> None:
    """Fold a person typed in a second topic file into the first entry (same name + country).

    Offices, affiliations and aliases are joined (exact repeats dropped); a single-valued field
    typed differently in the two files is refused.
    """
    for attr in ("wikidata", "birth", "surname"):
        mine, theirs = getattr(into, attr), getattr(other, attr)
        if mine and theirs and mine != theirs:
            raise ValueError(f"{label}: {other.name} ({other.country}): {attr} {theirs} "
                             f"differs from {mine} in {first}")
        if theirs and not mine:
            setattr(into, attr, theirs)
    into.aliases += [a for a in other.aliases if a not in into.aliases]
    into.affiliations += [s for s in other.affiliations if s not in into.affiliations]
    into.offices += [o for o in other.offices if o not in into.offices]


def read(root: pathlib.Path) -> tuple[list[Person], list[Party]]:
    """Read every ``data/kb/*.yaml`` under ``root`` into Person and Party records.

    A person typed in two topic files (a prime minister who is also a party leader) becomes
    one record; within one file, a person must be typed once.
    """
    root = pathlib.Path(root)
    folder = root / KB_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"curated KB folder not found: {folder}")
    files = [(f"{KB_DIR}/{path.name}", *_read_file(path, f"{KB_DIR}/{path.name}"))
             for path in sorted(folder.glob("*.yaml"))]
    parties: list[Party] = []
    origin: dict[tuple[str, str], str] = {}  # ("party"|"person", key) -> file that defined it
    for label, _, file_parties in files:
        for party in file_parties:
            if ("party", party.id) in origin:
                raise ValueError(f"{label}: party {party.id!r} already defined in "
                                 f"{origin[('party', party.id)]}")
            origin[("party", party.id)] = label
            parties.append(party)
    known = _kb_party_ids(root)
    if known is not None:
        known |= {p.id for p in parties}
    people: dict[str, Person] = {}
    for label, file_people, _ in files:
        seen: set[str] = set()
        for person in file_people:
            for stint in person.affiliations:
                if known is not None and stint.party not in known:
                    raise ValueError(f"{label}: {person.name} ({person.country}): unknown party "
                                     f"{stint.party!r} (not in {ENTITIES} nor under parties:)")
            if person.source_key in seen:
                raise ValueError(f"{label}: {person.name} ({person.country}) is typed twice in "
                                 f"this file: merge the two entries")
            seen.add(person.source_key)
            key = ("person", person.source_key)
            if key in origin:
                _merge(people[person.source_key], person, label, origin[key])
            else:
                origin[key] = label
                people[person.source_key] = person
    return [p for p in people.values() if _dated(p)], parties
