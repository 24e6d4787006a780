"""Score the tagger against an annotated set: precision, recall and F1 per entity type.

A gold file is JSON lines: {"id", "lang", "date", "text", "mentions": [{"entity",
"surface", "start", "end", "form"}], "case"}. A found mention counts as right only with
the same entity and the same offsets; a found mention over a gold one with another entity
is a confusion (the wrong person or party), reported apart from misses and false alarms.

A gold politician mention may also say the person's ``party`` on the passage's date (a
KB party id, or null for none): each such mention the tagger finds is then scored for
the party it counts the mention for, right, missing (none given) or wrong. Share of voice
per party rests on that attribution as much as on finding the name.

Each miss is put in a class, so that work goes where the misses are: "not in KB" (the
entity is unknown), "form" (a known entity written in a form the press uses: a member
word, a compound, capitals, invisible characters, glued text, a misspelling, an
honorific, a possessive) or "ambiguity" (a known name the tagger could not attribute).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tracker.errors import ConfigError
from tracker.kb import KnowledgeBase, slug
from tracker.models import Mention

Tag = Callable[[str, str, dt.date], list[Mention]]


@dataclass(frozen=True)
class Passage:
    id: str
    lang: str
    date: dt.date
    text: str
    gold: frozenset[tuple[str, int, int]]  # (entity id, start, end)
    case: str = ""
    forms: dict = field(default_factory=dict)  # (entity id, start, end) -> form, when given
    parties: dict = field(default_factory=dict)  # (entity id, start, end) -> party id or None


@dataclass
class Score:
    true_pos: Counter = field(default_factory=Counter)  # per entity type
    false_pos: Counter = field(default_factory=Counter)
    false_neg: Counter = field(default_factory=Counter)
    errors: list[dict] = field(default_factory=list)  # one per wrong, missed or extra mention
    parties: Counter = field(default_factory=Counter)  # "right", "missing", "wrong"

    def party_accuracy(self) -> float | None:
        """The share of found mentions with a gold party that count for that party."""
        scored = sum(self.parties.values())
        return self.parties["right"] / scored if scored else None

    def precision(self, type_: str | None = None) -> float:
        tp, fp = self._sum(self.true_pos, type_), self._sum(self.false_pos, type_)
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, type_: str | None = None) -> float:
        tp, fn = self._sum(self.true_pos, type_), self._sum(self.false_neg, type_)
        return tp / (tp + fn) if tp + fn else 1.0

    def f1(self, type_: str | None = None) -> float:
        p, r = self.precision(type_), self.recall(type_)
        return 2 * p * r / (p + r) if p + r else 0.0

    @staticmethod
    def _sum(counter: Counter, type_: str | None) -> int:
        return counter[type_] if type_ else sum(counter.values())


def load_gold(path: Path) -> list[Passage]:
    passages = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            text = raw["text"]
            gold = frozenset((m["entity"], int(m["start"]), int(m["end"]))
                             for m in raw.get("mentions", []))
            forms = {(m["entity"], int(m["start"]), int(m["end"])): m["form"]
                     for m in raw.get("mentions", []) if m.get("form")}
            parties = {(m["entity"], int(m["start"]), int(m["end"])): m["party"]
                       for m in raw.get("mentions", []) if "party" in m}
            if any(p is not None and not isinstance(p, str) for p in parties.values()):
                raise ValueError("a mention's party must be a party id or null")
            for entity, start, end in gold:
                if not 0 <= start < end <= len(text):
                    raise ValueError(f"offsets {start}:{end} of {entity} outside the text")
            passages.append(Passage(str(raw.get("id", number)), raw.get("lang", "fr"),
                                    dt.date.fromisoformat(raw["date"]), text, gold,
                                    raw.get("case", ""), forms, parties))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: line {number}: not a gold passage ({exc})") from None
    return passages


FORM_CLASSES = {"member", "compound", "caps", "invisible", "glued", "misspelling",
                "honorific", "possessive"}


def miss_class(entity: str, form: str | None, known: Callable[[str], bool]) -> str:
    """Why a gold mention was missed, as far as the data says: see the module's text."""
    if not known(entity):
        return "not in KB"
    return "form" if form in FORM_CLASSES else "ambiguity"


