"""What the words around a name say: titles, offices, places, things, dates, countries.

The word lists and predicates the linker (``tracker.linker``) applies to a match's
neighbours, and the per-document readings it caches (sentences, the model's entities).
"""

from __future__ import annotations

import bisect
import datetime as dt

from spacy.tokens import Doc, Span

from tracker.countries import COUNTRY_WORDS
from tracker.kb import ENGLISH_SPEAKING, Entity, fold  # noqa: F401 - shared from here
from tracker.names import core

# Honorifics: "M. Hollande", "Mme Bernadette X", "Mr Smith".
HONORIFICS = {fold(t) for t in (
    "M.", "M", "Mme", "Mme.", "Mlle", "monsieur", "madame", "Mr", "Mr.", "Mrs", "Mrs.", "Ms",
    "Ms.", "Dr", "Dr.")}
# Words that, just before a bare surname, show that a person is meant ("M. Hollande").
TITLES = HONORIFICS | {fold(t) for t in (
    "président", "présidente", "ministre",
    "candidat", "candidate", "député", "députée", "sénateur", "sénatrice", "maire", "chef",
    "dirigeant", "dirigeante", "porte-parole", "eurodéputé", "eurodéputée", "chancelier",
    "chancelière", "ex-président", "ex-ministre", "secrétaire", "premier", "première",
    "President", "Senator", "Sen.", "Sen", "Rep.",
    "Rep", "Representative", "Congressman", "Congresswoman", "Governor", "Gov.", "Gov",
    "Speaker", "Secretary", "Vice-President", "leader", "nominee", "Chancellor",
    "Minister", "Prime", "Mayor", "Lord", "Baroness", "MP", "MEP", "Sir", "Dame",
)}
# Honorifics written with a first name: "Sir Keir" is Keir Starmer.
FIRST_NAME_HONORIFICS = {"sir", "dame"}
# Titles of peers written before their surname, outside the mention's span.
PEER_TITLES = {"lord", "baroness", "baron", "lady", "viscount", "earl", "sir", "dame"}
# "Lady Starmer" is his wife, "Madame Chirac" may be his: someone else with that surname.
SPOUSE_WORDS = {"lady"}
# Titles of the British peerage before a surname: "Lord Alli" is no Italian deputy Alli.
PEERAGE = PEER_TITLES - FIRST_NAME_HONORIFICS - SPOUSE_WORDS
# Lower-case words that, just before a bare surname, make it a place: "en Hollande".
PLACE_BEFORE = {"en", "au", "aux"}
# Words before a French member word that make it a noun: "les socialistes".
MEMBER_DETERMINERS = {"les", "des", "aux", "ces", "nos", "vos", "leurs", "deux", "trois",
                      "quelques", "plusieurs", "certains", "tous", "d'", "de"}
# ...and, for words that mean nothing but the party, a person or office before them too:
# "le candidat socialiste", "le sénateur communiste", "le socialiste Patrick Kanner".
PARTY_ONLY_DETERMINERS = MEMBER_DETERMINERS | {fold(w) for w in (
    "le", "la", "un", "une", "l'", "candidat", "candidate", "sénateur", "sénatrice",
    "député", "députée", "maire", "ministre", "élu", "élue", "élus", "élues", "président",
    "présidente", "dirigeant", "dirigeante", "militant", "militants", "militante",
    "militantes", "parlementaire", "parlementaires", "eurodéputé", "eurodéputée",
    "conseiller", "conseillère", "camp", "gouvernement", "groupe", "sénateurs",
    "députés", "candidats", "maires", "ministres", "dirigeants")}
# Member words that are also ordinary words: nouns after a determiner only.
COMMON_MEMBER_WORDS = {"ecologistes", "ecologiste", "insoumis", "insoumises",
                       "democrates", "republicains"}
# Words after a sentence's first word that make it a party member: "Republican senators".
MEMBER_NOUNS = {"senators", "lawmakers", "members", "candidate", "candidates", "voters",
                "leaders", "leadership", "party", "politicians", "officials", "activists",
                "donors", "delegates", "councillors", "councilors", "legislators",
                "representatives", "governors", "majority", "minority", "government",
                "administration", "campaign", "nominee", "nomination", "primary"}
# Capitalised words after an English member word that keep it one ("Conservative MPs").
MEMBER_FOLLOWERS = {"mp", "mps", "mep", "meps", "msp", "msps", "mla", "mlas", "ms", "td",
                    "tds", "cllr", "sen", "sen.", "rep", "rep.", "gov", "gov.", "peer",
                    "peers", "lord", "baroness", "senator", "senators", "governor",
                    "congressman", "congresswoman", "leader", "whip", "mayor"}
