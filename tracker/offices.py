"""Which office words introduce a politician, here: "le maire", "la sénatrice" always; a
"président" of a region, a department, an assembly or a party, not of a club or a firm;
a country's head in foreign news ("le président égyptien"); a party's candidate; a
secretary of state or of a party, not of a union. ``tracker.discover`` finds the names
these words introduce."""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc

from tracker.context import sentence_of
from tracker.countries import DEMONYMS
from tracker.kb import fold

# Office words (folded) that introduce a politician's name.
OFFICE_WORDS = {fold(w) for w in (
    "député", "députée", "sénateur", "sénatrice", "maire", "eurodéputé", "eurodéputée",
    "conseiller", "conseillère", "ministre", "adjoint", "adjointe", "édile", "élu", "élue",
    "secrétaire", "Sen.", "Sen", "Senator", "Rep.", "Rep", "Representative", "Assemblyman",
    "Assemblywoman", "Assemblymember", "Councilman", "Councilwoman", "councillor", "Cllr",
    "Mayor", "Gov.", "Gov", "Governor", "Delegate", "lawmaker", "legislator", "Congressman",
    "Congresswoman", "MP", "MEP", "minister", "commissioner", "alderman", "alderwoman",
    "MSP", "MLA", "MPP",  # Holyrood's, a Canadian province's or Stormont's, Ontario's
    "councilmember", "supervisor", "gouverneur", "bourgmestre", "préfet",
    "président", "présidente",  # of a region, a department, a group: see political
    # Offices that make a politician in some phrases only (see political): a country's
    # ("le président égyptien", "Belarusian opposition leader"), a party's, the state's.
    "chancellor", "chancelier", "chancelière", "chef", "cheffe", "leader", "dirigeant",
    "dirigeante", "opposant", "opposante",
    # A vice-president as a president; a candidate of a party or for an office; "la tête
    # de liste LFI, X" (see political).
    "vice-président", "vice-présidente", "vice-president", "candidat", "candidate", "tête",
)}
# What a candidate runs for: "candidat à la mairie", "aux municipales", "for mayor"; not
# "à l'élection de Miss France", "for election to the Supervisory Board".
RACES = {"fr": {fold(w) for w in (
             "mairie", "municipales", "législatives", "présidentielle", "régionales",
             "départementales", "sénatoriales", "européennes", "primaire")},
         "en": {"mayor", "governor", "congress", "senate", "president", "presidency",
                "primary"}}
# A head's office, when a country word stands next to it: "Egyptian President", "le
# président égyptien", "Iran's president", "la chancelière allemande".
HEADS = {fold(w) for w in ("président", "présidente", "vice-président", "vice-présidente",
                           "vice-president", "chancellor", "chancelier", "chancelière")}
# "le chef de l'État", "la cheffe de la diplomatie", "le chef de file des Verts".
CHIEF_OF = ("de l' etat", "de l'etat", "du gouvernement", "de la diplomatie",
            "de l' opposition", "de l'opposition")  # "chef de file": a party's only
# What makes a president a politician: "présidente de la métropole", "président du
# Sénat"; "président du conseil régional" (not "du conseil d'administration", "du conseil
# scientifique"), "président du groupe LR" or "parlementaire" (not "du groupe Renault");
# a club's or a firm's is not.
PRESIDENT_OF = {fold(w) for w in (
    "région", "département", "métropole", "agglomération", "Sénat", "Assemblée",
    "collectivité", "Parlement", "République",
)}
# "la présidente des Pays de la Loire", "le président d'Occitanie": a region named (those
# since 2016 and the 22 before), which heads its council. "Centre" alone is too many
# things ("président du Centre national du cinéma").
REGIONS = frozenset(fold(w) for w in (
    "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire",
    "Corse", "Grand Est", "Hauts-de-France", "Île-de-France", "Normandie",
    "Nouvelle-Aquitaine", "Occitanie", "Pays de la Loire", "Provence-Alpes-Côte d'Azur",
    "PACA", "Région Sud", "Guadeloupe", "Martinique", "Guyane", "Réunion", "Mayotte",
    "Alsace", "Aquitaine", "Auvergne", "Basse-Normandie", "Bourgogne", "Champagne-Ardenne",
    "Franche-Comté", "Haute-Normandie", "Languedoc-Roussillon", "Limousin", "Lorraine",
    "Midi-Pyrénées", "Nord-Pas-de-Calais", "Picardie", "Poitou-Charentes", "Rhône-Alpes"))
_BEFORE_REGION = {"de", "la", "l'", "du", "des", "d'", "region"}
COUNCILS = {fold(w) for w in (
    "régional", "départemental", "municipal", "général", "territorial", "exécutif",
)}
# After a country's office, what it heads instead: "the Swiss president of FIFA".
OF_WORDS = {"of", "de", "du", "des", "d'"}
# Offices of no politics before an office word: "Police Commissioner", "Fire Commissioner".
NOT_POLITICS = {"police", "fire", "baptist", "football", "league"}


