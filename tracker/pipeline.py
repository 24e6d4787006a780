"""One pass over one source: collect -> fetch -> extract -> tag -> store.

A ``Pipeline`` is built once per process with the config, the tagging pool and the
fetcher, and runs any source from any thread (each run opens its own database
connection). Articles go to the tagging processes a batch at a time while the source goes
on fetching; tagged batches are stored in order, each document in its own transaction.
A failing item is logged and skipped; a failing source is recorded and reported; neither
stops the others.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tracker.alerts.dispatch import Dispatcher
from tracker.alerts.outbox import Outbox
from tracker.config import Config, Source
from tracker.errors import FetchError, TrackerError
from tracker.extract import decode, detect_language, extract_html, extract_text
from tracker.fetch import Fetcher, Response
from tracker.models import Article
from tracker.sources import FeedItem, canonical_url, list_files, parse_feed
from tracker.store import Store, text_hash
from tracker.tagpool import TagPool

if TYPE_CHECKING:
    from tracker.tag import Tagger

log = logging.getLogger(__name__)
# A feed listing thousands of items (an archive dump, a hostile feed) would keep one
# source busy for hours: each pass takes the newest ones, the rest wait for later passes.
MAX_ITEMS_PER_PASS = 200
BATCH = 8  # articles per tagging batch: enough for nlp.pipe, small enough to store soon


@dataclass
class RunResult:
    source: str
    new_documents: int = 0
    mentions: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    failed: str | None = None
    failures: int = 0  # consecutive failed passes of this source, this one included


def build_fetcher(config: Config) -> Fetcher:
    d = config.defaults
    return Fetcher(user_agent=d.user_agent, timeout=d.timeout, per_host_delay=d.per_host_delay,
                   max_bytes=d.max_bytes, allow_networks=config.allow_networks)


def article_from_body(body: bytes, *, source: str, url: str, charset: str | None = None,
                      is_html: bool = True, feed_item: FeedItem | None = None,
                      lang_hint: str | None = None, file_time: dt.datetime | None = None,
                      languages: Sequence[str] = ()) -> tuple[Article, str | None]:
    """Build the document from raw bytes; also returns the page's canonical URL if any."""
    text = decode(body, charset)
    page = extract_html(text, url) if is_html else extract_text(text)
    now = dt.datetime.now(dt.timezone.utc)
    if feed_item and feed_item.published_at:
        published, date_source = feed_item.published_at, "feed"
    elif page.published_at:
        published, date_source = page.published_at, "page"
    elif file_time:
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


