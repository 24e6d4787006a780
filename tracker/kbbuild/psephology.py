"""Reader for UK Parliament's election results (ukparliament/psephology, ``db/data``).

The House of Commons Library's candidate-level results, one file per election:
``results-by-parliament/<N>/general-election/candidacies.csv`` for the general election
that opened Parliament N (55-59: 2010, 2015, 2017, 2019, 2024; the 55-58 files have no
header row, the 59 one has) and ``results-by-parliament/<N>/by-elections/candidacies.csv``
(with a header and the election date) for the by-elections held during it, with their writ
dates in ``by-elections/constituencies.csv`` beside it.  A row is one candidacy: constituency
(ONS id), party name and abbreviation, first name, surname, the Member's MNIS id (winners
and former MPs) and votes.  ``parliament_periods.csv`` gives each Parliament's general
election date (2nd column) and dissolution date (5th); ``maiden-speeches.csv`` pairs Wikidata
ids with MNIS ids.  Folders of Parliaments without an election date in
``parliament_periods.csv`` are skipped (``60/`` is the 2024 election again, in another
export format).

* The winner of a seat is its candidate with the most votes (a tie: the one with an MNIS id
  when only one has it, else nobody).  A winner without an MNIS id is skipped.  A person is
  keyed by the MNIS id, so a member who changes seat (2024 boundaries) stays one person.
* Each win -> an office ``legislator`` "MP" from the election day to the dissolution of the
  Parliament, or, when a by-election in the same seat follows during that Parliament, to
  the writ date of that by-election (the seat was vacant by then; the day the member left is
  not in the data), else to the by-election's date.  The open Parliament (no dissolution
  date) leaves the office open.  A by-election winner's office starts on the by-election day.
* The party the member was elected for -> a stint of our KB party, dated like the office
  (party changes, whip suspensions and defections during a Parliament are not in the data).
  The Speaker, independents and unknown "no party" labels: no stint.  Parties the KB lacks
  get the ids the ``parlparse`` reader gives them (Plaid Cymru, DUP, Sinn Féin, SDLP, ...).
* Offices, and stints of one party, less than ``MERGE_GAP_DAYS`` apart (a dissolution and the
  next election; the writ and the by-election of a member who stood again) are merged.
* Names: the latest candidacy's "first name surname", middle initials dropped
  ("Jeffrey M. Donaldson" -> "Jeffrey Donaldson", the full form an alias, kept as the name
  when two people would share the short one).  By-election files give full forenames
  ("Sarah Joanne Pochin"): where the forenames are several words and the maiden-speech list
  has a shorter name with the same surname for the MNIS id ("Sarah Pochin"), that is the
  name.  Earlier candidacy names and the maiden-speech name (same surname only: it may be a
  maiden name) become aliases; a surname of several words ("Saville Roberts") is kept.
* Wikidata ids from ``maiden-speeches.csv``; an MNIS id listed with two QIDs keeps the one
  whose row names the member (same surname), a QID listed for two MNIS ids is dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import pathlib
import re
from dataclasses import dataclass

from tracker.kb import fold
from tracker.kbbuild import parlparse
from tracker.kbbuild.records import Office, Party, Person, Stint, clean, merge_spans

SOURCE = {
    "name": "psephology",
    "repo": "ukparliament/psephology",
    "url": "https://github.com/ukparliament/psephology",
    "licence": "Open Parliament Licence v3.0 (https://www.parliament.uk/site-information/"
               "copyright-parliament/open-parliament-licence/; stated in the site's footer, "
               "app/views/layouts/_footer.html.erb)",
    "paths": ["db/data/results-by-parliament/*/general-election/candidacies.csv",
              "db/data/results-by-parliament/*/by-elections/candidacies.csv",
              "db/data/results-by-parliament/*/by-elections/constituencies.csv",
              "db/data/parliament_periods.csv", "db/data/maiden-speeches.csv"],
}

DATA = "db/data"
COUNTRY = "GB"
LABEL = "MP"
MERGE_GAP_DAYS = 62

# The columns of a general election's candidacies.csv (the 2010-2019 files have no header).
GE_COLUMNS = ("ons id", "ons region id", "constituency name", "county name", "region name",
              "country name", "constituency type", "party name", "party abbreviation",
              "electoral commission party id", "mnis party id",
              "electoral commission adjunct party id", "candidate first name",
              "candidate surname", "candidate gender", "sitting mp", "former mp",
              "member mnis id", "votes", "share", "change")
BY_COLUMNS = ("election date", *GE_COLUMNS)

# Party labels (slugged) the parlparse tables lack -> a parlparse key, or None: no party.
PARTIES: dict[str, str | None] = {
    "social-democratic-labour-party": "sdlp",   # "Social Democratic & Labour Party"
    "spk": None,
}
# Party abbreviations -> a parlparse key (None: no party), for labels no table knows.
ABBREVIATIONS: dict[str, str | None] = {
    "lab": "labour", "con": "conservative", "ld": "liberal-democrat", "snp": "snp",
    "pc": "plaid-cymru", "dup": "dup", "sf": "sinn-fein", "sdlp": "sdlp", "uup": "uup",
    "apni": "alliance", "green": "green", "ruk": "reform-uk", "brx": "brexit-party",
    "ukip": "ukip", "spk": None, "ind": None,
}

_ONS = re.compile(r"^[EWSN]\d{8}$")
_QID = re.compile(r"^Q\d+$")
_INITIAL = re.compile(r"^[A-Z]\.?$")


@dataclass
class _Win:
    mnis: str
    first: str
    surname: str
    party: str
    abbreviation: str
    seat: str
    start: dt.date
    end: dt.date | None = None


# ------------------------------------------------------------------------------ files

def _date(text: str) -> dt.date | None:
    """A dd/mm/yyyy (or ISO) date, else None."""
    text = (text or "").strip()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    return None


def _key(header: str) -> str:
    """A header cell as a column key: "ONS ID2" and " Member " are "ons id" and "member"."""
    return re.sub(r"\d+$", "", " ".join(header.replace("\ufeff", "").split()).lower()).strip()


def _table(path: pathlib.Path, columns: tuple[str, ...] | None = None) -> list[dict]:
    """The file's rows as dicts.  Its first row is the header unless it is data (its first
    cell an ONS id or a date): then ``columns`` name the cells."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [row for row in csv.reader(fh) if any(cell.strip() for cell in row)]
    if not rows:
        return []
    first = rows[0][0].strip()
    if columns is not None and (_ONS.match(first) or _date(first)):
        keys = list(columns)
    else:
        keys, rows = [_key(h) for h in rows[0]], rows[1:]
    return [{k: clean(v) for k, v in zip(keys, row, strict=False) if k} for row in rows]