# Before a name the model reads as a place, words that make it the place ("la Hollande").
PLACE_ARTICLES = {"la", "l'", "de", "d'", "vers", "depuis", "toute", "a", "in", "at"}
# Nouns only a person's politics has, before "de": "le parti de Hollande", "les partisans
# d'Hollande" name the man when the text has named him in full, not the country (a town's
# or a country's "électeurs", "victoire", "équipe" stay the place's).
PERSON_OF = {fold(w) for w in (
    "parti", "camp", "militants", "partisans", "proches", "soutiens", "entourage",
    "quinquennat", "candidature", "conseiller", "conseillers", "porte-parole",
    "successeur", "prédécesseur", "rival", "adversaire", "adversaires", "fidèles",
    "meeting", "promesses", "gouvernement", "ministres", "discours",
    "programme", "popularité", "interview", "entretien", "élection", "réélection", "bilan",
    "mandat", "majorité", "politique",
)}
ARTICLES = {"la", "le", "les", "l'", "une", "un", "des", "du", "de", "d'", "the", "a"}
# Followers of a full name that make it someone else: "Donald Trump Jr.".
JUNIOR_WORDS = {"jr", "jr.", "junior", "fils", "iii", "ii"}
# Words before a name that make it a place or an institution: "avenue Charles-de-Gaulle".
THING_BEFORE = {fold(w) for w in (
    "avenue", "rue", "boulevard", "bd", "place", "quai", "pont", "allée", "impasse", "cours",
    "lycée", "collège", "école", "université", "stade", "aéroport", "gare", "hôpital",
    "musée", "fondation", "institut", "centre", "station", "parc", "square", "prix",
    "paquebot", "porte-avions", "USS", "HMS")}
# Words after a surname that make it a company, a building or a place: "Trump Tower".
THING_AFTER = {fold(w) for w in (
    "Tower", "Towers", "Organization", "Organisation", "Foundation", "Fondation", "Center",
    "Centre", "Library", "Airport", "University", "Hotel", "Hotels", "International",
    "Plaza", "Building", "Institute", "Street", "Avenue", "Boulevard", "Road", "Park",
    "Square", "Doctrine", "Corp", "Corporation", "Inc", "Group", "Media", "Entertainment",
    "Enterprises", "Winery", "Golf", "Taj", "Shuttle", "Steaks", "Tapes", "Bridge",
    "Memorial", "Presidential", "School", "College", "Stadium", "Arena", "Museum", "Bay")}
# Words of the names of bodies a party word may begin: "Republican National Committee",
# "Democratic Republic of Congo", "Republican Study Committee".
BODY_WORDS = {fold(w) for w in (
    "National", "Committee", "Committees", "Convention", "Conference", "Caucus", "Study",
    "Leadership", "Governors", "Governor", "Association", "Coalition", "Party", "Parties",
    "Republic", "Senate", "Senatorial", "Congressional", "Campaign", "Club", "Clubs",
    "Council", "Union", "Front", "Alliance", "League", "Federation", "Movement", "Group",
    "Left", "Right", "Center", "Centre", "Majority", "Minority", "State", "States",
    "Primary", "Primaries", "Debate", "Debates", "Platform", "Establishment", "Women",
    "Youth", "Socialists", "Socialist", "Jewish", "Main", "Street", "House", "Whip",
    "Attorney", "Attorneys", "General", "Generals", "Central", "Office", "Capitol", "Hill",
    "White", "Supreme", "Court", "Assembly", "Legislature", "Delegation",
    # US states' words: "Democratic Rhode Island", "Republican New Hampshire voters".
    "New", "North", "South", "West", "Rhode", "Island", "Hampshire", "Jersey", "York",
    "Mexico", "Carolina", "Dakota", "Virginia", "Alabama", "Alaska", "Arizona", "Arkansas",
    "California", "Colorado", "Connecticut", "Delaware", "Florida", "Georgia", "Hawaii",
    "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
    "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri",
    "Montana", "Nebraska", "Nevada", "Ohio", "Oklahoma", "Oregon", "Pennsylvania",
    "Tennessee", "Texas", "Utah", "Vermont", "Washington", "Wisconsin", "Wyoming")}
# English words after a one-word name that is also a common noun ("Labour") that make it
# the noun, even capitalised at a sentence's start. Not "of" ("accused Labour of choking
# off growth") nor "bill" ("a Labour bill"): the party.
COMMON_NOUN_AFTER = {"market", "markets", "cost", "costs", "force", "shortage", "shortages",
                     "law", "laws", "day", "act", "movement", "club",
                     "judaism", "rabbi", "rabbis", "synagogue", "synagogues", "jews",
                     "congregation"}
