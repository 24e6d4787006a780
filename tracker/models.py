"""Plain data passed between stages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


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
    rule: str
