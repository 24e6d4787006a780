"""The feeds of an OPML file: the list every feed reader exports (Feedly, Inoreader,
NetNewsWire, Thunderbird). A source of kind ``opml`` in config.yaml becomes one feed source
per feed it lists, so that a press office's reading list is watched as it stands.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tracker.errors import ConfigError
from tracker.kb import slug

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
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        # An export needs no DTD; entities are how XML files attack their readers.
        raise ConfigError(f"{where}: key 'path': {path}: declares a DTD or entities, which "
                          "an OPML export never needs")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = f" (line {exc.position[0]})" if getattr(exc, "position", None) else ""
        raise ConfigError(f"{where}: key 'path': {path}: not valid XML{line}") from None
    if root.tag != "opml" or root.find("body") is None:
        raise ConfigError(f"{where}: key 'path': {path}: not an OPML file (no <opml> with a "
                          "<body>)")
    feeds: list[ListedFeed] = []
    urls: set[str] = set()
    names: set[str] = set()
    for outline in root.find("body").iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url or url in urls:
            continue
        urls.add(url)
        title = " ".join((outline.get("title") or outline.get("text") or "").split())
        base = slug(title)[:60].strip("-") or slug(_host(url))[:60].strip("-") or "feed"
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.add(name)
        feeds.append(ListedFeed(name, url, title or url))
    if not feeds:
        raise ConfigError(f"{where}: key 'path': {path}: lists no feed (no outline with an "
                          "xmlUrl)")
    return feeds


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""
