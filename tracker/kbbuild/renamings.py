"""French parties' renamings, and membership dates cut along them.

The Assemblée nationale's data names a party or group once across its renamings (one
"Les Républicains" Senate group from 2002 on); our KB has one id per name (ump until
2015-05-30, then lr). ``split`` cuts a membership along those dates; ``subtract`` finds
the parts of a group membership that no declared party covers.
"""

from __future__ import annotations

import datetime as dt

from tracker.kbbuild.records import Stint

# Our KB's dates for the French parties the Assemblée's data names, with renamings (copied
# from kbdata/entities.yaml; a test checks the copy): id -> (start, end, successor). A stint
# is cut along these: before a party's start it belongs to its single predecessor (if any),
# after its end to its successor.
_D = dt.date
PARTY_LINEAGE: dict[str, tuple[dt.date | None, dt.date | None, str | None]] = {
    "ps": (_D(1969, 5, 4), None, None),
    "pcf": (_D(1920, 12, 30), None, None),
    "prg": (None, None, None),
    "les-verts": (_D(1984, 1, 29), _D(2010, 11, 13), "eelv"),
    "eelv": (_D(2010, 11, 13), _D(2023, 10, 14), "les-ecologistes"),
    "les-ecologistes": (_D(2023, 10, 14), None, None),
    "lfi": (_D(2016, 2, 10), None, None),
    "udf": (_D(1978, 2, 1), _D(2007, 11, 30), "modem"),
    "modem": (_D(2007, 12, 1), None, None),
    "udi": (_D(2012, 10, 21), None, None),
    "en-marche": (_D(2016, 4, 6), _D(2017, 5, 8), "lrem"),
    "lrem": (_D(2017, 5, 8), _D(2022, 9, 17), "renaissance"),
    "renaissance": (_D(2022, 9, 17), None, None),
    "horizons": (_D(2021, 10, 9), None, None),
    "rpr": (_D(1976, 12, 5), _D(2002, 9, 21), "ump"),
    "democratie-liberale": (_D(1997, 6, 24), _D(2002, 9, 21), "ump"),
    "ump": (_D(2002, 11, 17), _D(2015, 5, 30), "lr"),
    "lr": (_D(2015, 5, 30), None, None),
    "udr": (_D(2024, 8, 31), None, None),
    "debout-la-republique": (_D(2008, 11, 23), _D(2014, 10, 12), "dlf"),
    "dlf": (_D(2014, 10, 12), None, None),
    "fn": (_D(1972, 10, 5), _D(2018, 6, 1), "rn"),
    "rn": (_D(2018, 6, 1), None, None),
    "nouveau-centre": (_D(2007, 5, 29), _D(2016, 12, 1), "les-centristes"),
    "les-centristes": (_D(2016, 12, 1), None, None),
    "agir": (_D(2017, 11, 26), None, None),
    "rps": (_D(1994, 1, 1), None, None),
    "tavini": (_D(1977, 1, 1), None, None),
    "ppm": (_D(1958, 3, 22), None, None),
}

_MIN, _MAX = dt.date.min, dt.date.max


def lineage(party: str) -> list[tuple[str, dt.date, dt.date]]:
    """The chain of names of ``party`` (single predecessors back, successors forward)."""
    preds = {p: [q for q, (_, _, s) in PARTY_LINEAGE.items() if s == p] for p in PARTY_LINEAGE}
    chain = [party]
    while len(preds.get(chain[0], [])) == 1 and chain[0] not in chain[1:]:
        chain.insert(0, preds[chain[0]][0])
    while (nxt := PARTY_LINEAGE.get(chain[-1], (None, None, None))[2]) and nxt not in chain:
        chain.append(nxt)
    out = []
    for pid in chain:
        start, end, _ = PARTY_LINEAGE.get(pid, (None, None, None))
        out.append((pid, start or _MIN, end or _MAX))
    return out


def family(party: str) -> frozenset[str]:
    """A party and its other names (renamings) in our KB."""
    return frozenset(pid for pid, _, _ in lineage(party))


def split(party: str, start: dt.date | None, end: dt.date | None) -> list[Stint]:
    """A membership of ``party`` over [start, end], cut along the party's renamings."""
    lo, hi = start or _MIN, end or _MAX
    stints = []
    for pid, p_lo, p_hi in lineage(party):
        s, e = max(lo, p_lo), min(hi, p_hi)
        if s < e or (s == e and lo == hi):
            stints.append(Stint(pid, None if s == _MIN else s, None if e == _MAX else e))
    return stints


def subtract(lo: dt.date, hi: dt.date,
              covered: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """Parts of [lo, hi] outside the covered intervals (interval ends shared, as the source
    dates mandates end-inclusive and successive mandates start on the next day or the same)."""
    joined: list[tuple[dt.date, dt.date]] = []     # successive mandates leave no gap
    for c_lo, c_hi in sorted(covered):
        if joined and c_lo <= min(joined[-1][1], _MAX - dt.timedelta(days=1)) \
                + dt.timedelta(days=1):
            joined[-1] = (joined[-1][0], max(joined[-1][1], c_hi))
        else:
            joined.append((c_lo, c_hi))
    pieces = [(lo, hi)]
    for c_lo, c_hi in joined:
        nxt = []
        for p_lo, p_hi in pieces:
            if c_hi < p_lo or c_lo > p_hi:
                nxt.append((p_lo, p_hi))
                continue
            if c_lo > p_lo:
                nxt.append((p_lo, c_lo))
            if c_hi < p_hi:
                nxt.append((c_hi, p_hi))
        pieces = nxt
    return [(a, b) for a, b in pieces if a < b]
