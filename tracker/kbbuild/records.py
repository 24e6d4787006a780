"""Plain records every open-data reader produces, before the merge into the KB.

A reader (one module per source: ``assemblee``, ``congress``, ``parlparse``, ``meps``,
``curated``) turns a local copy of its source into ``Person`` and ``Party`` records, with
our KB's party ids in affiliations; ``tracker.kbbuild.build`` merges them with the
curated file, gives stable ids, validates the whole and writes provenance.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import re
import unicodedata
from dataclasses import dataclass, field

from tracker.kb import ROLES  # noqa: F401 - re-exported: the roles an Office may have


@dataclass
class Office:
    role: str                  # a key of ROLES
    label: str                 # as the source says it: "député", "Secretary of State", ...
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass
class Stint:
    """A dated membership of a party (our KB party id)."""

    party: str
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass
class Person:
    name: str                  # the common name the press writes: "Yaël Braun-Pivet"
    country: str               # ISO 3166 alpha-2: FR, US, GB, DE ...
    source: str                # reader name: "assemblee", "congress", ...
    source_key: str            # the person's stable id in that source: "PA721908", "B000444"
    wikidata: str | None = None
    birth: dt.date | None = None
    surname: str | None = None  # when not the last word of name ("Le Pen", "de Villepin")
    aliases: list[str] = field(default_factory=list)    # other full forms: maiden names...
    affiliations: list[Stint] = field(default_factory=list)
    offices: list[Office] = field(default_factory=list)


@dataclass
class Party:
    """A party a reader needs that the curated KB may lack (curated entries win)."""

    id: str
    name: str
    country: str
    source: str
    aliases: list[str] = field(default_factory=list)
    wikidata: str | None = None


def slug(text: str) -> str:
    """Lowercase ascii words joined by '-': "Recep Tayyip Erdoğan" -> "recep-tayyip-erdogan".
    The readers' ids for parties and people (letters with no ascii form are dropped:
    ``tracker.kb.slug``, used for the merged KB's ids, makes them a hyphen)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def clean(text: object) -> str:
    """A source's text with its runs of white space made single spaces."""
    return " ".join(str(text or "").split())


def snapshot_date(root: pathlib.Path) -> dt.date:
    """The date of the local copy (its SOURCE.json), else today: a membership still open
    in the copy is open, not ended on the day it was taken."""
    stamp = root / "SOURCE.json"
    if stamp.is_file():
        try:
            return dt.date.fromisoformat(
                str(json.loads(stamp.read_text("utf-8")).get("date", ""))[:10])
        except (ValueError, AttributeError):
            pass
    return dt.date.today()


def merge_spans(items: list, key, gap_days: int) -> list:
    """Consecutive items (Office or Stint) with the same key, less than ``gap_days``
    apart (a dissolution and the next election), become one; in date order."""
    items = sorted(items, key=lambda i: (key(i), i.start or dt.date.min))
    out: list = []
    for item in items:
        prev = out[-1] if out else None
        if (prev is not None and key(prev) == key(item) and prev.end is not None
                and item.start is not None
                and (item.start - prev.end).days <= gap_days):
            if item.end is None or item.end > prev.end:
                prev.end = item.end
            continue
        out.append(item)
    return sorted(out, key=lambda i: (i.start or dt.date.min, key(i)))
