"""Reader for Members of the European Parliament (TechToThePeople/mep).

The source keeps one row per MEP who ever sat (``data/meps.all.csv``, keyed by the EP's own
MEP id), with the first mandate start, the last mandate end, the political group and the
national party of the MEP's *last* mandate.  ``data/wikidata.json`` (optional) adds Wikidata
QIDs and properly cased names for recent MEPs.

What can be dated honestly from that:

* one ``legislator`` office "MEP" from the first mandate start to the last mandate end (the
  source does not list the gaps between mandates);
* the group of the last mandate, ending with that mandate (group membership ends with the
  seat); its start is unknown, so left None;
* the national party of the last mandate, undated (party membership outlives the seat).

Non-attached members get no group stint.  Only MEPs who sat on or after the start of the 6th
term (2004-07-20) are returned.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import pathlib
import re
import unicodedata

from tracker.kbbuild.records import Office, Party, Person, Stint

SOURCE = {
    "name": "meps",
    "repo": "TechToThePeople/mep",
    "url": "https://github.com/TechToThePeople/mep",
    "licence": "GNU AGPL v3 (repository, https://github.com/TechToThePeople/mep/blob/master/"
               "LICENSE); data scraped from the European Parliament website, reuse authorised "
               "with acknowledgement (https://www.europarl.europa.eu/legal-notice/en/)",
    "paths": ["data/meps.all.csv", "data/wikidata.json"],
}

MEPS_CSV = "data/meps.all.csv"
WIKIDATA_JSON = "data/wikidata.json"
SINCE = dt.date(2004, 7, 20)           # start of the 6th legislature

# The source's country codes (lower case, "uk" for the United Kingdom, sometimes "el").
_COUNTRY = {"uk": "GB", "el": "GR"}

# Political groups -> KB ids (None: non-attached, no stint).
_GROUPS = {
    "ppe": "epp-group", "ppe-de": "epp-group", "epp": "epp-group",
    "pse": "sd-group", "s&d": "sd-group", "soc": "sd-group",
    "alde": "alde-group",
    "re": "renew-europe", "renew": "renew-europe",
    "verts/ale": "greens-efa", "greens/efa": "greens-efa",
    "gue/ngl": "the-left", "the left": "the-left",
    "ecr": "ecr-group",
    "efd": "efd-group",
    "efdd": "efdd-group",
    "enf": "enf-group",
    "id": "id-group",
    "patriots for europe group": "patriots-for-europe", "patriots": "patriots-for-europe",
    "pfe": "patriots-for-europe",
    "europe of sovereign nations group": "esn-group", "esn": "esn-group",
    "uen": "union-for-europe-of-the-nations",
    "ind/dem": "independence-democracy",
    "na": None, "ni": None, "": None,
}
_NEW_GROUPS = {
    "union-for-europe-of-the-nations": ("Union for Europe of the Nations", ["UEN"]),
    "independence-democracy": ("Independence/Democracy", ["IND/DEM"]),
}

# National parties -> KB ids, keyed by (country, normalised label as the EP writes it).
_PARTIES = {
    "FR": {
        "parti socialiste": "ps",
        "rassemblement national": "rn",
        "front national": "fn",
        "union pour un mouvement populaire": "ump",
        "les republicains": "lr",
        "europe ecologie": "eelv",
        "les verts europe ecologie": "eelv",
        "europe ecologie les verts": "eelv",
        "les ecologistes": "les-ecologistes",
        "les verts": "les-verts",
        "mouvement democrate": "modem",
        "la france insoumise": "lfi",
        "renaissance": "renaissance",
        "la republique en marche": "lrem",
        "union des democrates et independants": "udi",
        "place publique": "place-publique",
        "nouveau centre": "nouveau-centre",
        "mouvement pour la france": "mpf",
        "parti communiste francais": "pcf",
        "debout la france": "dlf",
        "debout la republique": "debout-la-republique",
        "generation s le mouvement": "generation-s",
        "horizons": "horizons",
        "parti radical": "parti-radical",
        "mouvement radical": "mouvement-radical",
        "mouvement radical social liberal": "mouvement-radical",
        "union pour la democratie francaise": "udf",
        "les radicaux de gauche": "prg",
        "parti radical de gauche": "prg",
        "agir la droite constructive": "agir",
        "gauche republicaine et socialiste": "grs",
        "les centristes": "les-centristes",
        "reconquete": "reconquete",
        "regions et peuples solidaires": "rps",
        "parti de gauche": "parti-de-gauche",
        "nouveau parti anticapitaliste": "npa",
        "chasse peche nature et traditions": "cpnt",
        "lutte ouvriere": "lo",
    },
    "DE": {
        "christlich demokratische union deutschlands": "cdu",
        "christlich soziale union in bayern e v": "csu",
        "christlich soziale union in bayern": "csu",
        "sozialdemokratische partei deutschlands": "spd",
        "bundnis 90 die grunen": "gruene",
        "alternative fur deutschland": "afd",
        "freie demokratische partei": "fdp",
        "freie demokratische partei die liberalen": "fdp",
        "die linke": "die-linke",
        "bundnis sahra wagenknecht vernunft und gerechtigkeit": "bsw",
    },
    "IT": {
        "partito democratico": "pd-italy",
        "forza italia": "forza-italia",
        "fratelli d italia": "fdi",
        "lega": "lega",
        "lega nord": "lega",
        "lega nord per l indipendenza della padania": "lega",
        "lega salvini premier": "lega",
        "movimento 5 stelle": "m5s",
        "il popolo della liberta": "pdl",
        "italia viva": "italia-viva",
        "italia viva il centro": "italia-viva",
    },
    "ES": {
        "partido socialista obrero espanol": "psoe",
        "partido popular": "pp-spain",
        "podemos": "podemos",
        "vox": "vox",
        "ciudadanos partido de la ciudadania": "ciudadanos",
        "movimiento sumar": "sumar",
    },
    "PL": {
        "platforma obywatelska": "po",
        "prawo i sprawiedliwosc": "pis",
    },
    "NL": {
        "partij van de arbeid": "pvda",
        "christen democratisch appel": "cda",
        "partij voor de vrijheid": "pvv",
        "volkspartij voor vrijheid en democratie": "vvd",
    },
    "BE": {
        "parti socialiste": "ps-belge",
        "nieuw vlaamse alliantie": "n-va",
        "christen democratisch vlaams": "cd-v",
        "mouvement reformateur": "mr",
        "open vlaamse liberalen en democraten": "open-vld",
    },
    "AT": {
        "osterreichische volkspartei": "ovp",
        "sozialdemokratische partei osterreichs": "spo",
        "freiheitliche partei osterreichs": "fpo",
    },
    "HU": {
        "fidesz magyar polgari szovetseg keresztenydemokrata neppart": "fidesz",
        "fidesz magyar polgari szovetseg kereszteny demokrata neppart": "fidesz",
        "fidesz magyar polgari szovetseg": "fidesz",
    },
    "GR": {
        "nea demokratia": "nd-greece",
        "nea dimokratia": "nd-greece",
        "panhellenic socialist movement": "pasok",
        "panellinio socialistiko kinima": "pasok",
        "pasok kinal": "pasok",
        "coalition of the radical left": "syriza",
    },
    "PT": {
        "partido socialista": "ps-portugal",
        "partido social democrata": "psd-portugal",
    },
    "GB": {
        "labour party": "labour",
        "conservative party": "conservatives",
        "conservative and unionist party": "conservatives",
        "liberal democrats": "libdems",
        "liberal democrats party": "libdems",
        "liberal democrat party": "libdems",
        "united kingdom independence party": "ukip",
        "uk independence party": "ukip",
        "the brexit party": "brexit-party",
        "brexit party": "brexit-party",
        "scottish national party": "snp",
    },
}

# A label valid only within a period of the party's life: (country, label) -> (after, before).
# "Renaissance" was also the name of the 2019 list (LREM, MoDem, Agir...), not a party.
_LABEL_PERIOD = {("FR", "renaissance"): (dt.date(2022, 9, 17), None)}

# French labels that are no party (independents, lists, alliances): no stint, no new Party.
_FR_NO_PARTY = {
    "independant", "sans parti", "sans etiquette", "divers droite", "divers gauche",
    "liste renaissance", "liste l europe ensemble", "rassemblement bleu marine",
    "front de gauche", "front de gauche pour changer d europe",
    "parti radical union des democrates et independants",
}

# Surname particles written in lower case, by country.
_PARTICLES = {
    "FR": {"de", "du", "des", "d"},
    "LU": {"de", "von"},
    "ES": {"de", "del", "y", "la", "las", "los", "i"},
    "PT": {"da", "das", "de", "do", "dos", "e"},
    "DE": {"von", "zu", "der", "van", "den"},
    "AT": {"von", "zu", "der"},
    "NL": {"van", "de", "der", "den", "ten", "ter", "het", "t"},
    "GB": {"of"},
}
_INITIAL = re.compile(r"^(?:\w\.)+-?(?:\w\.)*$")


def _norm(text: str) -> str:
    """Casefolded, accent-free words: "FRATELLI D' ITALIA" -> "fratelli d italia"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[a-z0-9]+", text.replace("&", " ")))


