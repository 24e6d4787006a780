"""Reading the knowledge base: the shipped layers, the user's YAML files, inline entries.

Every file is validated, then the whole (ids unique, successors and affiliations pointing
at parties), so a bad entry is refused with its file and id, in one line, before anything
runs. The model the readers fill is ``tracker.kb``.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import re
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import yaml

from tracker.errors import ConfigError
from tracker.kb import (
    ENGLISH_SPEAKING,
    FAMILIAR,
    PLAIN_FORMS_VERSION,
    ROLES,
    Affiliation,
    Entity,
    KnowledgeBase,
    Office,
    builtin_path,
    familiar_forms,
    fold,
    handkept_path,
    is_acronym,
    may_shorten,
    plain_forms,
)
from tracker.kblayer import builtin_layer

PARTY_KEYS = {"id", "name", "country", "wikidata", "aliases", "exact_case", "start", "end",
              "successor", "type", "abroad", "members", "country_cue", "short_forms"}
POLITICIAN_KEYS = {"id", "name", "country", "wikidata", "aliases", "exact_case", "surname",
                   "surname_alone", "affiliations", "type", "offices", "birth"}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The C loader when PyYAML has it (the KB file is read at every start), else the
    Python one; a date that is no day (2020-13-01) stays text, so that the entry's check
    names the entity, not only the file."""

    def _timestamp(self, node: yaml.Node) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader._timestamp)
_YAML_LOADER = _Loader
SURNAME_POLICIES = ("always", "context", "never")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _same_file(item: Path | dict, path: Path) -> bool:
    try:
        return not isinstance(item, dict) and Path(item).resolve() == path.resolve()
    except OSError:
        return False


INLINE_ORIGIN = "config.yaml inline entity"  # what an error calls a KB given as a mapping


