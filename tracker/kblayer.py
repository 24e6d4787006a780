"""The open-data layer shipped in the package (``tracker/kbdata/opendata.jsonl``), read
into entities once per process and per version of the file; ``tracker.kbload`` lays the
hand-kept file and the user's over it."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import orjson

from tracker.kb import BUILTIN, Affiliation, Entity, Office


@functools.lru_cache(maxsize=1)
def _builtin_layer_cached(path: str, mtime: float) -> dict[str, Entity]:
    """The open-data layer's 21,500 lines, read by the daemon and again by the workers'
    fork server before any worker can start: with orjson, and each of its 134,000 dates
    parsed once (most are a few election days), ``load_kb`` takes 0.53 s, not 0.62 to
    0.69."""
    layer: dict[str, Entity] = {}
    try:
        lines = Path(path).read_bytes().splitlines()
    except FileNotFoundError:
        return layer
    for line in lines:
        row = orjson.loads(line)
        offices = tuple(Office(r, label, _day(s), _day(e))
                        for r, label, s, e in row.get("offices", ()))
        common = dict(id=row["id"], type=row["type"], country=row.get("country"),
                      wikidata=row.get("wikidata"), origin=BUILTIN)
        if row.get("supplement"):
            layer[row["id"]] = Entity(**common, name="", aliases=(), offices=offices,
                                      birth=_day(row.get("birth")))
            continue
        name = row["name"]
        aliases = tuple(dict.fromkeys((name, *row.get("aliases", ()))))
        if row["type"] == "party":
            layer[row["id"]] = Entity(**common, name=name, aliases=aliases,
                                      members=tuple(row.get("members", ())),
                                      country_cue=bool(row.get("country_cue")))
            continue
        layer[row["id"]] = Entity(
            **common, name=name, aliases=aliases, surname=row.get("surname") or name.split()[-1],
            affiliations=tuple(Affiliation(p, _day(s), _day(e))
                               for p, s, e in row.get("affiliations", ())),
            offices=offices, birth=_day(row.get("birth")))
    return layer


def builtin_layer(path: Path) -> dict[str, Entity]:
    """The layer's people and parties by id, a fresh dict over the cached reading."""
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return {}
    return dict(_builtin_layer_cached(str(path), mtime))


@functools.lru_cache(maxsize=8192)  # the layer's 134,000 dates are mostly a few days
def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
