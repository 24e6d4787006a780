"""Reader for mySociety's parlparse members data (UK House of Commons and House of Lords).

``members/people.json`` (Popolo: persons, organizations, posts, memberships) gives names,
Commons memberships (through a post of the ``house-of-commons`` organization), Lords
memberships (``organization_id: house-of-lords``) and the party each membership was held for
(``on_behalf_of_id``). ``members/ministers-2010.json`` (data.parliament.uk government and
parliamentary posts, from the 1990s on despite its name) gives ministers, Prime Ministers,
Speakers and party leaders; it lacks Tony Blair's premiership, which is taken from the older
``members/ministers.json`` (only its Prime Minister posts: the rest mixes shadow, party and
committee roles, and its government posts are in ministers-2010.json too).
``members/dates-of-birth.xml`` gives some MPs' birth dates.

Kept: every person with a Commons or Lords membership ending on or after 2005-01-01 (or still
running) and every holder of a ministerial post ending on or after that day. For such a
person all their Commons/Lords memberships and posts are returned, dated as the source dates
them (partial dates such as "1992" are left undated).
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import re
import xml.etree.ElementTree as ET

from tracker.kbbuild.records import Office, Party, Person, Stint, slug

SOURCE = {
    "name": "parlparse",
    "repo": "mysociety/parlparse",
    "url": "https://github.com/mysociety/parlparse",
    "licence": "Open Parliament Licence v3.0 (members data, https://www.parliament.uk/"
               "site-information/copyright-parliament/open-parliament-licence/); "
               "code AGPL-3.0 (https://github.com/mysociety/parlparse/blob/master/LICENSE.txt)",
    "paths": ["members/people.json", "members/ministers-2010.json", "members/ministers.json",
              "members/dates-of-birth.xml"],
}

PEOPLE = "members/people.json"
POSTS = "members/ministers-2010.json"
OLD_POSTS = "members/ministers.json"
BIRTHS = "members/dates-of-birth.xml"

CUTOFF = "2005-01-01"
COMMONS = "house-of-commons"
LORDS = "house-of-lords"
COUNTRY = "GB"
# Same-party memberships separated by at most this many days (a dissolution before a general
# election, a by-election) make one continuous affiliation.
MERGE_GAP_DAYS = 62

# parlparse party (organization id or name, slugged) -> our KB party id (kbdata/entities.yaml).
KB_PARTIES = {
    "labour": "labour", "labourco-operative": "labour", "labour-co-operative": "labour",
    "labour-and-co-operative": "labour", "labour-party": "labour",
    "conservative": "conservatives", "conservatives": "conservatives",
    "conservative-party": "conservatives",
    "liberal-democrat": "libdems", "liberal-democrats": "libdems", "libdem": "libdems",
    "scottish-national-party": "snp", "snp": "snp",
    "ukip": "ukip", "uk-independence-party": "ukip",
    "reform": "reform-uk", "reform-uk": "reform-uk",
    "brexit": "brexit-party", "brexit-party": "brexit-party", "the-brexit-party": "brexit-party",
}

# parlparse party -> (our new id = slug of the official name, official name, aliases).
NEW_PARTIES = {
    "plaid-cymru": ("plaid-cymru", "Plaid Cymru", []),
    "dup": ("democratic-unionist-party", "Democratic Unionist Party", ["DUP"]),
    "democratic-unionist-party": ("democratic-unionist-party", "Democratic Unionist Party",
                                  ["DUP"]),
    "sinn-fein": ("sinn-fein", "Sinn Féin", []),
    "sdlp": ("social-democratic-and-labour-party", "Social Democratic and Labour Party",
             ["SDLP"]),
    "social-democratic-and-labour-party": ("social-democratic-and-labour-party",
                                           "Social Democratic and Labour Party", ["SDLP"]),
    "uup": ("ulster-unionist-party", "Ulster Unionist Party", ["UUP"]),
    "ulster-unionist-party": ("ulster-unionist-party", "Ulster Unionist Party", ["UUP"]),
    "alliance": ("alliance-party-of-northern-ireland", "Alliance Party of Northern Ireland", []),
    "alliance-party": ("alliance-party-of-northern-ireland", "Alliance Party of Northern Ireland",
                       []),
    "alliance-party-of-northern-ireland": ("alliance-party-of-northern-ireland",
                                           "Alliance Party of Northern Ireland", []),
    "green": ("green-party-of-england-and-wales", "Green Party of England and Wales", []),
    "green-party": ("green-party-of-england-and-wales", "Green Party of England and Wales", []),
    "alba": ("alba-party", "Alba Party", []),
    "alba-party": ("alba-party", "Alba Party", []),
    "respect": ("respect-party", "Respect Party", []),
    "respect-party": ("respect-party", "Respect Party", []),
    "traditional-unionist-voice": ("traditional-unionist-voice", "Traditional Unionist Voice",
                                   ["TUV"]),
    "tuv": ("traditional-unionist-voice", "Traditional Unionist Voice", ["TUV"]),
    "workers-party": ("workers-party-of-britain", "Workers Party of Britain", []),
    "workers-party-of-britain": ("workers-party-of-britain", "Workers Party of Britain", []),
    "change-uk": ("the-independent-group-for-change", "The Independent Group for Change",
                  ["Change UK"]),
    "independent-group-for-change": ("the-independent-group-for-change",
                                     "The Independent Group for Change", ["Change UK"]),
    "the-independent-group-for-change": ("the-independent-group-for-change",
                                         "The Independent Group for Change", ["Change UK"]),
    "your-party": ("your-party", "Your Party", []),
    "ukup": ("uk-unionist-party", "UK Unionist Party", []),
    "uk-unionist-party": ("uk-unionist-party", "UK Unionist Party", []),
    "liberal": ("liberal-party", "Liberal Party", []),
    "liberal-party": ("liberal-party", "Liberal Party", []),
    "social-democratic-party": ("social-democratic-party", "Social Democratic Party", []),
}

# Not parties: no affiliation for these (any label with the word "independent" too).
NO_PARTY = {"crossbench", "bishop", "bishops", "non-affiliated", "none", "speaker",
            "deputy-speaker", "lord-speaker", "judge", "lords-spiritual", "other"}

TEMPORAL_PEER_PREFIXES = {"Lord", "Baroness", "Lady", "Viscount", "Viscountess", "Earl",
                          "Countess", "Marquess", "Marchioness", "Duke", "Duchess"}

_MINISTERIAL = re.compile(
    r"minister|secretary|chancellor|attorney|solicitor[- ]general|advocate[- ]general|"
    r"paymaster|lord president|lord privy seal|leader of the house", re.I)
_WHIPPISH = re.compile(r"whip|in waiting|household|commissioner|bodyguard|gentlemen-at-arms|"
                       r"spokesperson", re.I)
_JUNIOR_MINISTER = re.compile(r"under[- ]secretary|minister of state|secretary of state|"
                              r"parliamentary secretary|^minister", re.I)
_NOT_MINISTER = re.compile(r"special (envoy|representative)|prime minister's", re.I)
_PRIME_MINISTER = re.compile(r"^(the )?prime minister\b(?!')", re.I)
_SPEAKER = re.compile(r"^(the )?(speaker of the house of commons|lord speaker)$", re.I)
_PARTY_LEADER = re.compile(r"^(acting |co-)?leader(,| of)", re.I)
_NOT_PARTY_LEADER = re.compile(r"house of|peers|opposition", re.I)


def _date(value) -> dt.date | None:
    """A full YYYY-MM-DD date, else None (partial dates like "1992" are not guessed)."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return None
    if value.startswith("9999"):
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _ends_since_cutoff(m: dict) -> bool:
    end = m.get("end_date")
    if not isinstance(end, str) or not end.strip():
        return True
    end = end.strip()
    # Pad a partial date to the end of its period before comparing.
    padded = end + "-12-31"[len(end) - 4:] if len(end) < 10 else end
    return padded >= CUTOFF


