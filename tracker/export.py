"""Write mention rows for people (a table) and for programs (CSV, JSON lines).

CSV cells that a spreadsheet would run as a formula (page text is written by strangers)
are neutralised with a leading apostrophe, as OWASP advises. Files are written to a
temporary name and renamed, so a failed export never leaves half a file behind.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tracker.errors import TrackerError
from tracker.query import EXPORT_COLUMNS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([neutralise(row.get(c)) for c in EXPORT_COLUMNS])
        count += 1
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


@contextlib.contextmanager
def open_output(target: str, *, force: bool = False) -> Iterator[IO[str]]:
    """stdout for '-', else a temporary file beside the target, renamed when complete."""
    if target == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    path = Path(target)
    if path.exists() and not force:
        raise TrackerError(f"{path}: already exists (use --force to replace it)")
    if path.is_dir():
        raise TrackerError(f"{path}: is a folder")
    if not path.parent.is_dir():
        raise TrackerError(f"{path.parent}: folder not found")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