def load_kb(items: tuple[Path | dict, ...] | list[Path | dict], *,
            builtin: bool = True, layer: Path | None = None) -> KnowledgeBase:
    """Read every KB file / inline entry, validate the whole, and return it.

    With ``builtin``, the packaged knowledge base comes first: the hand-kept file, and
    underneath it the open-data layer (20,000 politicians; ``layer``: another build of
    it), where an entry of the files with the same id wins and gains the layer's offices.
    The user's files and entries extend it.

    The cyclic garbage collector waits meanwhile: the load makes some 200,000 objects
    and no cycle, and each collection it would set off walks every object the process
    holds (spaCy's, where it is imported): 0.70 s -> 0.49 s a load in such a process."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        return _load(items, builtin, layer)
    finally:
        if was_on:
            gc.enable()


def _load(items: tuple[Path | dict, ...] | list[Path | dict], builtin: bool,
          layer: Path | None) -> KnowledgeBase:
    raw_entities: list[tuple[str, str, dict]] = []
    if builtin:
        handkept = handkept_path()
        items = [handkept, *(i for i in items if not _same_file(i, handkept))]
    digest = hashlib.sha256()
    path = layer or builtin_path()
    layer = builtin_layer(path) if builtin else {}
    if layer:
        digest.update(path.read_bytes())
    for item in items:
        if isinstance(item, dict):
            origin = INLINE_ORIGIN
            doc: Any = item if ("parties" in item or "politicians" in item) else {"_inline": [item]}
        else:
            origin = str(item)
            try:
                doc = yaml.load(Path(item).read_text(encoding="utf-8"),  # noqa: S506
                                Loader=_YAML_LOADER) or {}
            except FileNotFoundError:
                raise ConfigError(
                    f"{item}: knowledge base file not found (list only your own files "
                    "under `entities:`: the shipped knowledge base needs none; "
                    "`tracker init` writes a starter file)") from None
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = f" line {mark.line + 1}" if mark else ""
                raise ConfigError(f"{item}:{line} not valid YAML") from None
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise ConfigError(f"{item}: cannot read ({exc})") from None
        if not isinstance(doc, dict):
            raise ConfigError(f"{origin}: expected 'parties:' and 'politicians:' lists")
        for key in doc:
            if key not in ("parties", "politicians", "_inline"):
                raise ConfigError(f"{origin}: unknown key {key!r} (use parties, politicians)")
        for key, default_type in (("parties", "party"), ("politicians", "politician"),
                                  ("_inline", None)):
            entries = doc.get(key) or []
            if not isinstance(entries, list):
                raise ConfigError(f"{origin}: {key!r} must be a list")
            for entry in entries:
                if not isinstance(entry, dict):
                    raise ConfigError(f"{origin}: {key}: every entry must be a mapping")
                etype = entry.get("type", default_type)
                if etype not in ("party", "politician"):
                    raise ConfigError(f"{origin}: entry {entry.get('id')!r}: 'type' must be "
                                      "party or politician")
                raw_entities.append((origin, etype, entry))
        digest.update(json.dumps(doc, sort_keys=True, default=str).encode())
    # names derived by code
    digest.update(json.dumps([FAMILIAR, PLAIN_FORMS_VERSION], sort_keys=True).encode())
    kb = KnowledgeBase(version=digest.hexdigest()[:12])
    for origin, etype, entry in raw_entities:
        entity = _entity(origin, etype, entry)
        if entity.id in kb.entities:
            shipped = kb.entities[entity.id]
            if shipped.origin != str(handkept_path()) or shipped.type != entity.type:
                raise ConfigError(f"{origin}: entity {entity.id!r}: id already used in "
                                  f"{shipped.origin}")
            entity = _over(shipped, entity, entry)
        under = layer.pop(entity.id, None)
        if under is not None and under.type == entity.type:
            # The names add up, as over a hand-kept entry: an entry that gives the French
            # press's "Benyamin Netanyahou" keeps the layer's "Bibi Netanyahu".
            # The layer's surname, where the entry gives none and its name still holds it
            # ("Chen Shui-Bian" is a Chen, whatever the case or accents written).
            surname = (under.surname if under.surname and "surname" not in entry
                       and _holds(entity.name, under.surname) else entity.surname)
            # The offices add up too: a mayor's office the entry gives keeps the layer's
            # seats and ministries ("le ministre Estrosi" is still read as a title); one
            # of the layer's that an entry's office of the same role overlaps is the
            # entry's to correct (a seat the open data left open, closed).
            entity = replace(entity, offices=(*entity.offices, *(
                             o for o in under.offices if not _corrected(o, entity.offices))),
                             country=entity.country or under.country,
                             wikidata=entity.wikidata or under.wikidata,
                             birth=entity.birth or under.birth,
                             affiliations=entity.affiliations or under.affiliations,
                             open_stints=not entity.affiliations and bool(under.affiliations),
                             aliases=_added_up(entity, under.aliases),
                             surname=surname)
        kb.entities[entity.id] = entity
    for entity in layer.values():
        if not entity.name:  # a supplement whose curated entry is not loaded
            continue
        kb.entities[entity.id] = entity
    borne = {a for e in kb.entities.values() if e.type == "politician" for a in e.aliases}
    _add_plain_forms(kb, borne)
    # A familiar form another person bears as a name of theirs stays theirs: the open data
    # has "Vince Cable" and "Vincent Cable" under two ids, and only the first is named so.
    for entity in list(kb.entities.values()):
        # The layer's people point at parties of the hand-kept file: where it is not
        # loaded (another layer, tests), those affiliations go, not the whole KB.
        if entity.builtin and any(a.party not in kb.entities for a in entity.affiliations):
            entity = kb.entities[entity.id] = replace(entity, affiliations=tuple(
                a for a in entity.affiliations if a.party in kb.entities))
        if entity.type == "politician" and entity.country in ENGLISH_SPEAKING and (
                familiar := tuple(f for f in familiar_forms(entity.aliases)
                                  if f not in borne)):
            kb.entities[entity.id] = replace(entity, exact_case=entity.exact_case + familiar)
    _validate(kb)
    return kb


def _add_plain_forms(kb: KnowledgeBase, borne: set[str]) -> None:
    """The open data's people also under their names as the press writes them
    ("Diederik Samsom" for "Diederik M Samsom", "Anne Tolley" for "Hon Anne Tolley"). A
    form another person bears, or that two would get ("George Bush" of both Bushes'
    initials), is no one's. ``borne`` gains the forms given."""
    claims: dict[str, list[tuple[str, str]]] = {}
    for entity in kb.entities.values():
        # A hand-kept name claims its form too. Few names hold what a form drops: the
        # rest are not read again (0.13 s of a load otherwise).
        if entity.type == "politician" and may_shorten(entity.name):
            for form in plain_forms(entity.name):
                claims.setdefault(fold(form), []).append((entity.id, form))
    # Names others bear, folded only where their last word is a form's.
    last = {key.rsplit(" ", 1)[-1] for key in claims}
    taken = {fold(a) for a in borne if a.rsplit(" ", 1)[-1].lower() in last}
    claims = {key: found for key, found in claims.items() if key not in taken}
    for (entity_id, form), *others in claims.values():
        if not others and (entity := kb.entities[entity_id]).builtin:
            kb.entities[entity_id] = replace(entity, aliases=(*entity.aliases, form))
            borne.add(form)