def _load_json(root: pathlib.Path, rel: str, required: bool) -> dict:
    path = root / rel
    if not path.is_file():
        if required:
            raise FileNotFoundError(f"parlparse: missing required file {path}")
        return {}
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    return data if isinstance(data, dict) else {}


def _births(root: pathlib.Path) -> dict[str, dt.date]:
    path = root / BIRTHS
    if not path.is_file():
        return {}
    try:
        tree = ET.parse(path)
    except ET.ParseError:
        return {}
    out = {}
    for el in tree.getroot().iter("personinfo"):
        born = _date(el.get("date_of_birth"))
        if el.get("id") and born:
            out[el.get("id")] = born
    return out


# ------------------------------------------------------------------------------ names

def _s(value) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _personal(n: dict) -> str | None:
    given, family = _s(n.get("given_name")), _s(n.get("family_name"))
    if (not family and given and _s(n.get("lordname"))
            and _s(n.get("honorific_prefix")) in ("Lord", "Baroness", "Lady")):
        family = _s(n.get("lordname"))      # a life peer's title is their surname
    if given and family:
        return f"{given} {family}"
    return None


def _titles(n: dict) -> list[str]:
    """Title forms of a peer's name: "Lord Alli", "Lord Alli of Norbury", "Earl of Listowel"."""
    prefix, lordname = _s(n.get("honorific_prefix")), _s(n.get("lordname"))
    lordofname = _s(n.get("lordofname"))
    if not prefix:
        return []
    out = []
    if lordname:
        out.append(f"{prefix} {lordname}")
        if lordofname:
            out.append(f"{prefix} {lordname} of {lordofname}")
    elif lordofname:
        out.append(f"{prefix} of {lordofname}")
    return out


