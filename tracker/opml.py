"""The feeds of an OPML file: the list every feed reader exports (Feedly, Inoreader,
NetNewsWire, Thunderbird). A source of kind ``opml`` in config.yaml becomes one feed source
per feed it lists, so that a press office's reading list is watched as it stands.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.parsers import expat

from tracker.errors import ConfigError
from tracker.kb import fold_text, slug

MAX_BYTES = 10 * 1024 * 1024  # a reader's list of thousands of feeds is a few hundred KB


@dataclass(frozen=True)
class ListedFeed:
    name: str  # a source-name part: the slug of its title, unique in the file
    url: str
    title: str


def read_opml(path: Path, where: str) -> list[ListedFeed]:
    """The feeds of the file, in its order (folders flattened, a feed listed twice kept
    once). ``where`` opens each error message (the config file and the source)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{where}: key 'path': {path}: OPML file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: key 'path': {path}: a folder, not an OPML file") from None
    except OSError as exc:
        raise ConfigError(f"{where}: key 'path': {path}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{where}: key 'path': {path}: larger than 10 MB, not a list of feeds")
    problem = _declares_a_dtd(data)
    if problem:
        raise ConfigError(f"{where}: key 'path': {path}: {problem}")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = f" (line {exc.position[0]})" if getattr(exc, "position", None) else ""
        raise ConfigError(f"{where}: key 'path': {path}: not valid XML{line}") from None
    body = _child(root, "body") if _local(root.tag) == "opml" else None
    if body is None:
        raise ConfigError(f"{where}: key 'path': {path}: not an OPML file (no <opml> with a "
                          "<body>)")
    listed: list[tuple[str, str, str]] = []  # (url, title, base name)
    urls: set[str] = set()
    for outline in body.iter():
        if _local(outline.tag) != "outline":
            continue
        url = _feed_url(outline.get("xmlUrl") or outline.get("xmlurl") or "")
        if not url or url in urls:
            continue
        urls.add(url)
        title = " ".join((outline.get("title") or outline.get("text") or "").split())
        listed.append((url, title, _slug(title) or _slug(_host(url)) or "feed"))
    # Feeds of one title are told apart by their addresses, not by their places in the
    # file: reordering the list renames none.
    shared = Counter(base for _, _, base in listed)
    feeds = [ListedFeed(base if shared[base] == 1 else f"{base}-{_short_hash(url)}", url,
                        title or url) for url, title, base in listed]
    if not feeds:
        raise ConfigError(f"{where}: key 'path': {path}: lists no feed (no outline with an "
                          "xmlUrl)")
    return feeds


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _short_hash(url: str) -> str:
    return hashlib.sha1(url.encode()).hexdigest()[:6]  # noqa: S324 - a name, not a secret


def _slug(text: str) -> str:
    return slug(fold_text(text))[:60].strip("-")  # "Nørge" -> "norge", as names are folded


def _feed_url(url: str) -> str:
    """The address as fetched: "feed://host/x" and "feed:https://host/x", which readers and
    browsers still write, are http(s)."""
    url = url.strip()
    if url.lower().startswith("feed:"):
        rest = url[5:]
        url = rest if rest.lower().startswith(("http://", "https://")) else "http:" + rest
    return url


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]  # "<opml xmlns=...>": the name without its namespace


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _declares_a_dtd(data: bytes) -> str | None:
    """Why the file is refused before it is read, if it is: an export needs no DTD, and
    entities are how XML files attack their readers (in any encoding the file declares)."""
    parser = expat.ParserCreate()

    def refuse(*_: object) -> None:
        raise _Doctype

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except _Doctype:
        return "declares a DTD or entities, which an OPML export never needs"
    except expat.ExpatError as exc:
        return f"not valid XML (line {exc.lineno})"
    except (ValueError, LookupError) as exc:  # "multi-byte encodings are not supported"
        return f"cannot read its encoding ({exc})"
    return None


class _Doctype(Exception):
    pass
