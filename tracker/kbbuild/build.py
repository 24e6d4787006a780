"""Merge the open-data readers' records into the packaged knowledge-base layer.

``tracker kb build`` runs this: every reader turns a local copy of its source into
records; people are merged across sources (same Wikidata QID, or same name, country and
compatible birth dates), matched to the curated KB (whose entries win: the built record
then only adds offices and missing facts under the curated id), given ids that stay
stable across rebuilds (read back from the previous build), validated, and written as
JSON lines with a provenance file naming each source, its licence and its date.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS

from tracker.errors import ConfigError
from tracker.kb import KnowledgeBase, fold, slug
from tracker.kbbuild.records import Office, Party, Person, Stint
from tracker.regexcache import kept

with kept():  # importing spacy.lang.fr compiles its tokenizer's 1.4 MB expression
    from spacy.lang.fr.stop_words import STOP_WORDS as FR_STOP_WORDS

READERS = ("assemblee", "congress", "parlparse", "meps", "everypolitician", "psephology",
           "curated")



@dataclass
class Built:
    """One merged person (or party) of the built layer, before it is written."""

    id: str
    type: str
    name: str
    country: str | None
    sources: list[str]
    wikidata: str | None = None
    birth: dt.date | None = None
    surname: str | None = None
    aliases: list[str] = field(default_factory=list)
    affiliations: list[Stint] = field(default_factory=list)
    offices: list[Office] = field(default_factory=list)
    supplement: bool = False  # adds facts to the curated entry of the same id
    country_cue: bool = False  # a party only a parliament's group label gave (kbload)

    def row(self) -> dict:
        row: dict = {"id": self.id, "type": self.type, "name": self.name}
        if self.supplement:
            row["supplement"] = True
        if self.country_cue:
            row["country_cue"] = True
        for key in ("country", "wikidata", "surname"):
            if getattr(self, key):
                row[key] = getattr(self, key)
        if self.birth:
            row["birth"] = self.birth.isoformat()
        if self.aliases:
            row["aliases"] = self.aliases
        if self.affiliations:
            row["affiliations"] = [[a.party, _iso(a.start), _iso(a.end)]
                                   for a in self.affiliations]
        if self.offices:
            row["offices"] = [[o.role, o.label, _iso(o.start), _iso(o.end)]
                              for o in self.offices]
        row["sources"] = sorted(set(self.sources))
        return row


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def source_info(name: str, root: Path) -> dict:
    """The reader's SOURCE facts plus the commit and date of the local copy: SOURCE.json
    beside the data (written when the copy was made), else the reader's ``copy_stamp``
    (where it has one), else the git clone's last commit, else the newest file's date."""
    module = import_module(f"tracker.kbbuild.{name}")
    info = dict(module.SOURCE)
    stamp = root / "SOURCE.json"
    if stamp.is_file():
        info.update({k: v for k, v in json.loads(stamp.read_text("utf-8")).items()
                     if k in ("commit", "date", "note")})  # note: how a copy was made
    elif hasattr(module, "copy_stamp") and module.copy_stamp(root):
        info.update(module.copy_stamp(root))  # the reader's own stamp (PROVENANCE.txt)
    elif (root / ".git").exists():
        out = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%H %cs"],
                             capture_output=True, text=True, check=False).stdout.split()
        if len(out) == 2:
            info["commit"], info["date"] = out
    if "date" not in info:
        newest = max((p.stat().st_mtime for p in root.rglob("*") if p.is_file()), default=0)
        info["date"] = dt.date.fromtimestamp(newest).isoformat() if newest else None
    return info


def read_source(name: str, root: Path) -> tuple[list[Person], list[Party]]:
    if name not in READERS:
        raise ConfigError(f"unknown source {name!r} (known: {', '.join(READERS)})")
    if not root.is_dir():
        raise ConfigError(f"{root}: source folder not found (see README: rebuilding the KB)")
    module = import_module(f"tracker.kbbuild.{name}")
    try:
        return module.read(root)
    except FileNotFoundError as exc:
        raise ConfigError(f"{name}: {root}: {exc}") from None
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def previous_ids(path: Path | None) -> dict[str, str]:
    """source key ("congress:B000444") -> id, from the last build: ids never move."""
    ids: dict[str, str] = {}
    if path is None or not path.is_file():
        return ids
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            for key in row.get("sources", ()):
                ids.setdefault(key, row["id"])
    return ids


_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _is_name(text: str) -> bool:
    """A name has letters and is no grammar word: a source's "-", "?" or "LE" party (a
    label) would match every "le" of a headline in capitals."""
    return sum(c.isalpha() for c in text) >= 2 and fold(text) not in _STOP_WORDS


_STOP_WORDS = frozenset(fold(w) for w in (*FR_STOP_WORDS, *EN_STOP_WORDS))


def _compatible(a: Built, b: Person) -> bool:
    if a.wikidata and b.wikidata:
        return a.wikidata == b.wikidata
    if a.birth and b.birth and a.birth != b.birth:
        return False
    return (a.country or "") == b.country


def _uncovered(items: list, key) -> list:
    """Items (stints, offices) without those another of the same key spans: one source's
    "Labour MP from 2010 until the term must end (2020)" inside another's "from 2010, still
    sitting" is the same membership, not a second one."""
    def within(item, other) -> bool:
        return (other is not item and key(other) == key(item) and other.start is not None
                and item.start is not None and other.start <= item.start
                and (other.end is None or (item.end is not None and item.end <= other.end))
                and (other.start, other.end) != (item.start, item.end))

    return [item for item in items if not any(within(item, other) for other in items)]