def political(doc: Doc, norms: list[str], i: int, party_of: Callable[[int], str | None],
               first_names: frozenset[str] = frozenset()) -> bool:
    """"secrétaire" is an office of politics as "secrétaire d'État" or a party's
    ("secrétaire national du PCF"); a union's ("secrétaire général de la CGT") or the
    UN's is not. A "président" is one of a region, a department, an assembly or a
    group ("président du conseil régional"), or of a party. Other office words are taken
    as they are."""
    if norms[i] in HEADS and _country_next_to(norms, i):
        return True
    if norms[i] in ("chef", "cheffe"):
        return (" ".join(norms[i + 1:i + 4]).startswith(CHIEF_OF)
                or party_between(doc, i + 1, min(len(doc), i + 6), party_of) is not None)
    if norms[i] in ("leader", "dirigeant", "dirigeante"):
        return ("opposition" in norms[max(0, i - 1):i + 4] or "l'opposition" in norms[i + 1:i + 4]
                or party_between(doc, max(0, i - 2), min(len(doc), i + 4), party_of)
                is not None)
    if norms[i] in ("opposant", "opposante"):
        return _country_next_to(norms, i)
    if norms[i] in ("chancellor", "chancelier", "chanceliere"):
        return False  # a university's
    if norms[i] in ("candidat", "candidate"):
        sent = sentence_of(doc, i)
        races = RACES["en" if doc.lang_ == "en" else "fr"]
        for k in range(i + 1, min(sent.end, i + 6)):
            if norms[k] in races and not (norms[k] in ("president", "presidency")
                                          and norms[k + 1:k + 2] == ["of"]):
                return True  # not "for president of the student union"
        return party_between(doc, max(sent.start, i - 2), min(sent.end, i + 4),
                             party_of) is not None
    if norms[i] == "tete":
        # "la tête de liste LFI, X"; not a ranking: "en tête de liste des favoris"
        return norms[i + 1:i + 3] == ["de", "liste"] and norms[i - 1:i] != ["en"]
    if norms[i] in ("president", "presidente", "vice-president", "vice-presidente"):
        after = norms[i + 1:i + 4]
        if any(w in PRESIDENT_OF for w in after):
            return True
        if region_after(doc, i, first_names) is not None:
            return True
        if "conseil" in after:
            return any(w in COUNCILS for w in norms[i + 1:i + 5])
        if "groupe" in after and "parlementaire" in norms[i + 1:i + 5]:
            return True
        return party_between(doc, i + 1, min(len(doc), i + 5), party_of) is not None
    if norms[i] != "secretaire":
        return True
    after = norms[i + 1:i + 3]
    if after[:1] == ["d'"] and after[1:] == ["etat"] or after[:1] == ["d'etat"]:
        return True
    return party_between(doc, i + 1, min(len(doc), i + 6), party_of) is not None


def region_after(doc: Doc, i: int, first_names: frozenset[str]) -> int | None:
    """The token after a region named as the office's ("présidente des Pays de la Loire",
    "président d'Occitanie"), written as a name, not a common noun ("la réunion"), nor
    a body named after it ("Bretagne Télécom", "Limousin Basket", "la Réunion des musées
    nationaux"); else None."""
    k = i + 1
    while k < len(doc) and k < i + 4 and fold(doc[k].text) in _BEFORE_REGION:
        k += 1
    if k == i + 1 or k >= len(doc) or not is_cap(doc[k].text):
        return None
    end, text = None, ""
    for m in range(k, min(len(doc), k + 9)):
        text += fold(doc[m].text)
        if text in REGIONS:
            end = m + 1  # the longest: "Bourgogne-Franche-Comté", not "Bourgogne"
        text += doc[m].whitespace_
    if end is None or end == len(doc):
        return end
    after = doc[end]
    if is_cap(after.text) and fold(after.text) not in first_names and not (
            after.ent_iob_ == "B" and after.ent_type_ in ("PER", "PERSON")):
        return None  # "Bretagne Télécom", "Corse Matin" (which the model may call a person)
    if fold(after.text) in OF_WORDS:
        return None  # "la Réunion des musées nationaux", "Normandie de ..."
    return end


def _country_next_to(norms: list[str], i: int) -> bool:
    """A country word right before or after the office: "Egyptian President", "le
    président égyptien", "Iran's president"; not a country's citizen heading something
    else: "the Swiss president of FIFA", "le président allemand du Bayern"."""
    k = i - 2 if i > 1 and norms[i - 1] in ("'s", "’s") else i - 1
    before = norms[k] if k >= 0 else ""
    after = norms[i + 1] if i + 1 < len(norms) else ""
    if after in DEMONYMS:
        rest = norms[i + 2:i + 3]
    elif before in DEMONYMS:
        rest = norms[i + 1:i + 2]
    else:
        return False
    return not rest or rest[0] not in OF_WORDS


def is_cap(text: str) -> bool:
    return text[:1].isupper() and any(c.islower() for c in text[1:])


def party_between(doc: Doc, start: int, end: int, party_of: Callable[[int], str | None]
                   ) -> str | None:
    for i in range(start, end):
        party = party_of(i)
        if party:
            return party
    return None