def _votes(row: dict) -> int:
    try:
        return int(float(row.get("votes") or 0))
    except ValueError:
        return 0


def _winners(rows: list[dict], by: str) -> dict[tuple[str, str], dict]:
    """(grouping value, ONS id) -> the winning row."""
    seats: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        if row.get("ons id"):
            seats.setdefault((row.get(by, ""), row["ons id"]), []).append(row)
    out = {}
    for key, rows_ in seats.items():
        best = max(_votes(r) for r in rows_)
        top = [r for r in rows_ if _votes(r) == best]
        if len(top) > 1:
            top = [r for r in top if r.get("member mnis id")]
        if len(top) == 1:
            out[key] = top[0]
    return out


def _periods(data: pathlib.Path) -> dict[int, tuple[dt.date, dt.date | None]]:
    """Parliament number -> (general election day, dissolution day or None)."""
    out = {}
    path = data / "parliament_periods.csv"
    if not path.is_file():
        raise FileNotFoundError(f"missing {path}")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) > 4 and row[0].strip().isdigit() and _date(row[1]):
                out[int(row[0])] = (_date(row[1]), _date(row[4]))
    return out


def _maiden(data: pathlib.Path) -> dict[str, list[tuple[str, str | None]]]:
    """MNIS id -> [(member name, QID or None)] from the maiden-speech list."""
    out: dict[str, list[tuple[str, str | None]]] = {}
    for row in _table(data / "maiden-speeches.csv"):
        mnis = row.get("mnis member id", "")
        if mnis.isdigit():
            qid = row.get("wikidata member id", "")
            out.setdefault(mnis, []).append((row.get("member", ""),
                                             qid if _QID.match(qid) else None))
    return out


