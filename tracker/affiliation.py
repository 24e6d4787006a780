"""Which party a mention counts for on the article's day.

A person's stints come from several open-data sources, each with its own gaps:

- an MEP's national party and group are those of the last mandate, undated (the European
  Parliament's list), so they would cover every day of history (Thierry Mariani counted
  for the Patriots for Europe group, founded in 2024, as a minister in 2011).

The rules, in order:

1. A dated stint (a start, an end or both) covering the day wins over an undated one;
   among dated ones, the latest started.
2. An undated stint is the party of a last mandate: it does not reach back over a dated
   stint of another party (Mariani's RN does not cover his UMP years, or before them).
   Among undated stints, a national party wins over a European Parliament group, which
   counts only while the person sat in that Parliament.
3. Between two dated stints of one party (or its renamings) at most ``BRIDGED_DAYS`` apart,
   the person is still of that party: the Assemblée's stints end with the seat, and the
   299 deputies re-elected after the 2024 dissolution had no party from 9 June to 18 July,
   the whole campaign; Abigail Spanberger had none in 2025, between the House and
   Virginia's governorship, when she ran for it. In the hand-kept and users' files, only
   the party's own change is bridged: a gap they write in one party is meant.
4. An American who leaves a seat for an office (a governor made a secretary) is still the
   party's while in that office, for an office begun at most ``BRIDGED_DAYS`` after the
   seat was left.
5. A party is named as it was that day: its successor once it ended, the party it came from
   before it began (Les Républicains in 2011 is the UMP), and none before any existed.

Not done in France: a deputy who leaves the seat for the government has no party while a
minister (the Assemblée's stints end with the seat). Keeping the party of the seat left was
tried and left out: of 90 French ministers it named, 10 had changed party on joining a
government of the other side (Édouard Philippe, Jean Castex, Sébastien Lecornu, Gérard
Collomb).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.kb import Affiliation, Entity, KnowledgeBase


def party_at(kb: KnowledgeBase, person: Entity, day: dt.date) -> str | None:
    """The party ``person`` counts for on ``day`` (see the module's rules)."""
    current = [a for a in person.affiliations if a.covers(day)]
    member_of = frozenset(a.party for a in person.affiliations)
    # Dated: a start or an end ("ps until 2017-05-08" is the hand-kept file's way).
    dated = sorted((a for a in current if a.start is not None or a.end is not None),
                   key=lambda a: a.start or dt.date.min, reverse=True)
    for stint in dated:
        named = party_as_named(kb, stint.party, day, member_of)
        if named:
            return named
    if not dated and (bridged := _bridged(kb, person, day)):
        named = party_as_named(kb, bridged, day, member_of)
        if named:
            return named
    undated = [a for a in current if a.start is None and a.end is None
               and not _contradicted(kb, person, a, day)
               and (not _is_group(kb, a.party) or _in_parliament(person, day))]
    undated.sort(key=lambda a: _is_group(kb, a.party))  # national parties first
    for stint in undated:
        named = party_as_named(kb, stint.party, day, member_of)
        if named:
            return named
    if not dated and (carried := _carried(person, day)):
        return party_as_named(kb, carried, day, member_of)
    return None


def party_as_named(kb: KnowledgeBase, party_id: str, day: dt.date | None,
                   member_of: frozenset[str] | None = None) -> str | None:
    """The party as named at ``day``: its successor once it ended, the party it came from
    before it began, and none before any of them existed ("les marcheurs du GR20" in 2009
    are hikers: En Marche began in 2016). ``member_of``: for a person, the parties of their
    stints; a party made of several (the UMP of the RPR and DL) is, before it began, the
    one of these they were in, and none when nothing says which."""
    entity = kb.entities.get(party_id)
    if entity is None or day is None:
        return party_id
    seen = set()
    while entity.end and day >= entity.end and entity.successor and entity.id not in seen:
        seen.add(entity.id)
        entity = kb.entities[entity.successor]
    while entity.start and day < entity.start:
        earlier = kb.predecessors(entity.id)
        if back := [e for e in earlier if e in seen]:
            # Between a party's end and its successor's start, the name it had (DL, from
            # 21 September 2002 until the UMP's founding, not the RPR that merged too).
            return back[0]
        if member_of is not None and len(earlier) > 1:
            # A person's: the merged party they were in, not the first one listed.
            if mine := [e for e in earlier if e in member_of]:
                earlier = mine
            else:
                return None
        if not earlier:
            return None
        seen.add(entity.id)
        entity = kb.entities[earlier[0]]
    return entity.id


def _lineage(kb: KnowledgeBase, party_id: str) -> set[str]:
    """The party, the ones it came from and the ones it became (UMP, LR; FN, RN)."""
    line, todo = set(), [party_id]
    while todo:
        current = todo.pop()
        if current in line or current not in kb.entities:
            continue
        line.add(current)
        successor = kb.entities[current].successor
        todo.extend([successor] if successor else [])
        todo.extend(kb.predecessors(current))
    return line


# A dissolution's campaign is three to six weeks; a candidate out of office for a term
# (a deputy beaten in 2017 and elected again in 2022, a representative between the House
# and a governorship) is the same party's on both sides. Six years covers one term out.
BRIDGED_DAYS = 6 * 366


def _bridged(kb: KnowledgeBase, person: Entity, day: dt.date) -> str | None:
    """The party of the dated stints on both sides of ``day``, if they are of one party
    and at most ``BRIDGED_DAYS`` apart; else None."""
    before = max((a for a in person.affiliations if a.end is not None and a.end <= day),
                 key=lambda a: a.end, default=None)
    after = min((a for a in person.affiliations if a.start is not None and a.start > day),
                key=lambda a: a.start, default=None)
    if (before is None or after is None
            or (after.start - before.end).days > BRIDGED_DAYS
            or after.party not in _lineage(kb, before.party)):
        return None
    if not person.stints_from_open_data and after.party == before.party:
        # The open data's stints end with a seat; a gap in one party that the hand-kept
        # file or a user's file writes (expelled in 2011, back in 2016) is meant. Only the
        # party's own change (the RPR's end, the UMP's founding) is bridged there.
        return None
    return before.party


CARRIED_OVERLAP_DAYS = 183


def _carried(person: Entity, day: dt.date) -> str | None:
    """An American's party of a seat left for a government office held at ``day``: a
    governor, or a representative, made a secretary (Doug Burgum, Lori Chavez-DeRemer in
    2025) stays his party's, where the data ends the party with the seat. The office
    begins at most ``BRIDGED_DAYS`` after the seat ends (or a few months before it). Only
    in the United States, whose cabinets are of the president's party (see the module's
    note on French ministers)."""
    if not person.stints_from_open_data or person.country != "US":
        return None  # a hand-kept end is meant ("withdrew from politics")
    begun = min((o.start for o in person.offices if o.start and o.covers(day)
                 and o.role in ("minister", "head_of_government", "head_of_state")),
                default=None)
    before = max((a for a in person.affiliations if a.end is not None and a.end <= day),
                 key=lambda a: a.end, default=None)
    # The office follows the seat (named while still in it: a few months before at most).
    if begun is None or before is None or not (
            -CARRIED_OVERLAP_DAYS <= (begun - before.end).days <= BRIDGED_DAYS):
        return None
    return before.party


def _contradicted(kb: KnowledgeBase, person: Entity, stint: Affiliation, day: dt.date) -> bool:
    """An undated stint, a last mandate's party, comes after every dated stint of another
    party: a day before one of those ended is not its."""
    line = None
    for other in person.affiliations:
        if other.start is None or other.end is None or other.end <= day:
            continue
        line = line if line is not None else _lineage(kb, stint.party)
        if other.party not in line:
            return True
    return False


def _is_group(kb: KnowledgeBase, party_id: str) -> bool:
    entity = kb.entities.get(party_id)
    return entity is not None and entity.country == "EU"


def _in_parliament(person: Entity, day: dt.date) -> bool:
    """A European Parliament group is held with a seat: not before the first mandate."""
    return any(o.label == "MEP" and o.covers(day) for o in person.offices)