def _corrected(office: Office, mine: tuple[Office, ...]) -> bool:
    """An entry's office of the same role over the same days says what this one is."""
    low, high = dt.date.min, dt.date.max
    return any(o.role == office.role and (o.start or low) < (office.end or high)
               and (office.start or low) < (o.end or high) for o in mine)


def _holds(name: str, surname: str) -> bool:
    words = fold(name).replace("-", " ").split()
    part = fold(surname).replace("-", " ").split()
    return any(words[i:i + len(part)] == part for i in range(len(words)))


def _added_up(entity: Entity, layer_names: tuple[str, ...]) -> tuple[str, ...]:
    """The entry's names and the layer's, but for those the entry reads in one case only
    or as a short form: "European Solidarity" capitalised, "CHP" beside its country."""
    narrowed = {fold(n) for n in (*entity.exact_case, *entity.short_forms)}
    return tuple(dict.fromkeys((*entity.aliases,
                                *(n for n in layer_names if fold(n) not in narrowed))))


def _over(shipped: Entity, mine: Entity, entry: dict) -> Entity:
    """A user's entry with the id of a shipped one, over it: what the entry says wins,
    the rest stays the shipped entry's, and the names add up ("JB" for Jordan Bardella
    keeps "Bardella"). It used to stop the KB from loading: "id already used"."""
    values = {f.name: getattr(mine if f.name in entry else shipped, f.name)
              for f in fields(Entity)}
    values["aliases"] = tuple(dict.fromkeys((*shipped.aliases, *mine.aliases)))
    values["exact_case"] = tuple(dict.fromkeys((*shipped.exact_case, *mine.exact_case)))
    values["origin"] = mine.origin
    return Entity(**values)


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: must be a list of names")
    return tuple(v.strip() for v in value)