def merge(curated: KnowledgeBase, readings: list[tuple[list[Person], list[Party]]],
          previous: dict[str, str]) -> tuple[list[Built], Counter]:
    """All readers' records as one list of built entities, curated entries winning."""
    stats: Counter = Counter()
    parties: dict[str, Built] = {}
    # A reader's new party that another source or the curated file already has under
    # another id (same country, same name or alias) is that party: one id, one count.
    same_as: dict[str, str] = {}
    named: dict[tuple[str, str], str] = {}
    for e in curated.parties():
        for alias in {e.name, *e.aliases, *e.exact_case}:
            named.setdefault((fold(alias), e.country or ""), e.id)
    for _, new_parties in readings:
        for party in new_parties:
            party.aliases = [a for a in party.aliases if _is_name(a)]
            if not _is_name(party.name) or not _ID.match(party.id):
                stats["parties without a usable name dropped"] += 1
                continue
            if party.id in curated.entities or party.id in parties:
                stats["parties already known"] += 1
                continue
            keys = [(fold(a), party.country or "") for a in {party.name, *party.aliases}]
            known = next((named[k] for k in keys if k in named), None)
            if known is not None:
                same_as[party.id] = known
                stats["parties merged with a known one"] += 1
                continue
            for key in keys:
                named.setdefault(key, party.id)
            # A foreign parliament's group label ("BP", "Zentrum", "Civil Rights
            # Movement") names a party only where the text says its country.
            parties[party.id] = Built(party.id, "party", party.name, party.country,
                                      [f"{party.source}:{party.id}"], party.wikidata,
                                      aliases=list(party.aliases),
                                      country_cue=party.source == "everypolitician"
                                      and bool(party.country))
    known_party = set(parties) | {e.id for e in curated.parties()}

    by_qid: dict[str, Built] = {}
    by_name: dict[tuple[str, str], list[Built]] = {}
    people: list[Built] = []
    curated_qid = {e.wikidata: e.id for e in curated.politicians() if e.wikidata}
    curated_name: dict[tuple[str, str], set[str]] = {}
    for e in curated.politicians():
        for alias in {e.name, *e.aliases}:  # "Eva Joly" and "Éva Joly" fold alike
            curated_name.setdefault((fold(alias), e.country or ""), set()).add(e.id)
    for persons, _ in readings:
        for person in persons:
            stints = [Stint(same_as.get(s.party, s.party), s.start, s.end)
                      for s in person.affiliations]
            stints = [s for s in stints if s.party in known_party]
            stats["affiliations to unknown parties dropped"] += (
                len(person.affiliations) - len(stints))
            key = (fold(person.name), person.country)
            same = by_qid.get(person.wikidata) if person.wikidata else None
            if same is None:
                same = next((b for b in by_name.get(key, ())
                             if _compatible(b, person)
                             and not any(s.startswith(person.source + ":")
                                         for s in b.sources)), None)
            if same is None:
                same = Built("", "politician", person.name, person.country, [],
                             person.wikidata, person.birth, person.surname)
                people.append(same)
                by_name.setdefault(key, []).append(same)
            else:
                stats["people merged across sources"] += 1
            same.sources.append(f"{person.source}:{person.source_key}")
            same.wikidata = same.wikidata or person.wikidata
            same.birth = same.birth or person.birth
            same.surname = same.surname or person.surname
            if same.wikidata:
                by_qid[same.wikidata] = same
            for alias in person.aliases:
                if alias not in same.aliases and alias != same.name and _is_name(alias):
                    same.aliases.append(alias)
            same.affiliations.extend(s for s in stints if s not in same.affiliations)
            same.offices.extend(o for o in person.offices if o not in same.offices)

    taken = set(curated.entities) | set(parties)
    for built in people:
        match = curated_qid.get(built.wikidata) if built.wikidata else None
        if match is None:
            names = curated_name.get((fold(built.name), built.country or ""), set())
            match = next(iter(names)) if len(names) == 1 else None
        if match is not None:
            built.id, built.supplement = match, True
            stats["people matched to curated entries"] += 1
    # Ids of the previous build first, so that a newcomer never takes one of them.
    for built in people:
        old = next((previous[s] for s in built.sources if s in previous), None)
        if not built.supplement and old and old not in taken:
            built.id = old
            taken.add(old)
    for built in people:
        if built.supplement or built.id:
            continue
        base = slug(built.name)
        for candidate in (base,
                          f"{base}-{built.birth.year}" if built.birth else None,
                          f"{base}-{slug(built.sources[0].split(':', 1)[1])}"):
            if candidate and candidate not in taken:
                built.id = candidate
                break
        else:
            raise ConfigError(f"no free id for {built.name} ({built.sources})")
        taken.add(built.id)
    for built in people:
        built.affiliations = _uncovered(built.affiliations, lambda s: s.party)
        built.affiliations.sort(key=lambda s: (s.start or dt.date.min, s.party))
        built.offices.sort(key=lambda o: (o.start or dt.date.min, o.role, o.label))
    with_dates = sum(1 for b in people if not b.supplement
                     and any(a.start or a.end for a in b.affiliations))
    stats["politicians with dated affiliations (new)"] = with_dates
    return sorted([*parties.values(), *people], key=lambda b: (b.type, b.id)), stats


def write(out: Path, built: list[Built], sources: dict[str, dict], stats: Counter) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for entity in built:
            fh.write(json.dumps(entity.row(), ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(out)
    counts = Counter(s.split(":", 1)[0] for b in built for s in b.sources)
    provenance = {
        "file": out.name,
        "built": dt.date.today().isoformat(),
        "entities": {"parties": sum(b.type == "party" for b in built),
                     "politicians": sum(b.type == "politician" and not b.supplement
                                        for b in built),
                     "supplements to curated entries": sum(b.supplement for b in built)},
        "stats": dict(stats),
        "sources": {name: {**info, "records": counts.get(name, 0)}
                    for name, info in sorted(sources.items())},
    }
    out.with_name("provenance.json").write_text(
        json.dumps(provenance, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8")
