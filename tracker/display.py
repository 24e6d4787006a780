"""What people read in a terminal: mentions as short blocks, plain lines when piped.

At 80 columns (the width of any piped or narrow terminal) a table squeezes a sentence
into a few characters a line; a mention is shown instead as a block of at most three
lines and a blank: who, when, where; the words around the name (keyword in context,
cut with "…" at word boundaries); a short link that is never split. Piped output is one
tab-separated line per mention, as ``gh`` prints, for ``cut`` and ``awk``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO
from urllib.parse import unquote, urlsplit

from rich.console import Console
from rich.text import Text

from tracker.marking import name_at

ELLIPSIS = "…"
TSV_COLUMNS = ("published_at", "source", "entity", "party", "surface", "sentence", "url")


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 mention', '2 mentions', '0 mentions' (``words`` for irregular plurals)."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def shown(count: int, total: int, word: str, hint: str = "--limit") -> str | None:
    """'50 of 64 mentions shown (--limit N for more)' when a cap hid some, else None."""
    if total <= count:
        return None
    return f"{count:,} of {plural(total, word)} shown ({hint} N for more)"


def kwic(sentence: str, surface: str, width: int) -> tuple[str, int, int]:
    """The words around the first ``surface`` in ``sentence``, at most ``width``
    characters, cut at spaces with "…"; returns the text and the name's span in it."""
    sentence = " ".join(sentence.split())
    at = name_at(sentence, surface)
    if at < 0:
        at, surface = 0, ""
    if len(sentence) <= width:
        return sentence, at, at + len(surface)
    room = max(0, width - len(surface) - 2)  # two ellipses at most
    start = max(0, at - room // 2)
    end = min(len(sentence), start + len(surface) + room)
    start = max(0, min(start, end - len(surface) - room))
    if start > 0:  # begin at a word: never half a word
        space = sentence.find(" ", start, at)
        start = space + 1 if space >= 0 else at
    if end < len(sentence):
        space = sentence.rfind(" ", at + len(surface), end)
        end = space if space >= 0 else at + len(surface)
    text = sentence[start:end]
    lead = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(sentence) else ""
    offset = len(lead) + at - start
    return lead + text + tail, offset, offset + len(surface)


def short_link(url: str, width: int) -> str:
    """The link without its scheme and 'www.', shortened in the middle of its path (never
    split across lines); the full one is in --format csv and jsonl."""
    parts = urlsplit(url or "")
    if parts.scheme == "file":
        link = unquote(parts.path)
    elif parts.netloc:
        host = parts.netloc.removeprefix("www.")
        link = host + unquote(parts.path) + (f"?{parts.query}" if parts.query else "")
    else:
        link = url or ""
    if len(link) <= width:
        return link
    head, _, rest = link.partition("/")
    last = rest.rstrip("/").rsplit("/", 1)[-1]
    keep = width - len(head) - 3
    if keep < 8:
        return link[:width - 1] + ELLIPSIS
    return f"{head}/{ELLIPSIS}/{last[-keep:]}" if len(last) > keep else f"{head}/{ELLIPSIS}/{last}"


def write_mentions(rows: Iterable[dict], console: Console, *, wide: bool = False) -> int:
    """Each mention as a block: 'date  source  entity (party)', the words around the
    name (the whole sentence with ``wide``), the short link; then a blank line."""
    width = max(40, console.width)
    count = 0
    for row in rows:
        head = Text()
        head.append((row["published_at"] or "")[:10], style="cyan")
        head.append(f"  {row['source']}  ")
        head.append(row["entity"] or "", style="bold")
        if row["party"] and row["party"] != row["entity"]:
            head.append(f" ({row['party']})")
        head.truncate(width, overflow="ellipsis")
        sentence = row["sentence"] or ""
        if wide:
            text, start, end = " ".join(sentence.split()), -1, -1
            at = text.find(row["surface"] or "\0")
            if at >= 0:
                start, end = at, at + len(row["surface"])
        else:
            text, start, end = kwic(sentence, row["surface"] or "", width - 2)
        body = Text("  " + text)
        if start >= 0 and end > start:
            body.stylize("bold yellow", start + 2, end + 2)
        link = Text("  " + short_link(row["url"], width - 2), style="dim")
        console.print(head, no_wrap=True, soft_wrap=False)
        console.print(body, no_wrap=not wide, overflow="fold" if wide else "ellipsis")
        console.print(link, no_wrap=True, overflow="ellipsis")
        console.print()
        count += 1
    return count


def write_tsv(rows: Iterable[dict], out: IO[str], columns: tuple[str, ...] = TSV_COLUMNS
              ) -> int:
    """One tab-separated line per row, no header, tabs and line breaks inside cells turned
    to spaces: for pipes."""
    count = 0
    for row in rows:
        out.write("\t".join(" ".join(str(row.get(c) or "").split()) for c in columns) + "\n")
        count += 1
    return count


def error_cause(error: str | None, location: str | None) -> str:
    """A stored error without the URL it starts with (the source's own line shows it)."""
    error = " ".join((error or "").split())
    for prefix in (location, error.split(": ", 1)[0] if "://" in error.split(" ")[0] else None):
        if prefix and error.startswith(prefix + ": "):
            return error[len(prefix) + 2:]
    return error


def _when(value: str | None) -> str:
    return value.replace("T", " ").removesuffix("Z")[:16] if value else "never"


def write_sources(rows: Iterable[dict], console: Console) -> int:
    """Each source as a block: name, kind, health and documents; its last fetch, last new
    item, next run and 304 rate; the cause of its last error when failing; where it is."""
    from tracker.store import now_iso

    width = max(40, console.width)
    count = 0
    for r in rows:
        failures = r["consecutive_failures"] or 0
        head = Text()
        head.append(r["name"], style="bold")
        head.append(f"  {r['kind']}  ")
        if r["last_status"] is None:
            head.append("never run", style="yellow")
        elif r["last_status"] == "removed":
            head.append("not in config.yaml any more", style="yellow")
        elif failures:
            head.append(f"failing ×{failures}", style="red")
        else:
            head.append("ok", style="green")
        head.append(f"  {plural(r['documents'] or 0, 'document')}")
        rate = r["not_modified_rate"]
        facts = [f"fetched {_when(r['last_fetch_at'])}", f"new {_when(r['last_new_at'])}"]
        if r["next_run_at"]:
            # A time gone by (the daemon stopped; `run --once` keeps no schedule) is due:
            # polled as soon as a daemon runs.
            facts.append(f"next {_when(r['next_run_at'])}" if r["next_run_at"] > now_iso()
                         else "due")
        if rate is not None:
            facts.append(f"304 {rate:.0%}")
        lines = [head, Text("  " + " · ".join(facts))]
        if failures:
            lines.append(Text("  " + error_cause(r["last_error"], r["location"]), style="red"))
        lines.append(Text("  " + short_link(r["location"] or "", width - 2), style="dim"))
        for line in lines:
            console.print(line, no_wrap=True, overflow="ellipsis")
        console.print()
        count += 1
    return count
