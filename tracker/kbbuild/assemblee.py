"""Reader for the Assemblée nationale's open data ("AMO30/AMO10": acteurs, organes, mandats).

Source: the GitHub mirror ``implicitdef/auto_archive_deputes_data``, folder
``data/anopendata/AMO30_AMO10_merged/`` (one JSON file per acteur and per organe), plus the
small hand-kept alias list ``data/hardcoded/aliases.json5`` of the same repository (optional).

What the source holds (checked on the January 2026 snapshot): the deputies of the XIIth to
XVIIth legislatures (the XIIth incompletely: those who left in 2007, e.g. Jean-Louis Debré,
are missing), the senators known to the Assemblée's system (with their Senate groups), the
members of government since Fillon 1 (2007; the Raffarin, Villepin, Barnier, Bayrou and Lecornu
premierships are absent), two presidents of the Republic, and no MEPs. No Wikidata QIDs.

Affiliations. ``PARPOL`` mandates (the party a deputy declares each year for public funding,
from December 2012 on) are preferred; where no party-mandate maps to one of our parties, the
parliamentary group (``GP``, Assemblée; ``GROUPESENAT``, Sénat) stands in for the party it
stands for, unless the deputy declared another party during that group membership; only
members count ("apparentés" and "rattachés" are by definition not of the group's party).
Groups of no single party (non-inscrits, LIOT, Union centriste, RDSE, ...) and funding
umbrellas ("Ensemble", "Non rattaché(s)", ...) are left out. Every stint is then cut along our
KB's renamings (``tracker.kbbuild.renamings``, a copy of the dates of kbdata/entities.yaml): a
"Les Républicains" Senate-group membership from 2002 becomes ump until 2015-05-30, then lr.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import re
import unicodedata
from collections.abc import Iterable

from tracker.kbbuild import renamings
from tracker.kbbuild.records import Office, Party, Person, Stint, slug

BASE = "data/anopendata/AMO30_AMO10_merged"
ALIASES_PATH = "data/hardcoded/aliases.json5"

SOURCE = {
    "name": "assemblee",
    "repo": "implicitdef/auto_archive_deputes_data",
    "url": "https://github.com/implicitdef/auto_archive_deputes_data",
    "licence": "Licence Ouverte / Open Licence 2.0 (Etalab), "
               "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "paths": [f"{BASE}/acteur", f"{BASE}/organe", ALIASES_PATH],
}

COUNTRY = "FR"
SINCE = dt.date(2002, 6, 19)          # first day of the XIIth legislature

# --------------------------------------------------------------------------- party mappings

# PARPOL organes (declared party, by the organe's ``libelle``) -> our KB id.
# None: a funding umbrella or a non-declaration, not a party: the group stands in instead.
# A label absent from both this table and NEW_PARTIES becomes a new Party (see _parpol_party).
PARPOL_MAP: dict[str, str | None] = {
    "Parti socialiste": "ps",
    "Les Républicains": "lr",
    "La République en Marche": "lrem",
    "En marche !": "en-marche",
    "Rassemblement national": "rn",
    "Front National": "fn",
    "Union pour un Mouvement Populaire": "ump",
    "La France Insoumise": "lfi",
    "Mouvement Démocrate": "modem",
    "Parti communiste français": "pcf",
    "Europe Écologie Les Verts": "eelv",
    "Les Écologistes - EELV": "les-ecologistes",
    # UDI's funding associations (2012-2017, then 2017-):
    "Union des radicaux centristes, indépendants et démocrates": "udi",
    "Union des démocrates, radicaux et libéraux": "udi",
    "Régions et peuples solidaires": "rps",
    "Horizons": "horizons",
    "Parti radical de gauche": "prg",
    "UDR - Union des Droites pour la République": "udr",
    "Association PSLE - Nouveau Centre": "nouveau-centre",
    "Debout la France": "dlf",
    "Debout la République": "debout-la-republique",
    "Parti progressiste martiniquais": "ppm",
    "Tavini Huiraatira No Te Ao Ma'ohi - Front de libération de Polynésie": "tavini",
    # Not parties: funding umbrellas shared by several parties or groups, and non-declarations.
    "Ensemble": None,                                   # Renaissance + MoDem + Horizons, 2022-24
    "Ensemble ! (majorité présidentielle)": None,       # EPR + Démocrates, 2025-
    "Non rattaché(s)": None,
    "Non déclaré(s)": None,
    "Union des démocrates européens, centristes et indépendants": None,  # LIOT centrists
    "Démocratie et République": None,                   # NI, GDR, UDI, SRC, UMP deputies
    "Indépendants de la France de métropole et d'outre-Mer": None,      # NI, UDI, UMP deputies
}

# PARPOL labels that are parties our KB lacks: label -> (id, official name). The id is the slug
# of the official name; it is given here only where the source's label is not that name.
NEW_PARTY_NAMES: dict[str, str] = {
    "Association ambition Réunion": "Ambition Réunion",
    "Les Écologistes-mouvement écologiste independant": "Mouvement écologiste indépendant",
}

# Parliamentary groups (GP and GROUPESENAT ``libelle``, compared casefolded) -> our KB id.
# Groups absent from this table (non-inscrits, Libertés et Territoires, LIOT, Les Constructifs,
# Écologie Démocratie Solidarité, Union centriste, RDSE, Les Indépendants...) map to no party.
GROUP_MAP: dict[str, str] = {
    # Assemblée nationale
    "Union pour un Mouvement Populaire": "ump",
    "Rassemblement - Union pour un Mouvement Populaire": "ump",
    "Les Républicains": "lr",
    "Droite Républicaine": "lr",
    "Socialiste": "ps",
    "Socialiste, radical, citoyen et divers gauche": "ps",
    "Socialiste, républicain et citoyen": "ps",
    "Socialiste, écologiste et républicain": "ps",
    "Nouvelle Gauche": "ps",
    "Socialistes et apparentés": "ps",
    "Socialistes et apparentés (membre de l’intergroupe NUPES)": "ps",
    "Union pour la Démocratie Française": "udf",
    "Député-e-s Communistes et Républicains": "pcf",
    "Gauche démocrate et républicaine": "pcf",
    "Gauche démocrate et républicaine - NUPES": "pcf",
    "Nouveau Centre": "nouveau-centre",
    "Union des démocrates et indépendants": "udi",
    "UDI, Agir et Indépendants": "udi",
    "UDI et Indépendants": "udi",
    "Écologiste": "eelv",
    "Écologiste - NUPES": "eelv",
    "Écologiste et Social": "les-ecologistes",
    "Radical, républicain, démocrate et progressiste": "prg",
    "La République en Marche": "lrem",
    "Renaissance": "renaissance",
    "Ensemble pour la République": "renaissance",
    "Mouvement Démocrate et apparentés": "modem",
    "Mouvement Démocrate (MoDem) et Démocrates apparentés": "modem",
    "Démocrate (MoDem et Indépendants)": "modem",
    "Les Démocrates": "modem",
    "La France insoumise": "lfi",
    "La France insoumise - Nouvelle Union Populaire écologique et sociale": "lfi",
    "La France insoumise - Nouveau Front Populaire": "lfi",
    "Rassemblement National": "rn",
    "Horizons et apparentés": "horizons",
    "Horizons & Indépendants": "horizons",
    "Agir ensemble": "agir",
    "Union des droites pour la République": "udr",
    # Sénat (one organe per group across its renamings; the lineage cuts the dates)
    "Socialiste, Écologiste et Républicain": "ps",
    "Communiste Républicain Citoyen et Écologiste - Kanaky": "pcf",
    "Rassemblement des démocrates, progressistes et indépendants": "renaissance",
    "Groupe écologiste": "eelv",
    "Écologiste - Solidarité et Territoires": "eelv",
}
_GROUP_MAP = {k.casefold(): v for k, v in GROUP_MAP.items()}

# --------------------------------------------------------------------------- offices

DEPUTY = "député"
SENATOR = "sénateur"
MINISTER_QUALITIES = {          # MINISTERE libQualite (casefolded prefix) -> role
    "premier ministre": "head_of_government",
    "ministre": "minister",
    "garde des sceaux": "minister",
    "secrétaire d'état": "minister",
    "haut-commissaire": "minister",
}
SPEAKER_AN = "Président de l'Assemblée nationale"
SPEAKER_SENAT = "Président du Sénat"
HEAD_OF_STATE = "Président de la République"

_MIN, _MAX = dt.date.min, dt.date.max


# --------------------------------------------------------------------------- helpers

def _date(value: object) -> dt.date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: object) -> str:
    """The text of a field that may be a string, a {"#text": ...} object or null."""
    if isinstance(value, dict):
        value = value.get("#text")
    return " ".join(value.split()) if isinstance(value, str) else ""


def _since(office: Office, since: dt.date) -> bool:
    """Whether a dated office was held on or after ``since``."""
    return (office.start is not None or office.end is not None) and (
        office.end is None or office.end >= since)


def _merge_stints(stints: Iterable[Stint]) -> list[Stint]:
    """Stints of one party that overlap or follow each other within a day become one."""
    out: list[Stint] = []
    for st in sorted(stints, key=lambda s: (s.party, s.start or _MIN, s.end or _MAX)):
        last = out[-1] if out else None
        if (last is not None and last.party == st.party and last.end is not None
                and (st.start or _MIN) <= last.end + dt.timedelta(days=1)):
            if st.end is None or st.end > last.end:
                last.end = st.end
            continue
        out.append(Stint(st.party, st.start, st.end))
    return sorted(out, key=lambda s: (s.start or _MIN, s.party))


def _merge_offices(offices: Iterable[Office]) -> list[Office]:
    """Offices of one role and label that overlap or follow within a day become one. Where the
    source repeats a mandate with and without an end date, the dated copy wins."""
    offices = list(offices)
    dated = {(o.role, o.label, o.start) for o in offices if o.end is not None}
    offices = [o for o in offices if o.end is not None or (o.role, o.label, o.start) not in dated]
    out: list[Office] = []
    for o in sorted(offices, key=lambda o: (o.role, o.label, o.start or _MIN, o.end or _MAX)):
        last = out[-1] if out else None
        if (last is not None and (last.role, last.label) == (o.role, o.label)
                and last.end is not None
                and (o.start or _MIN) <= last.end + dt.timedelta(days=1)):
            if o.end is None or o.end > last.end:
                last.end = o.end
            continue
        out.append(Office(o.role, o.label, o.start, o.end))
    return sorted(out, key=lambda o: (o.start or _MIN, o.role, o.label))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def read_aliases(path: pathlib.Path) -> list[list[str]]:
    """Groups of names the same deputy goes by, from the mirror's hand-kept json5 list."""
    if not path.is_file():
        return []
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("//", 1)[0]
        found = re.findall(r"'([^']*)'|\"([^\"]*)\"", line)
        names = [(single or double).strip() for single, double in found if single or double]
        if len(names) > 1:
            groups.append(names)
    return groups