def slug(text: str) -> str:
    return _norm(text).replace(" ", "-")


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def _cap(word: str) -> str:
    if word[:2].casefold() == "mc" and len(word) > 2:
        return "Mc" + word[2:3].upper() + word[3:].lower()
    return word[:1].upper() + word[1:].lower()


def fix_case(surname: str, country: str) -> str:
    """The EP's capitals fixed: "LE PEN" -> "Le Pen", "DE SARNEZ" (FR) -> "de Sarnez",
    "van der STOEP" -> "van der Stoep"; words already in mixed or lower case are kept."""
    particles = _PARTICLES.get(country, set())
    words = surname.split()
    whole = surname.isupper()
    out = []
    for i, word in enumerate(words):
        if not word.isupper() or (len(word) == 1 and not whole):
            out.append(word)
            continue
        parts = re.split(r"([-'’])", word)
        fixed = [p if p in "-'’" else _cap(p) for p in parts]
        if i < len(words) - 1 and word.casefold() in particles:
            fixed = [word.lower()]
        elif len(parts) >= 3 and parts[1] in "'’" and parts[0].casefold() in particles:
            fixed[0] = parts[0].lower()                 # d'Ornano
        out.append("".join(fixed))
    return " ".join(out)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _wikidata(root: pathlib.Path) -> dict[str, dict]:
    """MEP id -> Wikidata entry (only ids that name a single item)."""
    path = root / WIKIDATA_JSON
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    by_id: dict[str, list[dict]] = {}
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict):
            continue
        for mep_id in _strings(entry.get("MEP directory ID")):
            by_id.setdefault(mep_id.strip(), []).append(entry)
    return {k: v[0] for k, v in by_id.items() if len({e.get("wdid") for e in v}) == 1}


