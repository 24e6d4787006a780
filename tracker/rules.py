"""Rules made from reviews: what the tagger must never say again.

Two kinds, each for every source or one:
- ``not-entity``: this written name is never this entity ("Royal" in the food pages is
  never Ségolène Royal);
- ``not-mention``: inside this phrase, a name is no mention ("place Charles-de-Gaulle",
  "lycée Jean-Jaurès").

Rules live in the database (``rules``), made in `tracker serve`; the store applies them to
every document's mentions as it writes them, so `tracker run` follows them from its next
document on, and `tracker retag` applies them to what is already stored; `tracker tag`
applies them to the text it prints.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlite_utils import Database

from tracker.errors import ConfigError, NotFound
from tracker.kb import fold, fold_text
from tracker.models import Mention
from tracker.query import CONTROL, fts_query

KINDS = ("not-entity", "not-mention")
_WORD = re.compile(r"\w+")
MAX_PHRASE = 200


@dataclass(frozen=True)
class Rule:
    id: int | None
    kind: str
    text: str  # the name as written (not-entity) or the phrase (not-mention)
    entity_id: str | None  # not-entity: the entity the name is never
    source: str | None  # None: every source
    reason: str | None = None
    made_from: str | None = None  # the mention whose review made it
    reviewer: str | None = None
    created_at: str | None = None

    def describe(self) -> str:
        where = f"in {self.source}" if self.source else "in every source"
        if self.kind == "not-entity":
            return f'"{self.text}" is never {self.entity_id} ({where})'
        return f'no mention inside "{self.text}" ({where})'

    def as_dict(self) -> dict:
        return {**asdict(self), "description": self.describe()}


def check(db: Database, rule: Rule) -> Rule:
    """The rule as it will be stored, or a usage error saying what is wrong with it."""
    if rule.kind not in KINDS:
        raise ConfigError(f"kind must be one of {', '.join(KINDS)}, not {rule.kind!r}")
    # Control characters (a NUL ends an SQLite string) are no part of any page's text.
    text = " ".join(CONTROL.sub(" ", rule.text or "").split())
    if not fold(text) or len(text) > MAX_PHRASE:
        raise ConfigError(f"the name or phrase must have 1 to {MAX_PHRASE} characters")
    if rule.kind == "not-entity":
        if not rule.entity_id or not db.execute(
                "SELECT 1 FROM entities WHERE id = ?", [rule.entity_id]).fetchone():
            raise ConfigError(f"entity {rule.entity_id!r}: no such entity")
    elif rule.entity_id:
        raise ConfigError("a not-mention rule names no entity")
    if rule.source and not db.execute(
            "SELECT EXISTS (SELECT 1 FROM sources WHERE name = ?) OR EXISTS "
            "(SELECT 1 FROM documents WHERE source = ?)", [rule.source, rule.source]
    ).fetchone()[0]:
        raise ConfigError(f"source {rule.source!r}: no such source in this database")
    return Rule(None, rule.kind, text, rule.entity_id or None, rule.source or None,
                rule.reason, rule.made_from, rule.reviewer)


def from_mention(db: Database, mention_id: str, kind: str, *, source_only: bool,
                 phrase: str | None = None) -> Rule:
    """The rule a wrong mention suggests: its name is never its entity, or (with
    ``phrase``, which must hold the name) nothing inside that phrase is a mention."""
    row = db.execute("SELECT m.surface, m.entity_id, m.sentence, d.source FROM mentions m "
                     "JOIN documents d ON d.id = m.document_id WHERE m.id = ?",
                     [mention_id]).fetchone()
    if row is None:
        raise NotFound(f"no mention {mention_id!r} in this database")
    surface, entity_id, sentence, source = row
    if kind == "not-mention":
        phrase = " ".join((phrase or "").split())
        if not phrase or words(surface) not in words(phrase) or \
                words(phrase) not in words(sentence or ""):
            raise ConfigError("the phrase must be words of the mention's sentence that "
                              f"hold the name {surface!r}")
        return Rule(None, kind, phrase, None, source if source_only else None,
                    made_from=mention_id)
    return Rule(None, kind, surface, entity_id, source if source_only else None,
                made_from=mention_id)


def same_rule(db: Database, rule: Rule) -> Rule | None:
    """The stored rule that says what ``rule`` says, as ``Ruleset`` reads them (same kind,
    entity and source; a name folded, a phrase's words), if any: "Le-Pen" stops what
    "Le Pen" does not, so neither stands for the other."""
    def said(r: Rule) -> str:
        return fold(r.text) if r.kind == "not-entity" else words(r.text)

    return next((r for r in load(db) if (r.kind, r.entity_id, r.source) == (
        rule.kind, rule.entity_id, rule.source) and said(r) == said(rule)), None)


def save(db: Database, rule: Rule, now: dt.datetime | None = None) -> Rule:
    """Store the rule; one that says what a stored one says is that one, not a second
    copy (a double click on "Save this rule" listed the same rule twice)."""
    rule = check(db, rule)
    if (stored := same_rule(db, rule)) is not None:
        return stored
    stamp = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    with db.conn:
        cursor = db.execute(
            "INSERT INTO rules (kind, text, entity_id, source, reason, made_from, reviewer, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [rule.kind, rule.text, rule.entity_id, rule.source, rule.reason, rule.made_from,
             rule.reviewer, stamp])
    return Rule(cursor.lastrowid, rule.kind, rule.text, rule.entity_id, rule.source,
                rule.reason, rule.made_from, rule.reviewer, stamp)


def delete(db: Database, rule_id: int) -> None:
    with db.conn:
        if not db.execute("DELETE FROM rules WHERE id = ?", [rule_id]).rowcount:
            raise NotFound(f"no rule {rule_id} in this database")


def load(db: Database) -> list[Rule]:
    return [Rule(*row) for row in db.execute(
        "SELECT id, kind, text, entity_id, source, reason, made_from, reviewer, created_at "
        "FROM rules ORDER BY id")]


def matches(db: Database, rule: Rule, limit: int = 20) -> tuple[int, list[dict]]:
    """How many stored mentions the rule would have stopped, and a few of them: what a
    reviewer sees before saving it."""
    sql = ("SELECT mention_id AS id, source, surface, sentence, entity_id, entity, "
           "published_at, url FROM mention_rows WHERE ")
    if rule.kind == "not-entity":
        return _name_matches(db, rule, sql, limit)
    ruleset = Ruleset([rule])
    found: list[dict] = []
    total = 0
    cursor = db.query(sql + "document_id IN (SELECT id FROM documents WHERE rowid IN "
                      "(SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?))",
                      [fts_query(f'"{rule.text}"')])
    for row in cursor:
        if ruleset.stops(row["source"], row["surface"], row["entity_id"], row["sentence"]):
            total += 1
            if len(found) < limit:
                found.append(row)
    return total, found


def _name_matches(db: Database, rule: Rule, sql: str, limit: int) -> tuple[int, list[dict]]:
    """``matches`` for a name rule: the entity's mentions counted per surface in SQL,
    the surfaces that fold to the rule's name summed, the newest few of them shown.
    Testing each of a politician's 66,000 stored mentions in Python took over a second
    of the preview (1.1 to 1.4 s over a million mentions)."""
    where, params = "m.entity_id = ?", [rule.entity_id]
    if rule.source:
        where += " AND d.source = ?"
        params.append(rule.source)
    name, total, surfaces = fold(rule.text), 0, []
    for surface, n in db.execute(
            "SELECT m.surface, count(*) FROM "
            # One source: its documents first (CROSS JOIN fixes the order), then their
            # mentions, not every mention of the entity and its document.
            + ("documents d CROSS JOIN mentions m ON m.document_id = d.id " if rule.source
               else "mentions m ")
            + f"WHERE {where} GROUP BY m.surface", params).fetchall():
        if fold(surface) == name:
            total += n
            surfaces.append(surface)
    if not surfaces or limit <= 0:
        return total, []
    where = "entity_id = ?" + (" AND source = ?" if rule.source else "")
    found = list(db.query(
        sql + where + f" AND surface IN ({', '.join('?' * len(surfaces))}) "
        "ORDER BY published_at DESC, mention_id LIMIT ?", [*params, *surfaces, limit]))
    return total, found


def words(text: str) -> str:
    """The text's folded words, space-separated and padded: " lycee jean jaures ", so
    that one phrase is found in another whatever the punctuation and case."""
    return " " + " ".join(_WORD.findall(fold_text(text))) + " "


class Ruleset:
    """Rules ready to apply: a set lookup per mention for names, a substring test of its
    sentence for phrases."""

    def __init__(self, rules: Sequence[Rule]):
        self.rules = list(rules)
        self.names = {(fold(r.text), r.entity_id, r.source) for r in rules
                      if r.kind == "not-entity"}
        self.phrases = [(words(r.text), r.source) for r in rules if r.kind == "not-mention"]

    def __bool__(self) -> bool:
        return bool(self.rules)

    def stops(self, source: str, surface: str, entity_id: str, sentence: str | None) -> bool:
        name = fold(surface)
        if (name, entity_id, None) in self.names or (name, entity_id, source) in self.names:
            return True
        if self.phrases:
            said, named = words(sentence or ""), words(surface)
            for phrase, where in self.phrases:
                if (where is None or where == source) and named in phrase and phrase in said:
                    return True
        return False

    def keep(self, source: str, mentions: Sequence[Mention]) -> list[Mention]:
        return [m for m in mentions
                if not self.stops(source, m.surface, m.entity_id, m.sentence)]