# --------------------------------------------------------------------------- reading

def _load_dir(root: pathlib.Path, sub: str) -> list[dict]:
    folder = root / BASE / sub
    if not folder.is_dir():
        raise FileNotFoundError(f"assemblee: missing folder {folder}")
    out = []
    for path in sorted(folder.glob("*.json")):
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
        # Files are either the bare record or wrapped in {"acteur": ...} / {"organe": ...}.
        if isinstance(data, dict) and len(data) == 1 and sub in data:
            data = data[sub]
        if isinstance(data, dict):
            out.append(data)
    return out


def _minister_role(quality: str) -> str | None:
    q = quality.casefold()
    if q.startswith("première ministre"):
        return "head_of_government"
    for prefix, role in MINISTER_QUALITIES.items():
        if q.startswith(prefix):
            return role
    return None


def _offices(mandates: list[dict], organes: dict[str, dict]) -> list[Office]:
    offices = []
    for m in mandates:
        kind = m.get("typeOrgane")
        quality = _text((m.get("infosQualite") or {}).get("libQualite"))
        quality_sex = _text((m.get("infosQualite") or {}).get("libQualiteSex")) or quality
        start, end = _date(m.get("dateDebut")), _date(m.get("dateFin"))
        if kind == "ASSEMBLEE":
            # datePriseFonction is the real start when a deputy resumes a seat after government.
            taken = _date((m.get("mandature") or {}).get("datePriseFonction"))
            if taken and (start is None or taken > start) and (end is None or taken <= end):
                start = taken
            offices.append(Office("legislator", DEPUTY, start, end))
        elif kind == "SENAT":
            if quality.casefold() in ("senateur", "sénateur"):
                offices.append(Office("legislator", SENATOR, start, end))
            elif quality.casefold() in ("président", "présidente"):
                offices.append(Office("speaker", SPEAKER_SENAT, start, end))
        elif kind == "BUREAU" and quality.casefold() in (
                SPEAKER_AN.casefold(), "présidente de l'assemblée nationale"):
            offices.append(Office("speaker", SPEAKER_AN, start, end))
        elif kind == "MINISTERE":
            role = _minister_role(quality)
            if role:
                offices.append(Office(role, quality_sex, start, end))
        elif kind == "PRESREP":
            offices.append(Office("head_of_state", HEAD_OF_STATE, start, end))
    return offices


