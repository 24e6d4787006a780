"""What each kind of source yields before fetching: feed items, a page, or files.

Pure where it can be: ``parse_feed`` takes bytes, not a URL; ``list_files`` only lists.
``canonical_url`` gives one identity to an article reached through several URLs.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser

from tracker.errors import TrackerError
from tracker.extract import parse_datetime

_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.IGNORECASE | re.DOTALL)
FILE_SUFFIXES = (".html", ".htm", ".txt")
TRACKING_PREFIXES = ("utm_", "at_", "mc_", "pk_", "mtm_", "xtor", "fbclid", "gclid", "dclid",
                     "msclkid", "yclid", "igshid", "_ga", "ns_", "cmpid", "ocid", "ito", "xtref")


@dataclass(frozen=True)
class FeedItem:
    url: str
    title: str | None
    published_at: dt.datetime | None


class NotAFeedError(TrackerError):
    """The body is not RSS or Atom at all (an HTML page, an error page, garbage)."""


def parse_feed(body: bytes, base_url: str, content_type: str = "application/xml"
               ) -> tuple[list[FeedItem], str | None]:
    """Items of an RSS/Atom body, oldest first; a malformed feed still gives what parsed.

    Returns the items and a warning when the feed was malformed (feedparser's bozo)."""
    # Feeds need no DTD: drop it, and with it any entity declarations (external files,
    # billion laughs) before any parser sees them.
    head = _DOCTYPE.sub(b"", body[:200_000], count=1)
    body = head + body[200_000:]
    parsed = feedparser.parse(body, response_headers={"content-location": base_url,
                                                      "content-type": content_type})
    version = parsed.get("version") or ""
    if not parsed.entries and (parsed.bozo or not version):
        reason = parsed.get("bozo_exception") or "no RSS or Atom element"
        if _OPML.search(body[:4096]):  # a reader's export, whose <body> is no HTML's
            reason = "an OPML list of feeds: list its file as a source of kind opml"
        elif _HTML.search(body[:4096]):  # feedparser's note would be about its encoding
            reason = "an HTML page"
        raise NotAFeedError(f"{base_url}: not a feed ({_one_line(reason)})")
    items = []
    unlinked = 0
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if not link.lower().startswith(("http://", "https://")):
            unlinked += 1  # no link, or "javascript:", "mailto:": nothing to fetch
            continue
        published = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(FeedItem(
            url=link.strip().replace(" ", "%20"),  # as a browser asks for it
            title=_title(entry),
            published_at=parse_datetime(published),
        ))
    items.sort(key=lambda i: i.published_at or dt.datetime.max.replace(tzinfo=dt.timezone.utc))
    problem = parsed.get("bozo_exception")
    benign = isinstance(problem, (feedparser.CharacterEncodingOverride,
                                  feedparser.NonXMLContentType))
    warning = _one_line(problem) if parsed.bozo and not benign else None
    if unlinked and not items:  # told, not read as an empty, healthy feed (a podcast's
        # episodes without a page are skipped quietly beside others that have one)
        note = f"none of its {unlinked} items has a web link"
        warning = f"{warning}; {note}" if warning else note
    return items, warning


def _title(entry: dict) -> str | None:
    """The item's title as text: an HTML title ("Macron &amp; Le Pen <i>face</i> à face")
    loses its tags and entities, which reached the exports as written."""
    title = entry.get("title") or ""
    if (entry.get("title_detail") or {}).get("type") == "text/html":
        title = html.unescape(_TAG.sub(" ", title))
    return " ".join(title.split()) or None


_TAG = re.compile(r"<[^>]*>")
_OPML = re.compile(rb"<opml[\s>]", re.IGNORECASE)
_HTML = re.compile(rb"<(!doctype html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)


def list_files(folder: Path) -> list[Path]:
    """The .html/.htm/.txt files under a folder, sorted, hidden files skipped."""
    if not folder.is_dir():
        raise TrackerError(f"{folder}: " + ("not a folder" if folder.exists()
                                            else "folder not found"))
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in FILE_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def canonical_url(url: str) -> str:
    """Drop the fragment, tracking parameters and any ``user:password@``; lowercase scheme
    and host (an address is an article's identity, and is shown: no secret in it)."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(TRACKING_PREFIXES)]
    netloc = parts.netloc.rpartition("@")[2].lower()
    if (parts.scheme == "http" and netloc.endswith(":80")) or (
            parts.scheme == "https" and netloc.endswith(":443")):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:200]
