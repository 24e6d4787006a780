"""Plain data passed between stages."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.dedupe import Fingerprint
    from tracker.sources import FeedItem

# The version of the tagging rules, stored with each mention. Here, not in tracker.tag, so
# that the main process of `tracker run` knows it without importing spaCy.
TAGGER_VERSION = "14"
# Why a page or file read gives no document: a file so is passed over until it changes.
NO_TEXT = "no main text found"


def tagger_version(kb_version: str) -> str:
    """What each mention records as ``tagger_version``: the rules' version and the KB's."""
    return f"{TAGGER_VERSION}+kb.{kb_version}"


@dataclass(frozen=True)
class Article:
    """One document ready to tag and store: the main text and where and when it came from."""

    source: str
    url: str
    text: str
    lang: str
    published_at: dt.datetime
    date_source: str  # "feed", "page", "file" or "fetch": where published_at came from
    fetched_at: dt.datetime
    title: str | None = None
    author: str | None = None

    @property
    def day(self) -> dt.date:
        return self.published_at.date()

    def position(self, offset: int) -> str:
        """Where a mention stands: "title" (the headline, first line), "lead" (the first
        paragraph after it) or "body"."""
        title_end, lead_end = self._bounds
        if offset < title_end:
            return "title"
        return "lead" if offset < lead_end else "body"

    @functools.cached_property
    def _bounds(self) -> tuple[int, int]:
        """Where the headline and the lead end, worked out once per article."""
        lines = self.text.split("\n")
        title_end = len(lines[0]) if self.title and lines[0].strip() == self.title else 0
        lead_end, seen = 0, 0
        for line in lines:
            seen += len(line) + 1
            if seen > title_end + 1 and line.strip():
                lead_end = seen
                break
        return title_end, lead_end


@dataclass(frozen=True)
class Mention:
    """One mention in one text, linked to a KB entity; offsets are characters in the text."""

    entity_id: str
    entity_type: str
    party_id: str | None
    surface: str
    start: int
    end: int
    sentence: str
    # alias, alias-abroad, fuzzy, surname, surname-after-name, surname-in-context,
    # surname-family, member, honorific, discovered, discovered-after-name
    rule: str
    entity_name: str | None = None  # a discovered person's name (not in the KB)

    @property
    def method(self) -> str:
        """How it was linked: "rule" (a KB name), "coreference" (a surname after the full
        name) or "context" (a surname with a title or the model's PER label)."""
        if self.rule in ("surname-after-name", "surname-family"):
            return "coreference"
        if self.rule == "member":
            return "member"  # "socialistes", "Democrats": counts for the party, not --direct
        if self.rule in ("discovered", "discovered-after-name"):
            return "discovered"
        return "context" if self.rule in ("surname-in-context", "honorific") else "rule"

    @property
    def confidence(self) -> float:
        """How sure the link is, by rule (checked on the gold set: none of these erred)."""
        return {"alias": 0.99, "alias-abroad": 0.85, "surname-after-name": 0.95,
                "surname": 0.9, "fuzzy": 0.85, "surname-in-context": 0.8, "member": 0.8,
                "honorific": 0.8, "surname-family": 0.75, "discovered": 0.6,
                "discovered-after-name": 0.6}.get(self.rule, 0.5)


@dataclass(frozen=True)
class Candidate:
    """A person or organisation name the model found that no KB entry covers."""

    name: str
    label: str  # PER or ORG
    sentence: str


@dataclass(frozen=True)
class Fetched:
    """A body fetched (or read from a file) by the main process, on its way to a worker."""

    source: str
    url: str  # where it is stored (the link's canonical form)
    body: bytes
    fetched_at: dt.datetime
    charset: str | None = None
    is_html: bool = True
    lang_hint: str | None = None
    feed_item: FeedItem | None = None
    file_time: dt.datetime | None = None
    name: str | None = None  # a file's name: the title when the text gives none
    moved_to: str | None = None  # a feed link's canonical URL after redirects, if another
    versioned: bool = False  # a watched page or file: a changed text is a new version
    previous: str | None = None  # the id of its latest stored version, if any
    known_digest: str | None = None  # that version's text hash: unchanged, it is not
    # fingerprinted nor tagged again
    stamp: str | None = None  # a file's size and time: one that gives no document is
    # passed over until they change


@dataclass(frozen=True)
class Prepared:
    """A page made ready to store, or ``error`` saying why it cannot be."""

    article: Article | None
    canonical: str | None = None  # the page's own canonical URL, if it names one
    digest: str = ""
    print_: Fingerprint | None = None
    mentions: list[Mention] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    error: str | None = None
    unchanged: bool = False  # its text is the known version's: not fingerprinted, not tagged
