"""The party rules of the linker: exact-case names, members' words, other countries'
parties, a party's name at a date. ``PartyRules`` is mixed into ``tracker.linker.Linker``.
"""

from __future__ import annotations

import datetime as dt

from spacy.tokens import Doc, Span

from tracker.affiliation import party_as_named, party_at
from tracker.context import (
    ARTICLES,
    BODY_WORDS,
    COMMON_MEMBER_WORDS,
    COMMON_NOUN_AFTER,
    ENGLISH_SPEAKING,
    GENERIC_PARTY_NAMES,
    MEMBER_DETERMINERS,
    MEMBER_FOLLOWERS,
    MEMBER_NOUNS,
    PARTY_ONLY_DETERMINERS,
    PARTY_WORDS,
    TITLES,
    country_cues,
    country_of,
    country_words,
    sentence_of,
)
from tracker.countries import ANY_COUNTRY_WORDS
from tracker.kb import KnowledgeBase, fold, is_acronym
from tracker.names import core


class PartyRules:
    """How a party's names and members' words are read; needs ``kb``, ``first_names``
    and ``_pick`` from the linker."""

    kb: KnowledgeBase | None
    first_names: frozenset[str]

    def _exact_case_ok(self, span: Span, entity_id: str, written: str) -> bool:
        """Names that are also common words ("Renaissance", "Les Verts", "en marche") count
        only as written in the KB; an article before a one-word name makes it the word."""
        entity = self.kb.entities[entity_id]
        folded = fold(written)
        # A party whose one-word name has inner capitals ("MoDem") is written so in English:
        # "Modem technology", "the MODEM" are the device. French press also writes it "le
        # Modem", which no article makes a common word (the device is "le modem").
        camel = " " not in written and written not in _camel_forms(entity)
        if camel and _camel_forms(entity):
            if span.doc.lang_ == "en" and entity.country not in ENGLISH_SPEAKING:
                return False
            if span.doc.lang_ == "fr" and written in entity.exact_case:
                return True
        if any(fold(a) == folded for a in entity.aliases if not is_acronym(a)):
            return entity.type != "party" or _written_as_a_name(entity, written)
        # Exact case, or a headline in capitals ("LES RÉPUBLICAINS"); a short form ("Reform")
        # is read so too, and the linker asks the rest of the text for it.
        if not any(written == a or (written == a.upper() and (" " in a or a[1:].islower()))
                   for a in (*entity.exact_case, *entity.short_forms)):
            return False
        doc = span.doc
        if (span.end + 1 < len(doc) and fold(doc[span.end].text) in ("de", "d'")
                and doc[span.end + 1].text[:1].isupper()
                and fold(doc[span.end + 1].text) not in self.first_names):
            return False  # "les Verts de Saint-Étienne": a team or group of a place
        if len(span) > 1 or not written[1:].islower():
            return True  # a multi-word name, or one like "MoDem" that is no common word
        if (doc.lang_ == "en" and span.end < len(doc)
                and (fold(doc[span.end].text) in COMMON_NOUN_AFTER
                     or (doc[span.start].is_sent_start and doc[span.end].lower_ == "of"))):
            return False  # "Labour costs", "Labour Day", "Reform of the pensions": the word
        # "la Renaissance", "the Renaissance", "Harlem Renaissance": the word, not the party.
        # A plural article makes members of a party ("des Républicains", "les Verts").
        before = span.doc[span.start - 1] if span.start > 0 else None
        if before is not None and before.lower_ == "à":
            return True  # "adhérer à Renaissance": no article (folded, "à" is "a")
        # "the Conservatives", and "the Labour leader", "a Labour majority" of an English-
        # speaking country's party; "the Renaissance" is the period, not the French party.
        if before is not None and entity.is_short(written) and \
                fold(core(before.text)) in ANY_COUNTRY_WORDS:
            return True  # "the Swedish Moderates": its country qualifies a short form
        plural_the = before is not None and fold(before.text) in ("the", "a", "an") and (
            written.endswith("s") or entity.country in ENGLISH_SPEAKING)
        return before is None or not (
            (fold(before.text) in ARTICLES and not plural_the  # "the Conservatives"
             and fold(before.text) not in ("les", "des", "aux", "du", "de", "d'"))
            or (before.is_alpha and before.text[:1].isupper() and not before.is_sent_start))

    def _member_party(self, doc: Doc, start: int, end: int, ids: tuple[str, ...],
                      day: dt.date | None, sentence_countries: dict[int, set[str]]
                      ) -> str | None:
        """A member word ("socialistes", "Democrats") counts for its party as named at the
        date: "marcheurs" are En Marche in 2016, LREM in 2019."""
        assert self.kb is not None
        after = doc[end] if end < len(doc) else None
        if (after is not None and after.is_alpha and after.text[:1].isupper()
                and fold(after.text) not in TITLES and doc[start].text[:1].isupper()
                and not after.is_sent_start and fold(after.text) not in self.first_names
                and fold(after.text) not in MEMBER_FOLLOWERS
                and not _is_name_start(self, doc, end)):
            return None  # "Democratic Republic of Congo", "Republican National Committee"
        word = fold(doc[start:end].text)
        if (doc[start].is_sent_start and doc[start].text[:1].isupper()
                and not word.endswith("s")
                and (after is None or fold(after.text) not in MEMBER_FOLLOWERS | MEMBER_NOUNS)
                and not (after is not None and after.text[:1].isupper()
                         and _is_name_start(self, doc, end))):
            # "Conservative estimates put...": a capital that says nothing; "Democrat
            # Chuck Schumer said" names the person's party.
            return None
        if doc[start].text[:1].islower():
            # French member words are nouns: "les socialistes", "chez les insoumis", not
            # the adjective of "les militants écologistes"; words that mean nothing but
            # the party may follow a person: "le candidat socialiste".
            before = doc[start - 1] if start > 0 else None
            allowed = (MEMBER_DETERMINERS if word in COMMON_MEMBER_WORDS
                       else PARTY_ONLY_DETERMINERS)
            if before is None or fold(before.text) not in allowed:
                return None
        ids = self._by_country(doc, start, end, ids)
        if doc[start].text[:1].islower():
            # A lower-case member word of a foreign party needs its country said nearby,
            # or one of its politicians in the sentence: "les démocrates américains",
            # "les démocrates de Hakeem Jeffries".
            home = {"fr": "FR"}.get(doc.lang_)
            cues = country_cues(doc, start, end) | sentence_countries.get(
                sentence_of(doc, start).start, set())
            ids = tuple(i for i in ids if self.kb.entities[i].country in (home, None)
                        or self.kb.entities[i].country in cues)
        party_id = self._pick(ids, day) if ids else None
        if party_id is None:
            return None
        return party_as_named(self.kb, party_id, day)

    def _short_forms(self, doc: Doc, span: tuple[int, int], ids: tuple[str, ...],
                     short: list[str], written: str, context: tuple,
                     members: tuple[str, ...]) -> tuple[str, ...]:
        """The parties a name some of them have as a short form means here ("Reform", "the
        Greens", "Labour" of New Zealand): those the text backs, else the others.

        The party only where the text names it in full, or one of its people, or where
        its country qualifies it ("Britain's Green Party"); another country near ("New
        Zealand's Green Party") makes it that country's. "Britain needs Reform" is the
        word. A name of several words ("National Party", "Centre Party"), or a plural
        after "the" ("the Liberals", "the Nationals"), is a proper name: its country said
        before it in the sentence is enough ("In New Zealand, ... the National Party"). A
        party named by this name for good ("Labour", the British party) keeps it where the
        text names it by a name no other party has, or one of its people: Ardern quoted in
        a story that names Starmer does not make Labour New Zealand's. ``context``: the
        linker's chosen matches, full names and day; ``members``: the member word's
        parties under the same span."""
        assert self.kb is not None
        start, end = span
        chosen, full_names, day = context
        # Read once a document: the parties it names, and those it names by a name no
        # other party has.
        seen = doc.user_data.get("tracker_short_forms")
        if seen is None:
            seen = doc.user_data["tracker_short_forms"] = (
                self._named_parties(doc, chosen, full_names, day),
                self._named_parties(doc, [c for c in chosen if not self._maybe_short(doc, c)],
                                    full_names, day))
        named_parties, for_good = seen
        home = any(o in for_good for o in (*ids, *members) if o not in short)
        cues = party_cues(doc, start, end)
        attached = qualifying_countries(doc, start, end)
        before = _cued_before(doc, start, end)
        backed = [i for i in short if self.kb.entities[i].country in attached
                  or (i in named_parties and (
                      self.kb.entities[i].country in cues or not (cues or home)))
                  or ((end - start > 1 or _the_plural(doc, start, written))
                      and not home and self.kb.entities[i].country in before)]
        return tuple(backed) or tuple(i for i in ids if i not in short)

    def _maybe_short(self, doc: Doc, match: tuple) -> bool:
        """A name some party has as a short form: it names no party for sure."""
        start, end, kind, ids = match
        written = doc[start:end].text
        return kind == "alias" and any(self.kb.entities[i].is_short(written) for i in ids)

    def _named_parties(self, doc: Doc, chosen: list, full_names: list,
                       day: dt.date | None) -> set[str]:
        """The parties a text names by a name that is not a short form, and those of the
        people it names in full at the date."""
        assert self.kb is not None
        named = {party_at(self.kb, self.kb.entities[entity_id], day or dt.date.today())
                 for _, _, entity_id in full_names if entity_id}
        for start, end, kind, ids in chosen:
            if kind == "alias":
                written = doc[start:end].text
                named.update(i for i in ids if self.kb.entities[i].type == "party"
                             and not self.kb.entities[i].is_short(written))
        return {p for p in named if p}

    def _by_country(self, doc: Doc, start: int, end: int, ids: tuple[str, ...]
                    ) -> tuple[str, ...]:
        """Parties of the country named next to the name: "Angola's National Front" is not
        the French one, "les Verts allemands" are the German Greens."""
        assert self.kb is not None
        entities = [self.kb.entities[i] for i in ids]
        if any(e.type != "party" for e in entities):
            return ids
        if any(e.country in (None, "EU") for e in entities):
            return ids  # a European Parliament group has no country to contradict
        cues = party_cues(doc, start, end)
        if (not cues and all(e.builtin for e in entities)
                and fold(doc[start:end].text) in GENERIC_PARTY_NAMES):
            return ()  # the open data's "Green Party" (New Zealand's): nothing says it is
        if not cues and any(e.country_cue for e in entities):
            entities = [e for e in entities if not e.country_cue]  # "BP shares fell"
            if not entities:
                return ()
        if cues and not any(e.country in cues for e in entities):
            # "À Washington, les Républicains": the party these names mean abroad
            abroad = [e.abroad[0] for e in entities if e.abroad
                      and self.kb.entities[e.abroad[0]].country in cues]
            if abroad:
                return tuple(dict.fromkeys(abroad))
        if not cues and len({e.country for e in entities}) > 1:
            # Parties of several countries bear the name ("Liberal Party", "Labour"): the
            # one of a country the text names, or whose people it names, elsewhere.
            mine = [e.id for e in entities if e.country in document_countries(doc)]
            if mine:
                return tuple(mine)
        if not cues or any(e.country in cues for e in entities):
            return tuple(e.id for e in entities if not cues or e.country in cues
                         or e.country in (None, "EU"))
        if len(entities) == 1 and _said_of_others(doc, start, end):
            return ids  # "le RN a rompu avec l'AfD allemande": the French RN still
        return ()