def _entity(origin: str, etype: str, entry: dict) -> Entity:
    eid = entry.get("id")
    where = f"{origin}: entity {eid!r}"
    if not isinstance(eid, str) or not _ID.match(eid):
        raise ConfigError(f"{where}: 'id' must be a lowercase slug (letters, digits, '-')")
    allowed = PARTY_KEYS if etype == "party" else POLITICIAN_KEYS
    for key in entry:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: 'name' is required")
    exact = _strings(entry.get("exact_case"), f"{where}: exact_case")
    # A name listed as exact_case matches only as written, even if also listed as an alias.
    aliases = tuple(a for a in _strings(entry.get("aliases"), f"{where}: aliases")
                    if a not in exact)
    if name not in aliases and name not in exact:
        aliases = (name, *aliases)
    common = dict(id=eid, name=name.strip(), type=etype, aliases=aliases, exact_case=exact,
                  country=_country(entry.get("country"), where), wikidata=entry.get("wikidata"),
                  origin=origin)
    if etype == "party":
        start = _date(entry.get("start"), f"{where}: start")
        end = _date(entry.get("end"), f"{where}: end")
        if start and end and end < start:
            raise ConfigError(f"{where}: end {end} is before start {start}")
        abroad = entry.get("abroad")
        if abroad is not None:
            if (not isinstance(abroad, dict) or set(abroad) != {"entity", "cues"}
                    or not isinstance(abroad["entity"], str)):
                raise ConfigError(f"{where}: 'abroad' must be {{entity: id, cues: [words]}}")
            abroad = (abroad["entity"], frozenset(
                fold(c) for c in _strings(abroad["cues"], f"{where}: abroad cues")))
        cue = entry.get("country_cue", False)
        if not isinstance(cue, bool):
            raise ConfigError(f"{where}: 'country_cue' must be true or false")
        if cue and not entry.get("country"):
            raise ConfigError(f"{where}: 'country_cue' needs the party's 'country'")
        return Entity(**common, start=start, end=end, successor=entry.get("successor"),
                      abroad=abroad, members=_strings(entry.get("members"), f"{where}: members"),
                      country_cue=cue,
                      short_forms=_strings(entry.get("short_forms"), f"{where}: short_forms"))
    policy = entry.get("surname_alone", "context")
    if policy not in SURNAME_POLICIES:
        raise ConfigError(f"{where}: surname_alone must be one of {', '.join(SURNAME_POLICIES)}")
    affiliations = []
    for i, aff in enumerate(entry.get("affiliations") or []):
        awhere = f"{where}: affiliations[{i}]"
        if not isinstance(aff, dict) or "party" not in aff or set(aff) - {"party", "start", "end"}:
            raise ConfigError(f"{awhere}: expected {{party, start, end}}")
        start, end = _date(aff.get("start"), awhere), _date(aff.get("end"), awhere)
        if start and end and end < start:
            raise ConfigError(f"{awhere}: end {end} is before start {start}")
        affiliations.append(Affiliation(str(aff["party"]), start, end))
    surname = entry.get("surname") or name.split()[-1]
    if not isinstance(surname, str) or not surname.strip():
        raise ConfigError(f"{where}: 'surname' must be a name")
    offices = []
    for i, office in enumerate(entry.get("offices") or []):
        owhere = f"{where}: offices[{i}]"
        if (not isinstance(office, dict) or office.get("role") not in ROLES
                or set(office) - {"role", "label", "start", "end"}):
            raise ConfigError(f"{owhere}: expected {{role, label, start, end}} with role one "
                              f"of {', '.join(ROLES)}")
        start, end = _date(office.get("start"), owhere), _date(office.get("end"), owhere)
        offices.append(Office(office["role"], str(office.get("label") or ""), start, end))
    return Entity(**common, surname=surname, surname_alone=policy,
                  affiliations=tuple(affiliations), offices=tuple(offices),
                  birth=_date(entry.get("birth"), f"{where}: birth"))


def _country(value: Any, where: str) -> str | None:
    """A two-letter code, upper case ("fr" is France). YAML reads a bare NO (Norway) as
    false: the party then had no country, and no country word found it."""
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{2}", value.strip()):
        return value.strip().upper()
    if isinstance(value, bool):
        raise ConfigError(f'{where}: \'country\' must be a two-letter code: write "NO" in '
                          "quotes (YAML reads a bare NO as false)")
    raise ConfigError(f"{where}: 'country' must be a two-letter code (FR, GB, US), "
                      f"not {value!r}")


def _validate(kb: KnowledgeBase) -> None:
    claimed: dict[str, str] = {}
    for entity in kb.entities.values():
        where = f"{entity.origin}: entity {entity.id!r}"
        if entity.abroad and entity.abroad[0] not in kb.entities:
            raise ConfigError(f"{where}: abroad entity {entity.abroad[0]!r} is not known")
        if entity.successor and kb.entities.get(entity.successor, None) is None:
            raise ConfigError(f"{where}: successor {entity.successor!r} is not a known party")
        for aff in entity.affiliations:
            party = kb.entities.get(aff.party)
            if party is None or party.type != "party":
                raise ConfigError(f"{where}: affiliation names unknown party {aff.party!r}")
        if entity.builtin:
            continue  # namesakes of the open-data layer are told apart when tagging
        for alias in {*entity.aliases, *entity.exact_case}:
            key = alias if is_acronym(alias) else fold(alias)
            owner = claimed.setdefault(key, entity.id)
            if owner != entity.id:
                raise ConfigError(
                    f"{where}: alias {alias!r} is also claimed by {owner!r}; keep it on one entity"
                )