def _party_of(organe: dict, new_parties: dict[str, Party]) -> str | None:
    """Our id for a PARPOL organe; registers a new Party where our KB has none."""
    label = _text(organe.get("libelle"))
    if not label:
        return None
    if label in PARPOL_MAP:
        return PARPOL_MAP[label]
    name = NEW_PARTY_NAMES.get(label, label)
    pid = slug(name)
    if pid not in new_parties:
        aliases = [name] if name == label else [name, label]
        new_parties[pid] = Party(id=pid, name=name, country=COUNTRY, source=SOURCE["name"],
                                 aliases=aliases)
    return pid


def _affiliations(mandates: list[dict], organes: dict[str, dict],
                  new_parties: dict[str, Party]) -> list[Stint]:
    stints: list[Stint] = []
    covered: list[tuple[dt.date, dt.date, frozenset[str]]] = []   # declared party spans
    for m in mandates:
        if m.get("typeOrgane") != "PARPOL":
            continue
        organe = organes.get(_text((m.get("organes") or {}).get("organeRef")))
        if organe is None:
            continue
        party = _party_of(organe, new_parties)
        start, end = _date(m.get("dateDebut")), _date(m.get("dateFin"))
        if party is None or start is None:
            continue
        stints.extend(renamings.split(party, start, end))
        covered.append((start, end or _MAX, renamings.family(party)))
    for m in mandates:
        if m.get("typeOrgane") not in ("GP", "GROUPESENAT"):
            continue
        organe = organes.get(_text((m.get("organes") or {}).get("organeRef")))
        if organe is None:
            continue
        quality = _text((m.get("infosQualite") or {}).get("libQualite")).casefold()
        if "apparent" in quality or "rattach" in quality:
            continue            # apparentés / rattachés sit with a group, outside its party
        party = _GROUP_MAP.get(_text(organe.get("libelle")).casefold())
        start, end = _date(m.get("dateDebut")), _date(m.get("dateFin"))
        if party is None or start is None:
            continue
        hi = end or _MAX
        overlapping = [c for c in covered if c[0] <= hi and c[1] >= start]
        if any(family != renamings.family(party) for _, _, family in overlapping):
            continue            # declared another party meanwhile: the group is not the party
        spans = [(c_lo, c_hi) for c_lo, c_hi, _ in overlapping]
        for lo, up in renamings.subtract(start, hi, spans):
            stints.extend(renamings.split(party, lo, None if up == _MAX else up))
    return _merge_stints(stints)


