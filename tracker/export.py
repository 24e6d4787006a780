"""Write mention rows and figures for people (a table) and for programs (CSV, JSON, JSON
lines).

CSV cells that a spreadsheet would run as a formula (page text is written by strangers)
are neutralised with a leading apostrophe, as OWASP advises. Files are written to a
temporary name and renamed, so a failed export never leaves half a file behind.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tracker.errors import TrackerError
from tracker.figures import records
from tracker.periods import periods
from tracker.query import EXPORT_COLUMNS
from tracker.stats import CountRows

# Zero rows a chunk at most: a download's first piece (its first period's 20,000 zeros,
# each key's text made then) goes out sooner.
ZEROS = 4096
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict], out: IO[str], *, delimiter: str = ",") -> int:
    """Rows as dicts (a handful, such as one text's mentions), neutralised here."""
    return write_csv_tuples(([neutralise(row.get(c)) for c in EXPORT_COLUMNS] for row in rows),
                            out, delimiter=delimiter)


def write_csv_tuples(rows: Iterable[Sequence], out: IO[str], *, delimiter: str = ",",
                     header: Sequence[str] = EXPORT_COLUMNS) -> int:
    """Rows already in column order and neutralised, written by the csv module."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def write_csv_lines(lines: sqlite3.Cursor, out: IO[str], *, delimiter: str = ",") -> int:
    """Finished CSV lines from ``query.csv_lines``, after a header, in batches."""
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerow(EXPORT_COLUMNS)
    count = 0
    while batch := lines.fetchmany(5000):
        out.write("\r\n".join([line for (line,) in batch]))
        out.write("\r\n")
        count += len(batch)
    return count


def write_jsonl(rows: Iterable[dict], out: IO[str]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_table(rows: Iterable[dict], console: Console) -> int:
    """A table for people: date, source, who, party, and the sentence with the name in bold."""
    table = Table(show_lines=False)
    table.add_column("date", style="cyan", no_wrap=True)
    table.add_column("source", max_width=14, overflow="ellipsis")
    table.add_column("entity", style="bold", max_width=18)
    table.add_column("party", max_width=18)
    table.add_column("sentence · link", ratio=1, overflow="fold")
    count = 0
    for row in rows:
        cell = _highlight(row["sentence"] or "", row["surface"])
        cell.append(f"\n{row['url']}", style="dim")
        table.add_row((row["published_at"] or "")[:10], row["source"], row["entity"],
                      row["party"] or "", cell)
        count += 1
    if count:
        console.print(table)
    return count


def _highlight(sentence: str, surface: str) -> Text:
    text = Text(sentence if len(sentence) <= 400 else sentence[:397] + "...")
    if surface:
        text.highlight_words([surface], style="bold yellow", case_sensitive=True)
    return text


def check_output(target: str, *, force: bool = False) -> None:
    """Refuse a target that cannot or may not be written, before any work is done."""
    if target == "-":
        return
    if not target.strip():  # an unset shell variable: Path("") is the current folder
        raise TrackerError("the output file's name is empty (give a name, or - for the "
                           "standard output)")
    path = Path(target)
    try:
        if path.is_dir():
            raise TrackerError(f"{path}: is a folder")
        if path.exists() and not force:
            raise TrackerError(f"{path}: already exists (use --force to replace it)")
        if not path.parent.is_dir():
            raise TrackerError(f"{path.parent}: folder not found")
    except OSError as exc:  # a name too long for the file system
        raise TrackerError(f"{_shown(target)}: cannot be written ({exc.strerror or exc})"
                           ) from None


def _shown(target: str) -> str:
    """A path as an error line shows it: one line, not 300 letters."""
    return target if len(target) <= 80 else f"{target[:40]}...{target[-20:]}"


@contextlib.contextmanager
def open_output(target: str, *, force: bool = False, encoding: str = "utf-8"
                ) -> Iterator[IO[str]]:
    """stdout for '-', else a temporary file beside the target, renamed when complete.
    ``utf-8-sig`` starts the file with a byte-order mark (what Excel needs to read UTF-8)."""
    if target == "-":
        if encoding == "utf-8-sig":
            sys.stdout.write("\ufeff")
        yield sys.stdout
        sys.stdout.flush()
        return
    check_output(target, force=force)
    path = Path(target)
    try:
        # The name's first letters only: a name of 250 letters is a valid one.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:60]}.", suffix=".part",
                                   dir=path.parent)
    except OSError as exc:  # /proc, a read-only disk, a name too long: the user's path
        raise TrackerError(f"{_shown(target)}: cannot be written ({exc.strerror or exc})"
                           ) from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is for secrets; a report is not one
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_records_csv(rows: list[dict], out: IO[str], columns: list[str]) -> int:
    """Figures (``tracker stats``) as CSV: the header, then each row; no rows, the header
    alone (a script reads the columns of an empty window too)."""
    return write_csv_tuples(([neutralise(r[c]) for c in columns] for r in rows), out,
                            header=columns)


def write_stats_tables(figures: dict[str, list], q, console: Console) -> None:
    """``tracker stats`` for people: one table per view, the busiest rows first."""
    what = {"party": "party", "politician": "politician", "source": "source",
            "lang": "language"}[q.by]
    window = f"{q.since or 'start'} to {q.until or 'now'}"
    if not any(figures.values()):
        console.print(f"no mentions from {window}")
        return
    if "counts" in figures:
        table = _figures_table(f"Mentions per {q.interval} by {what}, {window} (top {q.top} "
                               f"of each {q.interval})", ["period", what],
                               ["mentions", "dedup", "share", "share dedup"])
        # Every period of the window, those without a row too (the table's counts are
        # each period's top keys with mentions, no zeros).
        by_period: dict[str, list] = {p: [] for p in periods(q.since, q.until, q.interval)}
        for row in figures["counts"]:
            by_period.setdefault(row.period, []).append(row)
        empty: list[str] = []  # a run of periods without mentions, folded into one row

        def fold_empty() -> None:
            if len(empty) == 1:
                table.add_row(empty[0], "-", "0", "0", "", "", end_section=True)
            elif empty:
                table.add_row(f"{empty[0]} … {empty[-1]}",
                              f"none in {len(empty)} {q.interval}s", "0", "0", "", "",
                              end_section=True, style="dim")
            empty.clear()

        for period, rows in by_period.items():
            shown = [r for r in rows if r.mentions][:q.top]
            if not shown:
                empty.append(period)
                continue
            fold_empty()
            for i, r in enumerate(shown):
                table.add_row(period if i == 0 else "", r.name, str(r.mentions),
                              str(r.mentions_dedup), f"{r.share:.1%}", f"{r.share_dedup:.1%}",
                              end_section=i == len(shown) - 1)
        fold_empty()
        console.print(table)
    if "totals" in figures:
        table = _figures_table(f"Share of voice by {what}, {window}", [what],
                               ["mentions", "dedup", "share", "share dedup"])
        for r in figures["totals"][:q.top]:
            table.add_row(r.name, str(r.mentions), str(r.mentions_dedup), f"{r.share:.1%}",
                          f"{r.share_dedup:.1%}")
        console.print(table)
    if figures.get("co-mentions"):
        table = _figures_table("Mentioned together", ["one", "the other"],
                               ["same sentence", "same document", "dedup"])
        for r in figures["co-mentions"]:
            table.add_row(r.name_a, r.name_b, str(r.sentences), str(r.documents),
                          str(r.documents_dedup))
        console.print(table)
    if figures.get("sources"):
        table = _figures_table("Top sources", ["entity", "source"],
                               ["mentions", "dedup", "share of its mentions"])
        last = None
        for r in figures["sources"]:
            table.add_row(r.name if r.key != last else "", r.source, str(r.mentions),
                          str(r.mentions_dedup), f"{r.share:.1%}")
            last = r.key
        console.print(table)


def _figures_table(title: str, labels: list[str], figures: list[str]) -> Table:
    """Names on the left, figures aligned on the right."""
    table = Table(title=title)
    for column in labels:
        table.add_column(column)
    for column in figures:
        table.add_column(column, justify="right")
    return table


def records_json(figures: dict[str, Sequence]) -> bytes:
    """The figures' ``records`` as one JSON array, the bytes orjson writes for it: what
    `/api/stats` streams (``records_json_chunks``), at once (the tests' reference)."""
    return b"".join(records_json_chunks(figures.items()))


def records_json_chunks(figures: Iterable[tuple[str, Sequence]]) -> Iterator[bytes]:
    """``records_json`` in pieces, each figure's rows written as they are read (``figures``
    as (view, rows) pairs, each computed when the one before is written: a download of
    113 MB starts with its first period's rows)."""
    head = b"["
    for chunk, _ in _encoded(figures, orjson.dumps, lambda rows: orjson.dumps(rows)[1:-1],
                             b","):
        yield head + chunk
        head = b","
    yield b"]" if head == b"," else b"[]"


def write_records_jsonl(figures: dict[str, Sequence], out: IO[str]) -> int:
    """The figures' ``records`` as JSON lines (`tracker stats --format jsonl`), as
    ``write_jsonl`` writes them (every politician by month took 7.5 s); how many."""
    def dumps(row: dict) -> str:
        return json.dumps(row, ensure_ascii=False)

    count = 0
    for chunk, rows in _encoded(figures.items(), dumps, lambda rows: "\n".join(map(dumps, rows)),
                                "\n"):
        out.write(chunk + "\n")
        count += rows
    return count


def _encoded(figures: Iterable[tuple[str, Sequence]], dumps: Callable[[dict], Any],
             many: Callable[[list[dict]], Any], sep: Any) -> Iterator[tuple[Any, int]]:
    """Each figure's ``records`` in chunks (``many`` writes a list of rows, joined by
    ``sep``), with how many rows a chunk holds. The counts' zeros (most rows of a long
    window) are written from each key's text as ``dumps`` writes it, made once, after
    their period's head."""
    for name, rows in figures:
        if not isinstance(rows, CountRows):
            if rows:
                yield many(list(records({name: rows}))), len(rows)
            continue
        # Each key's zero row from its period on (',"key":..,"share_dedup":0.0}'): what
        # follows the view and an empty period. Made when first written: the names of
        # lazily read counts come with their periods.
        cut = len(dumps({"view": name, "period": ""})) - 1
        zero = _Zeros(lambda key, name=name, rows=rows, cut=cut: dumps(
            {"view": name, "period": "", "key": key, "name": rows.names[key], "mentions": 0,
             "mentions_dedup": 0, "share": 0.0, "share_dedup": 0.0})[cut:])
        for period, busy, idle in rows.periods():
            if busy:  # Count's fields, in its order (a dict each: no Count made)
                yield many([{"view": name, "period": p, "key": k, "name": n, "mentions": m,
                             "mentions_dedup": md, "share": sh, "share_dedup": shd}
                            for p, k, n, m, md, sh, shd in busy]), len(busy)
            if idle:
                head = dumps({"view": name, "period": period})[:-1]
                for at in range(0, len(idle), ZEROS):
                    some = idle[at:at + ZEROS]
                    yield head + (sep + head).join(map(zero.__getitem__, some)), len(some)


class _Zeros(dict):
    """Each key's text, made when first asked for."""

    def __init__(self, make: Callable[[str], Any]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: str) -> Any:
        value = self[key] = self._make(key)
        return value