def _is_peer_name(n: dict) -> bool:
    return "lordname" in n or "lordofname" in n


def _names(person: dict) -> tuple[str | None, str | None, list[str]]:
    """(press name, surname when not the last word, aliases)."""
    names = [n for n in person.get("other_names") or [] if isinstance(n, dict)]
    main = [n for n in names if n.get("note", "Main") == "Main"]
    # Newest first, as parlparse itself picks the current name.
    main.sort(key=lambda n: str(n.get("start_date") or "0000-00-00"), reverse=True)
    name = surname = None
    aliases: list[str] = []
    for n in main:
        full = _personal(n)
        if full and name is None:
            name = full
            family = _s(n.get("family_name")) or _s(n.get("lordname"))
            if family and not full.endswith(" " + family):
                family = None
            if family and " " in family:
                surname = family
        elif full:
            aliases.append(full)
        if _is_peer_name(n) and _s(n.get("honorific_prefix")) in TEMPORAL_PEER_PREFIXES:
            aliases.extend(_titles(n))
    if name is None:
        # No personal name (most bishops): the title is how they are known.
        for n in main:
            titles = _titles(n)
            if titles:
                name = titles[-1]
                break
    aliases = list(dict.fromkeys(a for a in aliases if a and a != name))
    return name, surname, aliases


# ------------------------------------------------------------------------------ parties

def _party_key(org_id: str, orgs: dict) -> tuple[str, str]:
    org = orgs.get(org_id) or {}
    return slug(org_id), slug(_s(org.get("name")) or org_id)


def _party(org_id, orgs: dict, parties: dict[str, Party]) -> str | None:
    """Our party id for a parlparse on_behalf_of_id (None: not a party)."""
    if not isinstance(org_id, str) or not org_id.strip():
        return None
    keys = _party_key(org_id, orgs)
    for key in keys:
        if key in KB_PARTIES:
            return KB_PARTIES[key]
    for key in keys:
        if key in NEW_PARTIES:
            pid, name, aliases = NEW_PARTIES[key]
            break
    else:
        if any(k in NO_PARTY or "independent" in k.split("-") for k in keys):
            return None
        org = orgs.get(org_id) or {}
        name = _s(org.get("name")) or org_id
        pid, aliases = slug(name), []
    if pid not in parties:
        org = orgs.get(org_id) or {}
        parties[pid] = Party(id=pid, name=name, country=COUNTRY, source=SOURCE["name"],
                             aliases=list(aliases), wikidata=_wikidata(org))
    return pid


def _wikidata(thing: dict) -> str | None:
    for ident in thing.get("identifiers") or []:
        if isinstance(ident, dict) and ident.get("scheme") == "wikidata":
            qid = _s(ident.get("identifier"))
            if re.fullmatch(r"Q\d+", qid):
                return qid
    return None


def _merge_stints(stints: list[Stint]) -> list[Stint]:
    stints = sorted(stints, key=lambda s: (s.start or dt.date.min, s.end or dt.date.max))
    out: list[Stint] = []
    for s in stints:
        prev = out[-1] if out else None
        if (prev and prev.party == s.party and prev.end and s.start
                and (s.start - prev.end).days <= MERGE_GAP_DAYS):
            prev.end = s.end if s.end is None or s.end > prev.end else prev.end
            continue
        out.append(Stint(s.party, s.start, s.end))
    return out


# ------------------------------------------------------------------------------ posts