def _last(name: str) -> str:
    return fold(name.split()[-1]) if name.split() else ""


def _qids(maiden: dict[str, list[tuple[str, str | None]]],
          surnames: dict[str, set[str]]) -> dict[str, str]:
    """MNIS id -> QID: one per member, and no QID given to two members."""
    chosen: dict[str, str] = {}
    for mnis, rows in maiden.items():
        qids = {q for _, q in rows if q}
        if len(qids) > 1:  # the row naming the member decides
            qids = {q for n, q in rows if q and _last(n) in surnames.get(mnis, ())}
        if len(qids) == 1:
            chosen[mnis] = qids.pop()
    owners: dict[str, set[str]] = {}
    for mnis, qids in maiden.items():
        for _, qid in qids:
            if qid:
                owners.setdefault(qid, set()).add(mnis)
    return {m: q for m, q in chosen.items() if len(owners[q]) == 1}


# ------------------------------------------------------------------------------ parties

def _party(label: str, abbreviation: str, parties: dict[str, Party]) -> str | None:
    """Our party id for a candidacy's party (None: no party).  A label no table knows is
    read through its abbreviation, else becomes a new party with the label's slug."""
    key = parlparse.slug(label)
    known = (parlparse.KB_PARTIES.keys() | parlparse.NEW_PARTIES.keys() | parlparse.NO_PARTY
             | PARTIES.keys())
    if key not in known and parlparse.slug(abbreviation) in ABBREVIATIONS:
        key = ABBREVIATIONS[parlparse.slug(abbreviation)]
    elif key in PARTIES:
        key = PARTIES[key]
    if not key or key in parlparse.NO_PARTY or "independent" in key.split("-"):
        return None
    if key in parlparse.KB_PARTIES:
        return parlparse.KB_PARTIES[key]
    if key in parlparse.NEW_PARTIES:
        pid, name, aliases = parlparse.NEW_PARTIES[key]
    else:
        pid, name, aliases = key, clean(label), []
    parties.setdefault(pid, Party(pid, name, COUNTRY, SOURCE["name"], list(aliases)))
    return pid


# ------------------------------------------------------------------------------ names

def _short(first: str, surname: str) -> str:
    """The name without middle initials: "Jeffrey M. Donaldson" -> "Jeffrey Donaldson"."""
    words = first.split()
    words = [w for i, w in enumerate(words) if i == 0 or not _INITIAL.match(w)]
    return " ".join([*words, surname])


# ------------------------------------------------------------------------------ read