def _person(acteur: dict, organes: dict[str, dict], new_parties: dict[str, Party],
            alias_groups: list[list[str]]) -> Person | None:
    uid = _text(acteur.get("uid"))
    ident = (acteur.get("etatCivil") or {}).get("ident") or {}
    first, last = _text(ident.get("prenom")), _text(ident.get("nom"))
    if not uid or not last:
        return None
    mandates = [m for m in _as_list((acteur.get("mandats") or {}).get("mandat"))
                if isinstance(m, dict)]
    offices = _merge_offices(_offices(mandates, organes))
    if not any(_since(o, SINCE) for o in offices):
        return None
    name = f"{first} {last}".strip()
    birth = _date(((acteur.get("etatCivil") or {}).get("infoNaissance") or {}).get("dateNais"))
    aliases: list[str] = []
    for group in alias_groups:
        if _fold(name) in {_fold(n) for n in group}:
            aliases += [n for n in group if _fold(n) != _fold(name) and n not in aliases]
    return Person(
        name=name,
        country=COUNTRY,
        source=SOURCE["name"],
        source_key=uid,
        birth=birth,
        surname=last if " " in last else None,
        aliases=aliases,
        affiliations=_affiliations(mandates, organes, new_parties),
        offices=offices,
    )


def read(root: pathlib.Path) -> tuple[list[Person], list[Party]]:
    root = pathlib.Path(root)
    organes = {_text(o.get("uid")): o for o in _load_dir(root, "organe")}
    acteurs = _load_dir(root, "acteur")
    alias_groups = read_aliases(root / ALIASES_PATH)
    new_parties: dict[str, Party] = {}
    people = []
    for acteur in acteurs:
        person = _person(acteur, organes, new_parties, alias_groups)
        if person is not None:
            people.append(person)
    people.sort(key=lambda p: p.source_key)
    return people, sorted(new_parties.values(), key=lambda p: p.id)
