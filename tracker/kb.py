"""The knowledge base: parties and politicians, their aliases and dated party affiliations.

Loaded from the YAML files (and inline entries) that config.yaml lists, validated as a
whole, so a bad entry is refused with its file and id before anything runs.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import yaml

from tracker import affiliation
from tracker.errors import ConfigError

PARTY_KEYS = {"id", "name", "country", "wikidata", "aliases", "exact_case", "start", "end",
              "successor", "type", "abroad", "members"}
POLITICIAN_KEYS = {"id", "name", "country", "wikidata", "aliases", "exact_case", "surname",
                   "surname_alone", "affiliations", "type", "offices", "birth"}
# Offices by prominence: 1 = a bare surname may mean this person in any article.
ROLES = {"head_of_state": 1, "head_of_government": 1, "minister": 1, "speaker": 1,
         "party_leader": 1, "governor": 2, "legislator": 2, "local": 3}
# The C loader when PyYAML has it (the KB file is read at every start), else the Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The open-data layer built by `tracker kb build`, shipped inside the package.
BUILTIN = "builtin"
SURNAME_POLICIES = ("always", "context", "never")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_REPLACED = {"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "‐": "-", "‑": "-", "–": "-",
             "—": "-", "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"}


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


def slug(name: str) -> str:
    """"Yaël Braun-Pivet" -> "yael-braun-pivet": the id an entity gets from its name (the
    open-data build's people, discovered people, the gold sets' unknown people)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


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
    offices: tuple[Office, ...] = ()
    birth: dt.date | None = None
    origin: str = ""

    @property
    def builtin(self) -> bool:
        """From the open-data layer, not from a hand-kept file."""
        return self.origin == BUILTIN

    def prominence(self, day: dt.date | None = None) -> int:
        """1: has been head of state or government, minister, speaker or party leader (by
        ``day``); 2: member of a parliament or governor; 3: local office; 4: none known. A
        hand-kept entry without offices was chosen for its prominence: 1."""
        offices = [o for o in self.offices if day is None or o.start is None or o.start <= day]
        if not offices:
            return 4 if self.builtin or self.offices else 1
        return min(ROLES.get(o.role, 4) for o in offices)

    def active(self, day: dt.date | None) -> bool:
        """In office or in a party at ``day``."""
        if day is None:
            return True
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
    The user's files and entries extend it."""
    raw_entities: list[tuple[str, str, dict]] = []
    if builtin:
        handkept = handkept_path()
        items = [handkept, *(i for i in items if not _same_file(i, handkept))]
    digest = hashlib.sha256()
    path = layer or builtin_path()
    layer = _builtin_layer(path) if builtin else {}
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
                # ValueError: YAML dates such as 2020-13-01 fail while loading
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
            entity = replace(entity, offices=entity.offices or under.offices,
                             wikidata=entity.wikidata or under.wikidata,
                             birth=entity.birth or under.birth,
                             affiliations=entity.affiliations or under.affiliations)
        kb.entities[entity.id] = entity
    for entity in layer.values():
        if not entity.name:  # a supplement whose curated entry is not loaded
            continue
        kb.entities[entity.id] = entity
    for entity in list(kb.entities.values()):
        # The layer's people point at parties of the hand-kept file: where it is not
        # loaded (another layer, tests), those affiliations go, not the whole KB.
        if entity.builtin and any(a.party not in kb.entities for a in entity.affiliations):
            kb.entities[entity.id] = replace(entity, affiliations=tuple(
                a for a in entity.affiliations if a.party in kb.entities))
    _validate(kb)
    return kb


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


@functools.lru_cache(maxsize=1)
def _builtin_layer_cached(path: str, mtime: float) -> dict[str, Entity]:
    """The open-data layer's 21,500 lines, read by the daemon and again by the workers'
    fork server before any worker can start: with orjson, and each of its 134,000 dates
    parsed once (most are a few election days), ``load_kb`` takes 0.53 s, not 0.62 to
    0.69."""
    layer: dict[str, Entity] = {}
    try:
        lines = Path(path).read_bytes().splitlines()
    except FileNotFoundError:
        return layer
    for line in lines:
        row = orjson.loads(line)
        offices = tuple(Office(r, label, _day(s), _day(e))
                        for r, label, s, e in row.get("offices", ()))
        common = dict(id=row["id"], type=row["type"], country=row.get("country"),
                      wikidata=row.get("wikidata"), origin=BUILTIN)
        if row.get("supplement"):
            layer[row["id"]] = Entity(**common, name="", aliases=(), offices=offices,
                                      birth=_day(row.get("birth")))
            continue
        name = row["name"]
        aliases = tuple(dict.fromkeys((name, *row.get("aliases", ()))))
        if row["type"] == "party":
            layer[row["id"]] = Entity(**common, name=name, aliases=aliases,
                                      members=tuple(row.get("members", ())))
            continue
        layer[row["id"]] = Entity(
            **common, name=name, aliases=aliases, surname=row.get("surname") or name.split()[-1],
            affiliations=tuple(Affiliation(p, _day(s), _day(e))
                               for p, s, e in row.get("affiliations", ())),
            offices=offices, birth=_day(row.get("birth")))
    return layer


def _builtin_layer(path: Path) -> dict[str, Entity]:
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return {}
    return dict(_builtin_layer_cached(str(path), mtime))


@functools.lru_cache(maxsize=8192)  # the layer's 134,000 dates are mostly a few days
def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


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
                  country=entry.get("country"), wikidata=entry.get("wikidata"), origin=origin)
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
        return Entity(**common, start=start, end=end, successor=entry.get("successor"),
                      abroad=abroad, members=_strings(entry.get("members"), f"{where}: members"))
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