def _of_the_party(doc: Doc, name_end: int, start: int) -> bool:
    """"Elly Schlein, of the Democratic party", "Pedro Sánchez (PSOE)": the party named
    right after a person, as theirs."""
    between = [fold(t.text) for t in doc[name_end:start]]
    return 0 < len(between) <= 3 and between[0] in (",", "(") and all(
        w in (",", "(", "of", "from", "the", "de", "du", "la", "le", "l'", "des")
        for w in between)


def _said_of_others(doc: Doc, start: int, end: int) -> bool:
    """Each country word near the name is nearer another name of that country: "l'AfD
    allemande", "Giorgia Meloni en Italie" say where those are, not where this party is
    ("le Parti socialiste de Paul Magnette en Wallonie" is the Belgian one)."""
    words = country_words(doc, start, end)
    named = doc.user_data.get("tracker_named", ())
    for i, country in words:
        ours = start - i if i < start else i - end + 1
        theirs = [s - i if i < s else i - e + 1 for s, e, c in named
                  if c == country and (s, e) != (start, end)]
        if not theirs or min(theirs) >= ours:
            return False
    return bool(words)


def _is_name_start(linker: PartyRules, doc: Doc, i: int) -> bool:
    """The capitalised word at ``i`` starts a person's name: "Democratic Gov. Jared Polis",
    "Republican Mitt Romney"; or two capitalised words end there that name no body
    ("Republican Curtis Sliwa", not "Republican National Committee")."""
    if fold(doc[i].text) in linker.first_names:
        return True
    pair = doc[i:i + 2]
    return (len(pair) == 2 and all(t.is_alpha and t.text[:1].isupper() and t.text[1:].islower()
                                   and fold(t.text) not in BODY_WORDS for t in pair)
            and not (i + 2 < len(doc) and doc[i + 2].text[:1].isupper()))