class Pipeline:
    def __init__(self, config: Config, tags: TagPool, fetcher: Fetcher, db_path: Path,
                 stop: threading.Event | None = None):
        self.config = config
        self.tags = tags
        self.fetcher = fetcher
        self.db_path = db_path
        self.stop = stop or threading.Event()
        # Alert rules: mention rules queue their alerts as documents are stored; the
        # dispatcher sends them (and checks spikes and digests).
        self.outbox = Outbox(config.alerts, config.timezone) if config.alerts else None
        self.dispatcher = Dispatcher(config, fetcher, outbox=self.outbox) \
            if self.outbox else None
        # Detection chooses among the tagged languages and those the sources list.
        self.languages = tuple(sorted({s.lang for s in config.sources if s.lang}))
        # The language model loads once, here, not in each source thread of the first pass.
        detect_language("Le gouvernement présente son budget à l'Assemblée nationale.",
                        among=self.languages)
        # Called with (source, new documents, mentions, done, failure) as a pass goes.
        self.on_progress: Callable[[str, int, int, bool, str | None], None] | None = None

    def run_source(self, source: Source) -> RunResult:
        """One pass over one source; never raises for a source's own failure."""
        result = RunResult(source.name)
        started = time.monotonic()
        with Store(self.db_path) as store:
            store.on_saved = self.outbox.on_saved if self.outbox else None
            pending = _Pending(self, store, result)
            try:
                try:
                    if source.kind == "feed":
                        self._run_feed(source, store, result, pending)
                    elif source.kind == "page":
                        self._run_page(source, store, result, pending)
                    else:
                        self._run_files(source, store, result, pending)
                finally:
                    pending.finish()  # what was extracted before a failure is kept
            except TrackerError as exc:
                result.failed = str(exc)
            except Exception as exc:  # noqa: BLE001 - a bug in one source must not stop others
                log.exception("unexpected error", extra={"source": source.name})
                result.failed = f"unexpected error: {type(exc).__name__}: {exc}"
            result.failures = store.record_run(source.name, ok=result.failed is None,
                                               error=result.failed,
                                               new_docs=result.new_documents)
            store.prune_fetches(source.name, self.config.keep_fetch_log)
        took = round(time.monotonic() - started, 2)
        if result.failed:
            log.warning("pass failed", extra={"source": source.name, "error": result.failed,
                                              "failures": result.failures, "seconds": took})
        else:
            log.info("pass done", extra={
                "source": source.name, "new_documents": result.new_documents,
                "mentions": result.mentions, "skipped": result.skipped,
                "errors": len(result.errors), "seconds": took})
        self._progress(result, done=True)
        return result

    def _progress(self, result: RunResult, done: bool = False) -> None:
        if self.on_progress:
            self.on_progress(result.source, result.new_documents, result.mentions, done,
                             result.failed)

    # -- kinds -------------------------------------------------------------------------
    def _fetch(self, store: Store, source: Source, url: str, *, conditional: bool = False
               ) -> Response:
        etag, modified = store.cache_headers(url) if conditional else (None, None)
        started = time.monotonic()
        try:
            resp = self.fetcher.fetch(url, timeout=source.timeout, etag=etag,
                                      last_modified=modified)
        except FetchError as exc:
            store.log_fetch(source.name, url, status=exc.status, outcome="error",
                            duration=time.monotonic() - started, error=exc.reason)
            raise
        store.log_fetch(source.name, url, status=resp.status,
                        outcome="not-modified" if resp.not_modified else "ok",
                        size=len(resp.body), duration=resp.elapsed)
        return resp

    def _run_feed(self, source: Source, store: Store, result: RunResult,
                  pending: _Pending) -> None:
        assert source.url
        resp = self._fetch(store, source, source.url, conditional=True)
        if resp.not_modified:
            return
        items, warning = parse_feed(resp.body, resp.final_url,
                                    resp.content_type or "application/xml")
        if warning:
            log.warning("malformed feed, items salvaged", extra={
                "source": source.name, "items": len(items), "problem": warning})
        if len(items) > MAX_ITEMS_PER_PASS:
            log.warning("feed truncated", extra={"source": source.name, "items": len(items),
                                                 "kept_newest": MAX_ITEMS_PER_PASS})
            items = items[-MAX_ITEMS_PER_PASS:]
        retry_later = False
        for item in items:
            if self.stop.is_set():
                return
            url = canonical_url(item.url)
            if store.has_url(url):
                result.skipped += 1
                continue
            try:
                page = self._fetch(store, source, url)
            except FetchError as exc:
                result.errors.append(str(exc))
                # A 503 or a timeout may pass: keep polling the feed in full until it does.
                retry_later = retry_later or exc.retryable or (exc.status or 0) in (429, 503)
                log.warning("item skipped", extra={"source": source.name, "url": exc.url,
                                                   "reason": exc.reason})
                continue
            article, canonical = article_from_body(
                page.body, source=source.name, url=url, charset=page.charset,
                is_html=page.content_type != "text/plain", feed_item=item, lang_hint=source.lang,
                languages=self.languages)
            link = url
            if canonical and _same_host(canonical, url) and canonical_url(canonical) != url:
                url = canonical_url(canonical)
                article = dataclasses.replace(article, url=url)
                if store.has_url(url):
                    result.skipped += 1
                else:
                    pending.add(article)
                    pending.finish()  # stored now, so the alias can point to it
                store.remember_alias(link, url)  # next time, known without fetching
                continue
            pending.add(article)
        pending.finish()
        if not retry_later and not pending.failed:  # only now may the next poll be a 304
            store.remember_headers(source.url, resp.etag, resp.last_modified)

    def _run_page(self, source: Source, store: Store, result: RunResult,
                  pending: _Pending) -> None:
        assert source.url
        resp = self._fetch(store, source, source.url, conditional=True)
        if resp.not_modified:
            return
        url = canonical_url(source.url)
        article, _ = article_from_body(resp.body, source=source.name, url=url,
                                       charset=resp.charset,
                                       is_html=resp.content_type != "text/plain",
                                       lang_hint=source.lang, languages=self.languages)
        latest = store.latest(url)
        if latest and latest[1] == text_hash(article.text):
            result.skipped += 1
        else:
            pending.add(article, previous=latest[0] if latest else None)
        pending.finish()
        if not pending.failed:
            store.remember_headers(source.url, resp.etag, resp.last_modified)

    def _run_files(self, source: Source, store: Store, result: RunResult,
                   pending: _Pending) -> None:
        assert source.path
        for path in list_files(source.path):
            if self.stop.is_set():
                return
            url = path.resolve().as_uri()
            try:
                stat = path.stat()
                if stat.st_size > self.config.defaults.max_bytes:
                    result.errors.append(f"{path}: {stat.st_size} bytes, more than max_bytes")
                    log.warning("file skipped", extra={"source": source.name, "path": str(path),
                                                       "reason": "larger than max_bytes"})
                    continue
                body = path.read_bytes()
                mtime = dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc)
            except OSError as exc:
                result.errors.append(f"{path}: {exc.strerror}")
                continue
            article, _ = article_from_body(body, source=source.name, url=url,
                                           is_html=path.suffix.lower() != ".txt",
                                           lang_hint=source.lang, file_time=mtime,
                                           languages=self.languages)
            if article.title is None:
                article = dataclasses.replace(article, title=path.stem)
            latest = store.latest(url)
            if latest and latest[1] == text_hash(article.text):
                result.skipped += 1
                continue
            pending.add(article, previous=latest[0] if latest else None)

    def start_alerts(self) -> None:
        """The daemon: deliver alerts, and check spikes and digests, in a thread of their
        own."""
        if self.dispatcher is not None:
            self.dispatcher.start(self.db_path)

    def alerts_once(self) -> dict[str, int]:
        """`run --once`: queue the spikes and digests due now, then try each due alert
        once (a failed one waits in the outbox for the next run)."""
        if self.dispatcher is None:
            return {}
        with Store(self.db_path) as store:
            try:
                self.dispatcher.check(store)
            except Exception:  # noqa: BLE001 - what was collected is stored; say why not
                log.exception("alert check failed")
            return self.dispatcher.deliver(store, budget=60.0)

    def close(self) -> None:
        """Stop the tagging processes (batches already submitted still complete) and the
        alert thread."""
        if self.dispatcher is not None:
            self.dispatcher.close()
        self.tags.close()


