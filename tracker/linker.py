"""The ``tracker_linker`` spaCy component: KB names in a text -> linked mentions.

Every alias, surname and member word of the KB is matched on folded tokens (case,
accents, apostrophes, French elisions, invisible characters), then each match is linked
to one canonical entity, or to none when the text does not say who is meant. The rules,
in the order a reader applies them:

- a longer name beats a shorter one; a listed name beats a misspelt one beats a surname;
- a name shared by several people goes to the one active at the document's date, else to
  the most prominent, else nowhere (never counted twice);
- a bare surname needs the person introduced in the document (full name before or after,
  a title or a role), or a prominent person, and one candidate at the document's date;
- relatives, namesakes, places, buildings and companies are not the politician.
"""

from __future__ import annotations

import datetime as dt

from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START
from spacy.language import Language
from spacy.matcher.levenshtein import levenshtein
from spacy.tokens import Doc, Span

from tracker.affiliation import party_as_named
from tracker.context import (
    FIRST_NAME_HONORIFICS,
    JUNIOR_WORDS,
    PEER_TITLES,
    PERSON_LABELS,
    RULE_RANK,
    TITLES,
    ents,
    is_titled,
    postscript,
    quoted,
    sentence_of,
)
from tracker.discover import discover
from tracker.kb import KnowledgeBase, fold, is_acronym, slug
from tracker.names import NameIndex, compile_names, core, token_fold, visible, word_parts
from tracker.partyrules import PartyRules
from tracker.sentences import doc_text
from tracker.surnames import SurnameRules


@Language.factory("tracker_linker")
def make_linker(nlp: Language, name: str) -> Linker:
    return Linker(nlp, name)