def _significant_words(words: list[str]) -> list[str]:
    """The words of a name that say how it is written: not its articles."""
    return [w for w in words if w[:1].isalpha() and fold(w) not in ARTICLES]


def document_countries(doc: Doc) -> set[str]:
    """The countries a text names anywhere, or whose politicians it names (read once)."""
    found = doc.user_data.get("tracker_doc_countries")
    if found is None:
        norms = doc.user_data.get("tracker_norms") or [fold(core(t.text)) for t in doc]
        found = {c for i, w in enumerate(norms) if (c := country_of(doc, i, w))}
        found |= {c for _, _, c in doc.user_data.get("tracker_people", ())}
        doc.user_data["tracker_doc_countries"] = found
    return found


def party_cues(doc: Doc, start: int, end: int) -> set[str]:
    """The countries a party's name is said to be of: a country named near, else the
    country of the politician the name belongs to: "le Parti démocrate d'Enrico Letta",
    "Olaf Scholz's Social Democrats", "the Conservatives led by Pierre Poilievre" (not the
    British ones)."""
    return country_cues(doc, start, end) or {
        country for s, e, country in doc.user_data.get("tracker_people", ())
        if s == end or (s == end + 1 and fold(doc[end].text) in ("de", "d'", "du", "of", "'s"))
        or (s == end + 2 and fold(doc[end:end + 2].text) in ("led by", "menes par"))
        or e == start or (e == start - 1 and doc[e].text in ("'s", "’s"))
        or _of_the_party(doc, e, start)}


