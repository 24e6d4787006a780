"""People's verdicts on mentions: the review loop that corrects the counts.

A reviewer says a mention is ``wrong`` (the name is not that entity here) or ``right``.
A wrong mention leaves every figure (mentions, exports, stats, reports), which can still
show the raw ones (``raw``). A verdict names the span and the entity it was linked to, so
it applies again after `tracker retag` re-creates the mentions, and no longer applies if
the tagger now links that span to another entity (the verdict was about the old one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlite_utils import Database

from tracker.errors import ConfigError, NotFound

VERDICTS = ("right", "wrong")
MAX_TEXT = 1000  # a reason or a reviewer's name longer than this is cut


@dataclass(frozen=True)
class Review:
    mention_id: str
    entity_id: str
    document_id: str
    surface: str
    verdict: str
    reason: str | None
    correct_entity: str | None
    reviewer: str | None
    reviewed_at: str

    def as_dict(self) -> dict:
        return asdict(self)


def record(db: Database, mention_id: str, verdict: str, *, reason: str | None = None,
           correct_entity: str | None = None, reviewer: str | None = None,
           now: dt.datetime | None = None) -> Review:
    """Store one verdict on a stored mention (a later one replaces it)."""
    if verdict not in VERDICTS:
        raise ConfigError(f"verdict must be 'right' or 'wrong', not {verdict!r}")
    row = db.execute("SELECT id, entity_id, document_id, surface FROM mentions WHERE id = ?",
                     [mention_id]).fetchone()
    if row is None:
        raise NotFound(f"no mention {mention_id!r} in this database")
    if correct_entity is not None:
        if verdict != "wrong":
            raise ConfigError("correct_entity goes with a 'wrong' verdict")
        if not db.execute("SELECT 1 FROM entities WHERE id = ?", [correct_entity]).fetchone():
            raise ConfigError(f"correct_entity {correct_entity!r}: no such entity")
    stamp = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    review = Review(row[0], row[1], row[2], row[3], verdict, _text(reason), correct_entity,
                    _text(reviewer), stamp)
    with db.conn:
        db.execute(
            "INSERT OR REPLACE INTO reviews (mention_id, entity_id, document_id, surface, "
            "verdict, reason, correct_entity, reviewer, reviewed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", list(asdict(review).values()))
    return review


def reviews_of(db: Database, mention_ids: list[str]) -> dict[str, Review]:
    """The verdicts on these mentions that still apply (same span, same entity)."""
    out: dict[str, Review] = {}
    for i in range(0, len(mention_ids), 500):
        chunk = mention_ids[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        for row in db.execute(
                "SELECT r.mention_id, r.entity_id, r.document_id, r.surface, r.verdict, "
                "r.reason, r.correct_entity, r.reviewer, r.reviewed_at FROM reviews r "
                "JOIN mentions m ON m.id = r.mention_id AND m.entity_id = r.entity_id "
                f"WHERE r.mention_id IN ({marks})", chunk):
            out[row[0]] = Review(*row)
    return out


def _text(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value[:MAX_TEXT] or None