class Linker(PartyRules, SurnameRules):
    """Pipeline component: KB names -> ``doc.spans['tracker']`` (label = type, kb_id = entity)."""

    def __init__(self, nlp: Language, name: str = "tracker_linker"):
        self.nlp = nlp
        self.name = name
        self.kb: KnowledgeBase | None = None
        self.names = NameIndex()
        # norm of one word of a full name -> (entity, the name's norms, that word's index)
        self.fuzzy_index: dict[str, list[tuple[str, tuple[str, ...], int]]] = {}
        self.first_names: frozenset[str] = frozenset()
        self.by_first_name: dict[str, list[str]] = {}
        # token text -> (folded word, its parts, visible text, token edges), per process
        self._words_of: dict[str, tuple] = {}
        self._alone: dict[str, bool] = {}  # entity -> may a bare surname mean it
        self.stop_words = frozenset(nlp.Defaults.stop_words)
        if not Span.has_extension("tracker_rule"):
            Span.set_extension("tracker_rule", default=None)
        for extension in ("tracker_party", "tracker_name"):  # a discovered person's
            if not Span.has_extension(extension):
                Span.set_extension(extension, default=None)

    def set_kb(self, kb: KnowledgeBase) -> None:
        """The KB's names, fuzzy index and first names, compiled once and cached."""
        self.kb = kb
        self._alone = {}
        self.names = compile_names(self.nlp, kb)
        self.fuzzy_index = self.names.fuzzy
        self.by_first_name = self.names.by_first_name
        self.first_names = frozenset(self.names.first_names)
        strings = self.nlp.vocab.strings
        for permanent in ("party", "politician", *kb.entities):  # outlive memory zones
            strings.add(permanent)

    def _fuzzy_matches(self, words: list[str], texts: list[str]
                       ) -> list[tuple[int, int, str]]:
        found = set()
        index = self.fuzzy_index
        for i, word in enumerate(words):
            if not texts[i][:1].isupper():
                continue  # names are capitalised: no need to look at "pierre" the stone
            for entity_id, norms, anchor in index.get(word, ()):
                start = i - anchor
                end = start + len(norms)
                if start < 0 or end > len(words):
                    continue
                wrong = [k for k in range(len(norms)) if words[start + k] != norms[k]]
                if wrong == [0] and _other_gender(words[start], norms[0]):
                    continue  # "Louise Michel" is someone else than Louis Michel
                if (len(wrong) == 1 and len(norms[wrong[0]]) >= 5
                        and levenshtein(words[start + wrong[0]], norms[wrong[0]]) == 1) or (
                        wrong == [0] and len(norms[0]) >= 4
                        and _swapped(words[start], norms[0])):
                    found.add((start, end, entity_id))
        return sorted(found)

    @staticmethod
    def _sentences(doc: Doc) -> None:
        """Sentence starts, read once (a mention's sentence is then a bisection away):
        the punctuation rule's, which NER saw, and a line break's, which ends a sentence
        too (headlines and list items have no full stop)."""
        starts = doc.user_data.get("tracker_sents")
        if starts is None:  # a pipeline without tracker_sentences
            starts = [i for i, flag in enumerate(doc.to_array([SENT_START]).tolist())
                      if flag == 1 or i == 0]
        breaks = doc.user_data.get("tracker_breaks", ())
        for i in breaks:
            doc[i].is_sent_start = True
        doc.user_data["tracker_sents"] = sorted(set(starts).union(breaks))

    def __call__(self, doc: Doc) -> Doc:
        # Matching runs over the text's words without the space tokens spaCy makes of
        # NBSP and line breaks; ``where`` maps a word back to its token.
        where: list[int] = []
        words: list[str] = []
        texts: list[str] = []
        edges: list[tuple[bool, bool]] = []  # a word starts, ends its token
        norms: list[str] = []
        # The model's entities, read once (spaCy builds them anew at each access).
        doc.user_data["tracker_ents"] = [(e.start, e.end, e.label_) for e in doc.ents]
        doc.user_data["tracker_norms"] = norms
        cache = self._words_of
        text_of = doc_text(doc)
        # Offsets and lengths are small integers: cheap to read, unlike 64-bit hashes.
        for i, (idx, size, space) in enumerate(
                doc.to_array([IDX, LENGTH, IS_SPACE]).tolist()):
            if space:
                norms.append("")
                continue
            text = text_of[idx:idx + size]
            entry = cache.get(text)
            if entry is None:
                if len(cache) > 200_000:
                    cache.clear()
                word = token_fold(text)
                parts = word_parts(word)
                entry = cache[text] = (word, parts, visible(text),
                                       [(k == 0, k == len(parts) - 1)
                                        for k in range(len(parts))])
            word, parts, shown, bounds = entry
            norms.append(word)
            if len(parts) == 1:
                where.append(i)
                words.append(word)
                texts.append(shown)
                edges.append(bounds[0])
                continue
            for part, bound in zip(parts, bounds, strict=True):
                where.append(i)
                words.append(part)
                texts.append(shown)
                edges.append(bound)
        where.append(len(doc))
        self._sentences(doc)
        found = []
        for start, end, kind, claims in self.names.find(words):
            if not (edges[start][0] and edges[end - 1][1]):
                continue  # "Sarkozy" inside "Bruni-Sarkozy": names are whole tokens
            if kind == "surname" and not core(texts[start])[:1].isupper():
                continue  # a surname is capitalised: "royal" is a word (checked cheaply)
            span = doc[where[start]:where[end - 1] + 1]
            ids = self._accept(kind, claims, span)
            if ids:
                first = span.start
                if kind == "alias" and end - start > 1 and words[start] in PEER_TITLES:
                    first = where[start + 1]  # "Lord Alli": the name is "Alli"
                found.append((first, span.end, kind, ids))
        found.extend((where[s], where[e - 1] + 1, "fuzzy", (entity_id,))
                     for s, e, entity_id in self._fuzzy_matches(words, texts)
                     if edges[s][0] and edges[e - 1][1])
        found.extend(self._honorific_matches(doc))
        doc.spans["tracker"] = self._link(doc, found)
        return doc

    def _accept(self, kind: str, claims: list[tuple[str, str]], span: Span) -> tuple[str, ...]:
        """The entities whose written form this span honours: acronyms in capitals, surnames
        and English member words capitalised, exact-case names as written."""
        written = " ".join(visible(core(span.text)).replace("’", "'").split())
        ids = []
        kept = any(not self.kb.entities[e].builtin and not self.kb.entities[e].is_short(a)
                   for e, a in claims) or fold(written) in self.names.kept_words
        for entity_id, alias in claims:
            entity = self.kb.entities[entity_id]
            if kept and entity.builtin and entity.type == "party":
                continue  # the hand-kept file owns this word ("Labour" is the UK party)
            if is_acronym(alias):
                ok = written == alias
            elif kind == "surname":
                # "Le Maire" is a surname, "Le maire" the mayor: each word as capitalised.
                ok = written[:1].isupper() and all(
                    w[:1].isupper() == a[:1].isupper() or w.isupper()
                    for w, a in zip(written.split()[1:], alias.split()[1:], strict=False))
            elif kind == "member":
                ok = not alias[:1].isupper() or written[:1].isupper()
            else:
                ok = self._exact_case_ok(span, entity_id, written)
            if ok and entity_id not in ids:
                ids.append(entity_id)
        return tuple(ids)

    def _honorific_matches(self, doc: Doc) -> list[tuple[int, int, str, tuple[str, ...]]]:
        """"Sir Keir", "Dame Priti": the honorific and a first name -> the person of that
        first name named in the document, else the one prominent person who has it."""
        found = []
        norms = doc.user_data["tracker_norms"]
        for i in [i for i, norm in enumerate(norms[:-1]) if norm in FIRST_NAME_HONORIFICS]:
            token = doc[i]
            if not token.text[:1].isupper():
                continue
            nxt = doc[token.i + 1]
            if not nxt.is_alpha or not nxt.text[:1].isupper():
                continue
            if token.i + 2 < len(doc) and doc[token.i + 2].is_alpha and \
                    doc[token.i + 2].text[:1].isupper():
                continue  # "Sir Keir Starmer": the full name is matched as a name
            ids = tuple(i for i in self.by_first_name.get(fold(nxt.text), ())
                        if self.kb.entities[i].country in ("GB", None))
            if ids:
                found.append((nxt.i, nxt.i + 1, "honorific", ids))
        return found

    def _link(self, doc: Doc, found: list) -> list[Span]:
        assert self.kb is not None, "set_kb() was not called"
        rank = {**RULE_RANK, "honorific": 3}
        # Longest match first, then the most trusted rule; then keep non-overlapping ones.
        found.sort(key=lambda m: (-(m[1] - m[0]), rank[m[2]], m[0]))
        taken: set[int] = set()
        chosen = []
        # A party's member word under another party's short form of the same span ("the
        # Greens" of the British party, "Greens" Australia's short form): the member word
        # still counts where the short form is not backed.
        members_at = {(start, end): ids for start, end, kind, ids in found if kind == "member"}
        for start, end, kind, ids in found:
            if taken.intersection(range(start, end)):
                continue
            taken.update(range(start, end))
            chosen.append((start, end, kind, ids))
        chosen.sort()
        day = doc.user_data.get("tracker_day")
        # Full names in the text, by surname: a KB person, or None for someone else
        # ("Edgar Faure", "Michelle Obama", a namesake the text does not tell apart).
        full_names = self._full_names(doc, chosen, day)
        # A surname with a title before it ("Vice President Harris", "le ministre Darmanin")
        # names its person as a full name does: the bare "Harris" after it is hers.
        titled = []
        for start, end, kind, ids in chosen:
            if kind == "surname" and is_titled(doc, start):
                found, _ = self._resolve_surname(doc, start, end, ids, kind, full_names, day)
                if found:
                    titled.append((start, fold(doc[start:end].text), found))
        if titled:
            full_names = sorted(full_names + titled, key=lambda name: name[0])
        doc.user_data["tracker_people"] = [
            (start, end, self.kb.entities[ids[0]].country) for start, end, kind, ids in chosen
            if kind in ("alias", "fuzzy") and len(ids) == 1
            and self.kb.entities[ids[0]].type == "politician"
            and self.kb.entities[ids[0]].country]
        # Names of one country each (people and parties): a country word next to one of
        # them says where it is, not where another party of the sentence is.
        doc.user_data["tracker_named"] = [
            (start, end, lands.pop()) for start, end, _, ids in chosen
            if len(lands := {self.kb.entities[i].country for i in ids}) == 1
            and None not in lands]
        named = {surname for _, surname, entity_id in full_names if entity_id}
        # The countries of the people named in full in each sentence.
        countries: dict[int, set[str]] = {}
        for start, _, entity_id in full_names:
            country = self.kb.entities[entity_id].country if entity_id else None
            if country:
                countries.setdefault(sentence_of(doc, start).start, set()).add(country)
        spans: list[Span] = []
        for start, end, kind, ids in chosen:
            rule = kind
            if kind in ("surname", "honorific"):
                if kind == "surname":
                    if self._hopeless(doc, start, end, ids, named):
                        continue
                    other = self._someone_else(doc, start, end)
                    if other:
                        continue
                entity_id, rule = self._resolve_surname(doc, start, end, ids, kind,
                                                        full_names, day)
                if entity_id is None:
                    continue
                if kind == "honorific":
                    rule = "honorific"
            elif kind == "member":
                entity_id = self._member_party(doc, start, end, ids, day, countries)
                if entity_id is None:
                    continue
            else:
                written = doc[start:end].text
                short = [i for i in ids if self.kb.entities[i].is_short(written)]
                if short:
                    ids = self._short_forms(doc, (start, end), ids, short, written,
                                            (chosen, full_names, day),
                                            members_at.get((start, end), ()))
                    if not ids and (start, end) in members_at:
                        entity_id = self._member_party(doc, start, end,
                                                       members_at[start, end], day, countries)
                        if entity_id is not None:
                            span = Span(doc, start, end, label="party", kb_id=entity_id)
                            span._.tracker_rule = "member"
                            spans.append(span)
                        continue
                ids = self._by_country(doc, start, end, ids)
                entity_id = self._pick(ids, day) if ids else None
                if entity_id is None or self._thing(doc, start, end) or (
                        end < len(doc) and fold(doc[end].text) in JUNIOR_WORDS):
                    continue  # "Donald Trump Jr." is his son
                after = doc[end].text if end < len(doc) else ""
                if after.isdigit() and (doc[start:end].text.isupper() or (
                        len(after) == 4 and end - start == 1
                        and self.kb.entities[entity_id].type == "party")):
                    # "la RN 164" is a road, "PS 4" a console, "Horizons 2030" a plan; "du
                    # RN une force", "le RN 1er parti", "Labour 412 seats" are the parties.
                    continue
                if end - start == 1 and quoted(doc, start, end):
                    continue  # « Renaissance », the album: a title, not the party
                entity = self.kb.entities[entity_id]
                if (end - start == 1 and entity.type == "politician"
                        and not doc[start].is_upper and self._relative(doc, start, entity)):
                    continue  # one word, as a surname: "Sara Nétanyahou", "Hannibal Gaddafi"
                if entity.abroad and any(fold(t.text) in entity.abroad[1]
                                         for t in sentence_of(doc, start)):
                    entity_id = entity.abroad[0]  # "les Républicains" of Trump's America
                    rule = "alias-abroad"
                if postscript(doc, start, end):
                    continue
            entity = self.kb.entities[entity_id]
            span = Span(doc, start, end, label=entity.type, kb_id=entity_id)
            span._.tracker_rule = rule
            spans.append(span)
        return self._with_discovered(doc, spans, day)

    def _relative(self, doc: Doc, start: int, entity) -> bool:
        """Another first name before a person's one-word name ("Sara Nétanyahou", "Hannibal
        Gaddafi"): a relative or a namesake, as before a bare surname; not the person's own
        first name, however spelt ("Binyamin")."""
        if start == 0:
            return False
        before = doc[start - 1]
        word = fold(before.text)
        return (before.is_alpha and before.text[:1].isupper() and word in self.first_names
                and word not in TITLES and word not in self.stop_words and not any(
                    levenshtein(word, fold(name.split()[0])) <= 2
                    for name in (entity.name, *entity.aliases) if " " in name))

    def _with_discovered(self, doc: Doc, spans: list[Span], day: dt.date | None
                         ) -> list[Span]:
        """Add the people the KB lacks whom the text introduces with an office."""
        assert self.kb is not None
        taken = {i for span in spans for i in range(span.start, span.end)}
        party_at = {i: span.kb_id_ for span in spans if span.label_ == "party"
                    for i in range(span.start, span.end)}
        members = {i for span in spans if span.label_ == "party"
                   and span._.tracker_rule == "member" for i in range(span.start, span.end)}
        for found in discover(doc, taken, self.first_names, party_at.get, members):
            if slug(found.name) in self.kb.entities or \
                    slug(found.name, plain_letters=False) in self.kb.entities:
                continue  # KB namesakes the linker could not tell apart: counted nowhere
            span = Span(doc, found.start, found.end, label="politician",
                        kb_id=slug(found.name))
            span._.tracker_rule = found.rule
            span._.tracker_name = found.name
            span._.tracker_party = (party_as_named(self.kb, found.party, day)
                                    if found.party in self.kb.entities else None)
            spans.append(span)
        return sorted(spans, key=lambda span: span.start)

    def _full_names(self, doc: Doc, chosen: list, day: dt.date | None
                    ) -> list[tuple[int, str, str | None]]:
        """(token, folded surname, entity or None) of each full name in the document."""
        assert self.kb is not None
        out = []
        for start, end, kind, ids in chosen:
            if kind in ("alias", "fuzzy") and end - start >= 1:
                entity_id = self._pick(ids, day)
                people = [self.kb.entities[i] for i in ids]
                if all(p.type == "politician" for p in people):
                    surname = people[0].surname
                    if surname and fold(surname) != fold(doc[start:end].text):
                        out.append((start, fold(surname), entity_id))
        # Other people the text names in full with a KB surname: "Michelle Obama".
        named = {surname for _, surname, _ in out}
        for start, end, kind, ids in chosen:
            if kind == "surname" and not self._hopeless(doc, start, end, ids, named):
                other = self._someone_else(doc, start, end)
                if other == "person":
                    out.append((start, fold(doc[start:end].text), None))
        out.sort()
        return out

    def _hopeless(self, doc: Doc, start: int, end: int, ids: tuple[str, ...],
                  named: set[str]) -> bool:
        """A capitalised word that is only the surname of open-data people never prominent,
        with no full name, title or PER label to make it theirs: skipped before any rule
        (with 20,000 people, most capitalised words of a text are someone's surname)."""
        if any(self._may_stand_alone(i) for i in ids):
            return False
        if fold(doc[start:end].text) in named or is_titled(doc, start):
            return False
        return not any(s <= start and end <= e for s, e, label in ents(doc)
                       if label in PERSON_LABELS)

    def _may_stand_alone(self, entity_id: str) -> bool:
        """Hand-kept, or has held a prominent office: a bare surname may mean them."""
        known = self._alone.get(entity_id)
        if known is None:
            entity = self.kb.entities[entity_id]
            known = self._alone[entity_id] = not entity.builtin or entity.prominence() == 1
        return known

    def _pick(self, ids: tuple[str, ...], day: dt.date | None) -> str | None:
        """One entity for a name several share: the hand-kept one, else the one active at
        the date, else the most prominent of the active ones; None when still a tie."""
        if len(ids) == 1:
            return ids[0]
        entities = [self.kb.entities[i] for i in ids]
        kept = [e for e in entities if not e.builtin]
        if len(kept) == 1:
            return kept[0].id
        active = [e for e in entities if e.active(day)] or entities
        if len(active) == 1:
            return active[0].id
        best = min(e.prominence(day) for e in active)
        top = [e for e in active if e.prominence(day) == best]
        return top[0].id if len(top) == 1 else None


def _swapped(written: str, name: str) -> bool:
    """Two neighbouring letters of a first name swapped, the rest of the name as it is:
    "Kier Starmer"."""
    return len(written) == len(name) and any(
        written[:k] + written[k + 1] + written[k] + written[k + 2:] == name
        for k in range(len(written) - 1) if written[k] != written[k + 1])


def _other_gender(written: str, name: str) -> bool:
    """A first name's other form by its last letter ("Louise" for "Louis", "Paula" for
    "Paul"): another person, where "Hilary" for "Hillary" is a misspelling."""
    longer, shorter = (written, name) if len(written) > len(name) else (name, written)
    return longer[:-1] == shorter and longer[-1] in "ea"