def _post_office(m: dict) -> Office | None:
    label = _s(m.get("role"))
    if not label:
        return None
    source = m.get("source") or ""
    start, end = _date(m.get("start_date")), _date(m.get("end_date"))
    if source in ("datadotparl/governmentpost", "moffice"):
        if _PRIME_MINISTER.search(label):
            return Office("head_of_government", label, start, end)
        if (source == "moffice" or _NOT_MINISTER.search(label)
                or not _MINISTERIAL.search(label)):
            return None
        if _WHIPPISH.search(label) and not _JUNIOR_MINISTER.search(label):
            return None
        return Office("minister", label, start, end)
    if source == "datadotparl/parliamentarypost":
        if _SPEAKER.match(label):
            return Office("speaker", label, start, end)
        if _PARTY_LEADER.match(label) and not _NOT_PARTY_LEADER.search(label):
            return Office("party_leader", label, start, end)
    return None


def _is_recent_government_post(m: dict, office: Office) -> bool:
    return office.role in ("minister", "head_of_government", "speaker") and _ends_since_cutoff(m)


# ------------------------------------------------------------------------------ read

def read(root: pathlib.Path) -> tuple[list[Person], list[Party]]:
    root = pathlib.Path(root)
    people = _load_json(root, PEOPLE, required=True)
    posts_data = _load_json(root, POSTS, required=False)
    old_posts = _load_json(root, OLD_POSTS, required=False)
    births = _births(root)

    persons = {p["id"]: p for p in people.get("persons") or []
               if isinstance(p, dict) and p.get("id") and "redirect" not in p}
    orgs = {o["id"]: o for o in people.get("organizations") or []
            if isinstance(o, dict) and o.get("id")}
    post_org = {p["id"]: p.get("organization_id") for p in people.get("posts") or []
                if isinstance(p, dict) and p.get("id")}

    parties: dict[str, Party] = {}
    offices: dict[str, list[Office]] = {}
    stints: dict[str, list[Stint]] = {}
    keep: set[str] = set()

    for m in people.get("memberships") or []:
        if not isinstance(m, dict) or "redirect" in m or m.get("person_id") not in persons:
            continue
        chamber = m.get("organization_id") or post_org.get(m.get("post_id"))
        if chamber not in (COMMONS, LORDS):
            continue
        pid = m["person_id"]
        start, end = _date(m.get("start_date")), _date(m.get("end_date"))
        label = "MP" if chamber == COMMONS else "peer"
        offices.setdefault(pid, []).append(Office("legislator", label, start, end))
        if isinstance(m.get("on_behalf_of_id"), str):
            # Mapped to our ids only for the people kept (no Party records for others).
            stints.setdefault(pid, []).append(Stint(m["on_behalf_of_id"], start, end))
        if _ends_since_cutoff(m):
            keep.add(pid)

    old_pms = [dict(m, source="moffice") for m in old_posts.get("memberships") or []
               if isinstance(m, dict) and _PRIME_MINISTER.search(_s(m.get("role")))]
    for m in (posts_data.get("memberships") or []) + old_pms:
        if not isinstance(m, dict) or m.get("person_id") not in persons:
            continue
        office = _post_office(m)
        if office is None:
            continue
        pid = m["person_id"]
        offices.setdefault(pid, []).append(office)
        if _is_recent_government_post(m, office):
            keep.add(pid)

    out: list[Person] = []
    for pid in sorted(keep, key=_id_order):
        person = persons[pid]
        name, surname, aliases = _names(person)
        dated_offices = [o for o in offices.get(pid, []) if o.start or o.end]
        mapped = [Stint(party, s.start, s.end) for s in stints.get(pid, [])
                  if (party := _party(s.party, orgs, parties))]
        affiliations = [s for s in _merge_stints(mapped) if s.start or s.end]
        if not name or not (dated_offices or affiliations):
            continue
        dated_offices.sort(key=lambda o: (o.start or dt.date.min, o.role, o.label))
        out.append(Person(
            name=name, country=COUNTRY, source=SOURCE["name"], source_key=pid,
            wikidata=_wikidata(person), birth=_date(person.get("birth_date")) or births.get(pid),
            surname=surname, aliases=aliases, affiliations=affiliations,
            offices=dated_offices,
        ))
    return out, sorted(parties.values(), key=lambda p: p.id)


def _id_order(pid: str) -> tuple[int, str]:
    tail = pid.rsplit("/", 1)[-1]
    return (int(tail) if tail.isdigit() else 0, pid)
