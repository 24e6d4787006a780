"""Widen the knowledge base from Wikidata: a SPARQL result (JSON or CSV) -> a KB YAML file.

The expected columns (SPARQL variable names) are ``item``, ``label`` (or ``itemLabel``),
``aliases`` (separated by ``|`` or ``,``), ``party`` (an item or a name), ``partyLabel``,
``start`` and ``end``; one row per person and party membership. People already in the KB
(same QID) are left out; parties are matched to KB parties by QID or name, else added.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from pathlib import Path

import yaml

from tracker.errors import ConfigError
from tracker.kb import KnowledgeBase, fold

_QID = re.compile(r"(Q\d+)$")


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a SPARQL JSON result or a CSV export, as plain strings."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    if text.lstrip().startswith("{"):
        try:
            bindings = json.loads(text)["results"]["bindings"]
            return [{k: v.get("value", "") for k, v in b.items()} for b in bindings]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ConfigError(f"{path}: not a SPARQL JSON result") from None
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or "item" not in rows[0]:
        raise ConfigError(f"{path}: expected a CSV with an 'item' column (item, label, "
                          "aliases, party, start, end)")
    return rows


def to_yaml(rows: list[dict[str, str]], kb: KnowledgeBase) -> tuple[str, int, int, int]:
    """(YAML text, entities added, people skipped because already in the KB, namesakes
    skipped). A namesake of a KB person (another Wikidata item, the same name) would claim
    the KB person's name, which refused the whole import; the tagger could not tell them
    apart anyway. An alias another entity holds is left out of the person's."""
    known_qids = {e.wikidata for e in kb.entities.values() if e.wikidata}
    taken = {fold(n) for e in kb.entities.values() for n in (e.name, *e.aliases)}
    namesakes: set[str] = set()
    party_ids = {e.wikidata: e.id for e in kb.parties() if e.wikidata}
    party_names = {fold(n): e.id for e in kb.parties() for n in (e.name, *e.aliases)}
    used_ids = set(kb.entities)
    people: dict[str, dict] = {}
    new_parties: dict[str, dict] = {}
    skipped: set[str] = set()
    for row in rows:
        qid = _qid(row.get("item", ""))
        label = (row.get("label") or row.get("itemLabel") or "").strip()
        if not qid or not label:
            continue
        if qid in known_qids:
            skipped.add(qid)
            continue
        if qid in namesakes:
            continue
        person = people.get(qid)
        if person is None:
            if fold(label) in taken:
                namesakes.add(qid)
                continue
            aliases = [a.strip() for a in re.split(r"[|,]", row.get("aliases", ""))
                       if a.strip() and fold(a) not in taken]
            person = {"id": _slug(label, used_ids), "name": label, "wikidata": qid,
                      "aliases": list(dict.fromkeys([label, *aliases])), "affiliations": []}
            taken.update(fold(a) for a in person["aliases"])
            people[qid] = person
        party_ref = (row.get("party") or "").strip()
        party_label = (row.get("partyLabel") or "").strip()
        if not party_ref and not party_label:
            continue
        party_qid = _qid(party_ref)
        party_id = (party_ids.get(party_qid) if party_qid else None) or party_names.get(
            fold(party_label or party_ref))
        if party_id is None:
            name = party_label or party_ref
            key = party_qid or fold(name)
            if key not in new_parties:
                new_parties[key] = {"id": _slug(name, used_ids), "name": name,
                                    **({"wikidata": party_qid} if party_qid else {})}
            party_id = new_parties[key]["id"]
        membership = {"party": party_id}
        for field in ("start", "end"):
            if row.get(field):
                membership[field] = row[field][:10]
        if membership not in person["affiliations"]:
            person["affiliations"].append(membership)
    for person in people.values():
        if not person["affiliations"]:
            del person["affiliations"]
    doc = {"parties": list(new_parties.values()), "politicians": list(people.values())}
    text = ("# Imported from a Wikidata query by `tracker kb import`; review before use.\n"
            + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    return text, len(people) + len(new_parties), len(skipped), len(namesakes)


def _qid(value: str) -> str | None:
    match = _QID.search(value.strip())
    return match.group(1) if match else None


def _slug(name: str, used: set[str]) -> str:
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "entity"
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    used.add(slug)
    return slug