# Words that make a party's name in lower case still a party: "le parti socialiste".
PARTY_WORDS = {"parti", "party", "partei", "partito", "partido", "partij"}
# A party name made of one of these and "Party" is borne in many countries: the open data's
# "Green Party" (New Zealand's) is no more the one a British or American story means.
GENERIC_PARTY_NAMES = {f"{word} party" for word in (
    "green", "national", "centre", "center", "progressive", "unity", "socialist", "labour",
    "labor", "liberal", "conservative", "democratic", "republican", "communist", "people's",
    "workers", "workers'", "reform", "justice", "freedom", "independence", "alliance")}
# Words after "a X" that make X a polling firm: "a Harris poll" (Harris Interactive).
POLL_WORDS = {"poll", "polls", "survey", "surveys", "sondage"}
# Rules by preference when two matches overlap.
RULE_RANK = {"alias": 0, "fuzzy": 1, "member": 2, "surname": 3}
# spaCy NER labels, French and English models, by what they say of a name.
PERSON_LABELS = {"PER", "PERSON"}
# Verbs of saying and the auxiliaries a person's surname opens a headline or a sentence
# with ("Hollande a annoncé", "Royal répond", "Le Pen reacts"): a place or a thing seldom
# does, and never without its article in French.
_SUBJECT_VERBS = """
    a avait aura est était sera va veut doit peut fait dit annonce annoncé répond réplique
    affirme estime assure déclare dénonce promet prévient propose refuse renonce accuse
    attaque défend lance reçoit rencontre tacle juge appelle demande reconnaît confirme
    dément insiste revient s'en se n'a n'est
    has had is was will would says said tells told vows warns reacts responds announces
    announced insists denies rejects urges calls slams attacks defends"""
SUBJECT_VERBS = {fold(w) for w in _SUBJECT_VERBS.split()}
PLACE_LABELS = {"LOC", "GPE", "FAC"}


# Title words -> what an office of the person must say: a role, or a word of its label.
OFFICE_CUES = {
    **dict.fromkeys(("sen", "sen.", "senator", "senateur", "senatrice"), "label:senat"),
    **dict.fromkeys(("rep", "rep.", "representative", "congressman", "congresswoman"),
                    "label:representative"),
    **dict.fromkeys(("depute", "deputee"), "label:depute"),
    **dict.fromkeys(("eurodepute", "eurodeputee", "mep"), "label:mep"),
    **dict.fromkeys(("mp",), "label:mp"),
    **dict.fromkeys(("ministre", "minister", "secretary"), "role:minister"),
    **dict.fromkeys(("speaker",), "role:speaker"),
    **dict.fromkeys(("gov", "gov.", "governor", "gouverneur"), "role:governor"),
    **dict.fromkeys(("maire", "mayor"), "role:local"),
    **dict.fromkeys(("chancellor", "chancelier", "chanceliere"), "role:head_of_government"),
    **dict.fromkeys(("president", "presidente"), "label:presiden"),
}


def office_cue(doc: Doc, start: int) -> str | None:
    """The office a title just before a surname names: "Sen. Warren" -> a Senate seat."""
    for token in reversed(doc[max(0, start - 3):start]):
        word = fold(token.text)
        if word in OFFICE_CUES:
            if word in ("president", "presidente") and start - token.i > 1:
                before = fold(doc[token.i - 1].text) if token.i else ""
                if before in ("vice", "-"):
                    return "label:vice"
            return OFFICE_CUES[word]
        if token.is_punct and token.text not in ("-", "."):
            return None
    return None


def holds(entity: Entity, cue: str, day: dt.date | None) -> bool:
    kind, _, value = cue.partition(":")
    for office in entity.offices:
        if day is not None and not office.covers(day):
            continue
        if kind == "role" and office.role == value:
            return True
        if kind == "label" and any(word.startswith(value) for word in
                                   fold(office.label).replace("-", " ").split()):
            return True
    return False


MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"}
DATE_WORDS = {"in", "of", "since", "until", "till", "by", "early", "late", "mid", "last",
              "next", "this", "from", "through", "before", "after", "during", "on"}


def is_date(doc: Doc, start: int, end: int) -> bool:
    """"May" in "in May", "May 8", "8 May 2017": a month, not Theresa May."""
    if fold(doc[start:end].text) not in MONTHS:
        return False
    before = doc[start - 1] if start > 0 else None
    after = doc[end] if end < len(doc) else None
    return bool((after is not None and after.like_num)
                or (before is not None and (before.like_num
                                           or fold(before.text) in DATE_WORDS)))


