"""From a fetched body to a document ready to store: extract, detect the language,
fingerprint, tag. This is the per-page work, and it runs in the worker processes
(``tracker.workers``), so the main process only schedules and fetches (a writing
process stores).

``Fetched`` (``tracker.models``) is what the main process sends: the bytes and what it
knows of them; ``Prepared`` is what comes back: the article, its hash and fingerprint, its
mentions and candidates, or why there is no document.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from tracker.dedupe import fingerprint, text_hash
from tracker.extract import decode, detect_language, extract_html, extract_text
from tracker.models import NO_TEXT, Article, Fetched, Prepared
from tracker.sources import FeedItem

if TYPE_CHECKING:
    from tracker.tag import Tagger

log = logging.getLogger(__name__)
PIPE_BATCH = 4
FUTURE_SLACK = dt.timedelta(hours=26)  # a date this far ahead is still today somewhere
# Feeds began in 1999: an item dated before 1990 carries a placeholder (CMSs write
# 1900-01-01 or the Unix epoch for "no date"), which would count its mentions in 1900.
# A file's time before 1980 is a reset clock or an archive's zero. A date written in the
# text itself may be older (an archive of 1988 articles) and is believed.
EARLIEST_FEED = dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)
EARLIEST_FILE = dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)


def article_from_body(body: bytes, *, source: str, url: str, charset: str | None = None,
                      is_html: bool = True, feed_item: FeedItem | None = None,
                      lang_hint: str | None = None, file_time: dt.datetime | None = None,
                      languages: Sequence[str] = (), fetched_at: dt.datetime | None = None
                      ) -> tuple[Article, str | None]:
    """Build the document from raw bytes; also returns the page's canonical URL if any."""
    text = decode(body, charset)
    page = extract_html(text, url) if is_html else extract_text(text)
    now = fetched_at or dt.datetime.now(dt.timezone.utc)
    # A date ahead of the fetch by more than time zones explain is a typo or a scheduled
    # post's: kept, it would head every "newest first" list and stretch every default
    # window until that day.
    latest = now + FUTURE_SLACK
    if feed_item and feed_item.published_at \
            and EARLIEST_FEED <= feed_item.published_at <= latest:
        published, date_source = feed_item.published_at, "feed"
    elif page.published_at and page.published_at <= latest:
        published, date_source = page.published_at, "page"
    elif file_time and EARLIEST_FILE <= file_time <= latest:  # a clock set wrong: the same
        published, date_source = file_time, "file"
    else:
        published, date_source = now, "fetch"
    title = page.title or (feed_item.title if feed_item else None)
    article = Article(
        source=source, url=url, text=page.text,
        lang=detect_language(page.text, lang_hint, page.lang, among=languages),
        published_at=published, date_source=date_source, fetched_at=now,
        title=title, author=page.author,
    )
    return article, page.canonical_url


def prepare_many(pages: Sequence[Fetched], tagger: Tagger, languages: Sequence[str] = ()
                 ) -> list[Prepared]:
    """Each page extracted, fingerprinted and tagged (the texts together, through
    ``nlp.pipe``). A page that cannot be read costs only itself."""
    out: list[Prepared] = []
    for page in pages:
        try:
            article, canonical = article_from_body(
                page.body, source=page.source, url=page.url, charset=page.charset,
                is_html=page.is_html, feed_item=page.feed_item, lang_hint=page.lang_hint,
                file_time=page.file_time, languages=languages, fetched_at=page.fetched_at)
        except Exception as exc:  # noqa: BLE001 - a hostile page must not cost the batch
            log.warning("page unreadable", extra={"url": page.url, "error": repr(exc)})
            out.append(Prepared(None, error=f"{page.url}: unreadable ({type(exc).__name__})"))
            continue
        if article.title is None and page.name:
            article = replace(article, title=page.name)
        if not article.text.strip():
            out.append(Prepared(article, canonical, error=f"{page.url}: {NO_TEXT}"))
            continue
        digest = text_hash(article.text)
        if digest == page.known_digest:  # a watched page that has not changed
            out.append(Prepared(article, canonical, digest, unchanged=True))
            continue
        out.append(Prepared(article, canonical, digest, fingerprint(article.text)))
    todo = [i for i, p in enumerate(out) if p.error is None and not p.unchanged]
    # nlp.pipe four texts at a time: as fast as more, and the model's working memory
    # (about 10 MB a text) stays small in each worker.
    found = tagger.analyse_many([(out[i].article.text, out[i].article.lang,  # type: ignore[union-attr]
                                  out[i].article.day) for i in todo],  # type: ignore[union-attr]
                                batch_size=PIPE_BATCH)
    for i, (mentions, candidates) in zip(todo, found, strict=True):
        out[i] = replace(out[i], mentions=mentions, candidates=candidates)
    return out