def read(root: pathlib.Path) -> tuple[list[Person], list[Party]]:
    data = pathlib.Path(root) / DATA
    periods = _periods(data)
    folders = sorted((int(p.parent.parent.name), p.parent.parent)
                     for p in (data / "results-by-parliament").glob("*/general-election/"
                                                                      "candidacies.csv")
                     if p.parent.parent.name.isdigit())
    folders = [(n, f) for n, f in folders if n in periods]
    if not folders:
        raise FileNotFoundError(f"no results-by-parliament/<N>/general-election/"
                                f"candidacies.csv under {data} for a dated Parliament")

    members: dict[str, list[_Win]] = {}  # MNIS id -> wins
    parties: dict[str, Party] = {}
    for number, folder in folders:
        elected, dissolved = periods[number]
        wins: dict[str, list[_Win]] = {}  # seat -> holders, in order
        general = _winners(_table(folder / "general-election" / "candidacies.csv",
                                  GE_COLUMNS), by="")
        for (_, seat), row in general.items():
            wins[seat] = [_win(row, seat, elected)]
        writs = {(r.get("by-election date", ""), r.get("ons id", "")): _date(r.get("writ date"))
                 for r in _table(folder / "by-elections" / "constituencies.csv")}
        by = _winners(_table(folder / "by-elections" / "candidacies.csv", BY_COLUMNS),
                      by="election date")
        for (day, seat), row in sorted(by.items(), key=lambda kv: _date(kv[0][0]) or dt.date.max):
            start = _date(day)
            if start is None or start < elected or (dissolved and start > dissolved):
                continue
            held = wins.setdefault(seat, [])
            if held and held[-1].end is None:
                held[-1].end = writs.get((day, seat)) or start
            held.append(_win(row, seat, start))
        for held in wins.values():
            for win in held:
                if win.end is None:
                    win.end = dissolved
                if win.mnis:
                    members.setdefault(win.mnis, []).append(win)

    maiden = _maiden(data)
    surnames = {m: {_last(w.surname) for w in won} for m, won in members.items()}
    qids = _qids(maiden, surnames)

    out: list[Person] = []
    full_forms: dict[str, str] = {}
    for mnis, won in members.items():
        wins = sorted(won, key=lambda w: w.start)
        latest = wins[-1]
        full = clean(f"{latest.first} {latest.surname}")
        name = _short(latest.first, latest.surname)
        spoken = [n for n, _ in maiden.get(mnis, ()) if n]
        if len(name.split()) - len(latest.surname.split()) > 1:
            shorter = [n for n in spoken if _last(n) == _last(latest.surname)
                       and len(n) < len(name) and name.startswith(n.split()[0])]
            if shorter:
                name = shorter[0]
        full_forms[mnis] = full
        aliases: list[str] = []
        seen = {fold(name)}
        names = [clean(f"{w.first} {w.surname}") for w in reversed(wins)]
        names += [_short(w.first, w.surname) for w in reversed(wins)]
        names += [n for n in spoken if _last(n) in surnames[mnis]]
        for alias in names:
            if fold(alias) not in seen:
                seen.add(fold(alias))
                aliases.append(alias)
        offices, stints = [], []
        for win in wins:
            offices.append(Office("legislator", LABEL, win.start, win.end))
            party = _party(win.party, win.abbreviation, parties)
            if party:
                stints.append(Stint(party, win.start, win.end))
        surname = latest.surname if (" " in latest.surname
                                     and name.endswith(" " + latest.surname)) else None
        out.append(Person(
            name=name, country=COUNTRY, source=SOURCE["name"], source_key=mnis,
            wikidata=qids.get(mnis), surname=surname, aliases=aliases,
            affiliations=merge_spans(stints, lambda s: s.party, MERGE_GAP_DAYS),
            offices=merge_spans(offices, lambda o: o.label, MERGE_GAP_DAYS),
        ))

    # Two people with the same short name: they keep their full forms.
    by_name: dict[str, list[Person]] = {}
    for person in out:
        by_name.setdefault(fold(person.name), []).append(person)
    for same in by_name.values():
        if len(same) > 1:
            for person in same:
                full = full_forms[person.source_key]
                if full != person.name:
                    person.aliases = [a for a in person.aliases if a != full]
                    person.name = full

    used = {s.party for p in out for s in p.affiliations}
    return (sorted(out, key=lambda p: int(p.source_key)),
            sorted((p for pid, p in parties.items() if pid in used), key=lambda p: p.id))


def _win(row: dict, seat: str, start: dt.date) -> _Win:
    return _Win(mnis=row.get("member mnis id", ""), first=row.get("candidate first name", ""),
                surname=row.get("candidate surname", ""),
                party=row.get("party name", ""),
                abbreviation=row.get("party abbreviation", ""),
                seat=seat, start=start)


def copy_stamp(root: pathlib.Path) -> dict:
    """Commit and date of the local copy when it has no SOURCE.json: its PROVENANCE.txt
    ("repo=... commit=<sha> (HEAD, YYYY-MM-DD) ...")."""
    root = pathlib.Path(root)
    if (root / "SOURCE.json").is_file():
        return {}
    path = root / "PROVENANCE.txt"
    if not path.is_file():
        return {}
    text = path.read_text("utf-8")
    out = {}
    if m := re.search(r"commit=([0-9a-f]{40})", text):
        out["commit"] = m[1]
    if m := re.search(r"commit=[0-9a-f]{40}\s*\([^)]*?(\d{4}-\d{2}-\d{2})\)", text):
        out["date"] = m[1]
    return out