def quoted(doc: Doc, start: int, end: int) -> bool:
    """Between quotation marks: « Renaissance », "Renaissance"."""
    opening, closing = "«“\"'‘", "»”\"'’"
    return (start > 0 and doc[start - 1].text in opening and end < len(doc)
            and doc[end].text in closing)


def opens_with_verb(doc: Doc, start: int, end: int) -> bool:
    """The name opens its sentence or a headline's clause and a verb follows: "Hollande a
    annoncé qu'il ne se représenterait pas", "Présidentielle : Royal répond"."""
    first = start == sentence_of(doc, start).start or doc[start - 1].text in (":", "—", "–")
    return first and end < len(doc) and fold(doc[end].text) in SUBJECT_VERBS


def caps_line(sent: Span) -> bool:
    """A headline written in capitals: most of its words are."""
    words = [t for t in sent if t.is_alpha and len(t) > 1]
    return len(words) >= 3 and sum(t.is_upper for t in words) >= 0.8 * len(words)


def title_case(sent: Span, stop_words: frozenset[str]) -> bool:
    """A headline in Title Case ("Trump Says He Will Run After Vote"): capitals tell
    nothing there. Names are capitalised in any sentence; grammar words only in these."""
    return sum(1 for t in sent[1:] if t.is_alpha and t.text[:1].isupper()
               and t.text.lower() in stop_words) >= 2


def country_cues(doc: Doc, start: int, end: int, reach: int = 6) -> set[str]:
    """Countries named within a few words of a name, in its sentence."""
    return {country for _, country in country_words(doc, start, end, reach)}


def country_words(doc: Doc, start: int, end: int, reach: int = 6) -> list[tuple[int, str]]:
    """(token, country) of each country word within a few words of a name, in its
    sentence ("allemande", "Italie", "Germany's")."""
    sent = sentence_of(doc, start)
    found = []
    for i in (*range(max(sent.start, start - reach), start),
              *range(end, min(sent.end, end + reach))):
        country = country_of(doc, i)
        if country:
            found.append((i, country))
    return found


def country_of(doc: Doc, i: int, word: str | None = None) -> str | None:
    """The country token i names, if any (``word``: its folded form, when known)."""
    word = fold(core(doc[i].text)) if word is None else word
    if word in COUNTRY_WORDS:
        return COUNTRY_WORDS[word]
    if word == "royaume" and i + 2 < len(doc) and doc[i + 1].text == "-" \
            and fold(doc[i + 2].text) == "uni":
        return "GB"  # "Royaume-Uni", three tokens to the French model
    return None


def sentence_of(doc: Doc, i: int) -> Span:
    """The sentence of token i, from the starts the linker read once (``Token.sent``
    walks the tokens at every call)."""
    starts = doc.user_data.get("tracker_sents")
    if starts is None:
        return doc[i].sent
    k = bisect.bisect_right(starts, i) - 1
    end = starts[k + 1] if k + 1 < len(starts) else len(doc)
    return doc[starts[k]:end]


def ents(doc: Doc) -> list[tuple[int, int, str]]:
    ents = doc.user_data.get("tracker_ents")
    if ents is None:
        ents = doc.user_data["tracker_ents"] = [(e.start, e.end, e.label_) for e in doc.ents]
    return ents


def is_titled(doc: Doc, start: int) -> bool:
    """A title just before the name ("M. Hollande", "Sen. Warren", "Vice-President
    Harris"), not further ("maire de Pau": Pau is the town)."""
    window = doc[max(0, start - 3):start]
    if any("\n" in t.text_with_ws for t in window):
        return False  # a headline's last word ("Le choix du Premier") titles no one
    before = [t for t in window if not t.is_space]
    while before and before[-1].text in (".", "-", "‑"):
        before.pop()
    return bool(before) and (fold(before[-1].text) in TITLES
                             or fold(before[-1].text + ".") in TITLES)


def family_word(doc: Doc, end: int) -> str | None:
    after = fold(doc[end].text) if end < len(doc) else ""
    if after in ("pere", "senior", "sr", "sr."):
        return "senior"
    if after in ("fille", "fils", "junior", "jr", "jr."):
        return "junior"
    return None


def postscript(doc: Doc, start: int, end: int) -> bool:
    """"PS : n'oubliez pas..." at the start of a line is a postscript, not the party."""
    first = doc[start]
    return (end - start == 1 and first.is_sent_start and end < len(doc)
            and doc[end].text == ":" and first.is_upper)