def _camel_forms(entity) -> list[str]:
    """The entity's one-word names with capitals inside: "MoDem"."""
    return [a for a in entity.exact_case
            if " " not in a and a[1:] != a[1:].lower() and a[1:] != a[1:].upper()]


def _written_as_a_name(entity, written: str) -> bool:
    """A party's name of several words written as a name, not as the phrase it also is:
    "le front national de la grève", "les forces de gauche", "une nouvelle donne" and
    "pour la Réunion" are words. Some word besides its articles takes a capital (or a
    headline's capitals), unless the phrase says "parti" or "party"; a name from the open
    data takes one on its first word ("Pour la Réunion", "The Democratic Unionist party").
    A name its party writes in lower case ("déi gréng") is taken as written."""
    words = written.split()
    if len(words) < 2 or written.isupper():
        return True
    shown = _significant_words(words)
    named = next((_significant_words(a.split()) for a in entity.aliases
                  if fold(a) == fold(written)), shown)
    if not any(w[:1].isupper() for w in named):
        return True
    if entity.builtin:
        return bool(shown) and shown[0][:1].isupper()
    return any(w[:1].isupper() for w in shown) or any(fold(w) in PARTY_WORDS for w in words)


def _cued_before(doc: Doc, start: int, end: int) -> set[str]:
    """Countries the sentence names before a party's name ("In New Zealand, ... the
    National Party"), or right after it ("the Liberals of Canada"); not a country the verb
    is about ("the Conservatives mocked Canada's prime minister")."""
    return {country for i, country in country_words(doc, start, end)
            if i < start or (i == end + 1 and doc[end].lower_ in ("of", "in", "from"))}


def _the_plural(doc: Doc, start: int, written: str) -> bool:
    """"the Liberals", "the Greens": a party's members by name, not a common word."""
    return (start > 0 and doc[start - 1].lower_ == "the" and written.endswith("s")
            and written[:1].isupper())


def qualifying_countries(doc: Doc, start: int, end: int) -> set[str]:
    """The country of the word just before a name ("British Greens", "Britain's Green
    Party", "the UK's Reform", "Nigeria's PDP"), or in French just after it ("le Parti du
    progrès norvégien")."""
    at = start - 2 if start >= 2 and doc[start - 1].text in ("'s", "’s") else start - 1
    words = [doc[at].text] if at >= 0 else []
    if doc.lang_ == "fr" and end < len(doc):
        words.append(doc[end].text)
    return {ANY_COUNTRY_WORDS[w] for w in map(fold, map(core, words)) if w in ANY_COUNTRY_WORDS}