def _cased_surname(last: str, country: str, wd: dict) -> str:
    """The surname as Wikidata writes it when it is the same letters, else fixed by rule."""
    key = last.casefold()
    for family in _strings(wd.get("family name")):
        if family.casefold() == key:
            return family
    for native in _strings(wd.get("name in native language")):
        if native.casefold().endswith(" " + key):
            return native[len(native) - len(last):]
    return fix_case(last, country)


def _first_name(first: str) -> str:
    """Drop middle initials ("Hendrik J.G." -> "Hendrik") unless the name is only initials."""
    words = first.split()
    kept = [w for w in words if not _INITIAL.match(w)]
    return " ".join(kept or words)


def _national(country: str, label: str, end: dt.date | None) -> str | None:
    key = _norm(label)
    party = _PARTIES.get(country, {}).get(key)
    if party is None:
        return None
    after, before = _LABEL_PERIOD.get((country, key), (None, None))
    if after and end is not None and end <= after:
        return None
    if before and end is not None and end > before:
        return None
    return party


def _person(row: dict, wikidata: dict[str, dict], parties: dict[str, Party]) -> Person | None:
    mep_id = (row.get("epid") or "").strip()
    first = (row.get("firstname") or "").strip()
    last = (row.get("lastname") or "").strip()
    raw_country = (row.get("country") or "").strip().lower()
    if not mep_id or not last or len(raw_country) != 2:
        return None
    country = _COUNTRY.get(raw_country, raw_country.upper())
    start, end = _date(row.get("start")), _date(row.get("end"))
    active = (row.get("active") or "").strip().lower() == "true"
    if not active and not ((end and end >= SINCE) or (end is None and start and start >= SINCE)):
        return None
    if active:
        end = None

    wd = wikidata.get(mep_id, {})
    surname = _cased_surname(last, country, wd)
    given = _first_name(first)
    name = f"{given} {surname}".strip()
    aliases = []
    full = f"{first} {surname}".strip()
    if full != name:
        aliases.append(full)
    for native in _strings(wd.get("name in native language")):
        if native != name and native not in aliases and not native.isupper():
            aliases.append(native)
    qid = next((q for q in _strings(wd.get("wdid")) if re.fullmatch(r"Q\d+", q)), None)

    affiliations = []
    label = (row.get("party") or "").strip()
    party_id = _national(country, label, end)
    if party_id is None and country == "FR" and label and _norm(label) not in _FR_NO_PARTY:
        party_id = slug(label)
        parties.setdefault(party_id, Party(id=party_id, name=label, country="FR",
                                           source=SOURCE["name"]))
    if party_id:
        affiliations.append(Stint(party_id))
    group = (row.get("eugroup") or "").strip()
    group_id = _GROUPS.get(group.casefold())   # unknown codes and non-attached: no stint
    if group_id:
        if group_id in _NEW_GROUPS:
            gname, galiases = _NEW_GROUPS[group_id]
            parties.setdefault(group_id, Party(id=group_id, name=gname, country="EU",
                                               source=SOURCE["name"], aliases=list(galiases)))
        affiliations.append(Stint(group_id, None, end))

    offices = [Office("legislator", "MEP", start, end)] if start or end else []
    if not offices and not any(s.start or s.end for s in affiliations):
        return None
    return Person(
        name=name, country=country, source=SOURCE["name"], source_key=mep_id, wikidata=qid,
        birth=_date(row.get("birthdate")),
        surname=surname if " " in surname else None,
        aliases=aliases, affiliations=affiliations, offices=offices,
    )


def read(root: pathlib.Path) -> tuple[list[Person], list[Party]]:
    root = pathlib.Path(root)
    path = root / MEPS_CSV
    if not path.exists():
        raise FileNotFoundError(f"meps: missing {MEPS_CSV} under {root}")
    wikidata = _wikidata(root)
    parties: dict[str, Party] = {}
    people: dict[str, Person] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            person = _person(row, wikidata, parties)
            if person and person.source_key not in people:
                people[person.source_key] = person
    return list(people.values()), sorted(parties.values(), key=lambda p: p.id)