class _Pending:
    """One pass's articles on their way through tagging: sent a batch at a time, at most
    a few batches ahead, and stored in the order they came."""

    def __init__(self, pipeline: Pipeline, store: Store, result: RunResult):
        self.pipeline, self.store, self.result = pipeline, store, result
        self.batch: list[tuple[Article, str | None]] = []
        self.sent: list[tuple[Future, list[tuple[Article, str | None]]]] = []
        self.ahead = max(2, pipeline.tags.processes)
        self.failed = 0  # articles whose tagging failed: a feed must be read again

    def add(self, article: Article, previous: str | None = None) -> None:
        if not article.text.strip():
            self.result.errors.append(f"{article.url}: no main text found")
            return
        self.batch.append((article, previous))
        if len(self.batch) >= BATCH:
            self._send()
        while len(self.sent) > self.ahead:
            self._store_oldest()

    def finish(self) -> None:
        """Send what is left and store every batch sent."""
        if self.batch:
            self._send()
        while self.sent:
            self._store_oldest()

    def _send(self) -> None:
        items = [(a.text, a.lang, a.day) for a, _ in self.batch]
        self.sent.append((self.pipeline.tags.submit(items), self.batch))
        self.batch = []

    def _store_oldest(self) -> None:
        future, articles = self.sent.pop(0)
        try:
            tagged = future.result()
        except Exception as exc:  # noqa: BLE001 - a dead worker costs a batch, not the pass
            self.failed += len(articles)
            self.result.errors.append(f"tagging failed for {len(articles)} articles: {exc}")
            log.error("tagging failed", extra={"source": self.result.source,
                                               "articles": len(articles), "error": str(exc)})
            return
        tags = self.pipeline.tags
        for (article, previous), (mentions, candidates) in zip(articles, tagged, strict=True):
            saved = self.store.save(article, mentions, kb_version=tags.kb.version,
                                    tagger_version=tags.version, previous=previous)
            if saved:
                self.store.count_candidates(candidates, article.url)
                self.result.new_documents += 1
                self.result.mentions += len(mentions)
                self.pipeline._progress(self.result)


def _same_host(a: str, b: str) -> bool:
    """A page may only rename itself within its own site (no cross-site canonical)."""
    return urlsplit(a).netloc.lower() == urlsplit(b).netloc.lower()


def retag(store: Store, tagger: Tagger, since: dt.date | None = None) -> tuple[int, int]:
    """Recompute the mentions of stored documents with the current KB and tagger, one
    document per transaction; returns (documents, mentions)."""
    documents = mentions = 0
    for row in list(store.documents(since)):
        article = Article(
            source=row["source"], url=row["url"], text=row["text"], lang=row["lang"],
            published_at=dt.datetime.fromisoformat(row["published_at"].replace("Z", "+00:00")),
            date_source=row["date_source"], fetched_at=dt.datetime.now(dt.timezone.utc),
            title=row["title"], author=row["author"])
        found = tagger.tag(article.text, article.lang, article.day)
        store.replace_mentions(row["id"], article, found, kb_version=tagger.kb.version,
                               tagger_version=tagger.version)
        documents += 1
        mentions += len(found)
    return documents, mentions