# A gold slug made of these words only ("labour-party", "the-greens") names a party of
# some country, not the one the KB holds under that name: no found entity is read as it.
GENERIC_WORDS = frozenset({
    "the", "party", "parti", "partido", "labour", "labor", "liberal", "liberals",
    "conservative", "conservatives", "green", "greens", "socialist", "socialists",
    "social", "democrat", "democrats", "democratic", "national", "nationals", "centre",
    "center", "people", "s", "workers", "progressive", "unity", "communist", "republican",
    "republicans", "reform", "alliance", "union", "left", "moderate", "moderates",
    "christian", "de", "du", "la", "le", "les", "of", "and"})


def evaluate(passages: Iterable[Passage], tag: Tag, type_of: Callable[[str], str],
             known: Callable[[str], bool] | None = None,
             names_of: Callable[[str], set[str]] | None = None) -> Score:
    """Run ``tag`` on every passage and compare with its gold mentions.

    ``names_of``: the slugs of an entity's names. A gold id the KB does not hold is the
    slug of the person's or party's usual name (tests/gold/README.md): a found entity
    bearing that name is the one meant, whatever id the KB gave it ("Diederik Samsom" of
    the gold is the open data's "diederik-m-samsom")."""
    known = known or (lambda entity: type_of(entity) != "unknown")
    names_of = names_of or (lambda entity: set())
    score = Score()
    for passage in passages:
        spans = {(start, end): entity for entity, start, end in passage.gold
                 if not known(entity)}
        found = {}
        for m in tag(passage.text, passage.lang, passage.date):
            meant = spans.get((m.start, m.end))
            entity_id = meant if meant and _bears(names_of(m.entity_id), meant) \
                else m.entity_id
            party = m.party_id
            gold_party = passage.parties.get((entity_id, m.start, m.end))
            if gold_party and party and not known(gold_party) and \
                    _bears(names_of(party), gold_party):
                party = gold_party
            found[(entity_id, m.start, m.end)] = replace(m, entity_id=entity_id,
                                                         party_id=party)
        for key in passage.gold & found.keys():
            score.true_pos[type_of(key[0])] += 1
            if key in passage.parties:
                _score_party(score, passage, found[key], passage.parties[key])
        for entity, start, end in found.keys() - passage.gold:
            score.false_pos[type_of(entity)] += 1
            overlap = [g for g in passage.gold if g[1] < end and start < g[2]]
            score.errors.append({"passage": passage.id, "case": passage.case,
                                 "kind": "confusion" if overlap else "false alarm",
                                 "found": entity, "gold": overlap[0][0] if overlap else None,
                                 "surface": passage.text[start:end]})
        for entity, start, end in passage.gold - found.keys():
            score.false_neg[type_of(entity)] += 1
            overlap = [f for f in found if f[1] < end and start < f[2]]
            if not overlap:
                form = passage.forms.get((entity, start, end))
                score.errors.append({"passage": passage.id, "case": passage.case,
                                     "kind": "miss", "found": None, "gold": entity,
                                     "surface": passage.text[start:end], "form": form,
                                     "class": miss_class(entity, form, known)})
    return score


def slugs_of(kb: KnowledgeBase) -> Callable[[str], set[str]]:
    """``names_of`` for ``evaluate``: the slugs of a KB entity's name and aliases."""
    def names_of(entity_id: str) -> set[str]:
        entity = kb.entities.get(entity_id)
        return {slug(n) for n in (entity.name, *entity.aliases)} if entity else set()
    return names_of


def _bears(names: set[str], gold: str) -> bool:
    """The gold slug is one of the entity's names, and no generic one."""
    return gold in names and not set(gold.split("-")) <= GENERIC_WORDS


def _score_party(score: Score, passage: Passage, mention: Mention, gold: str | None) -> None:
    if mention.party_id == gold:
        score.parties["right"] += 1
        return
    kind = "missing" if mention.party_id is None else "wrong"
    score.parties[kind] += 1
    score.errors.append({"passage": passage.id, "case": passage.case, "kind": f"party {kind}",
                         "found": mention.party_id, "gold": gold, "surface": mention.surface,
                         "entity": mention.entity_id})
