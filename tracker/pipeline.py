"""One pass over one source: collect -> fetch -> (workers: extract, tag) -> store.

A ``Pipeline`` is built once per process with the config, the worker pool and the
fetcher, and runs any source from any thread (each run opens its own database
connection). The main process only schedules and fetches: each fetched body goes
to the worker processes a batch at a time (``tracker.prepare``: extraction, language,
fingerprint, tagging) while the source goes on fetching; prepared batches go, in order and
with the fetch log rows gathered meanwhile, to the one thread that writes every source's
batches (``tracker.writer``), in a process of its own when the pages are tagged by worker
processes (``tracker.writeprocess``). A failing
item is logged and skipped; a failing source is recorded and reported; neither stops
the others.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tracker.alerts.dispatch import Dispatcher
from tracker.alerts.outbox import Outbox
from tracker.config import Config, Source
from tracker.errors import FetchError, Interrupted, TrackerError
from tracker.fetch import Fetcher, Response
from tracker.models import TAGGER_VERSION, Article, Fetched
from tracker.redact import redacted
from tracker.sources import canonical_url, list_files
from tracker.store import Store, iso
from tracker.workers import Job, WorkerPool
from tracker.writeprocess import WriterProcess
from tracker.writer import SaveBatch, Writer

if TYPE_CHECKING:
    from tracker.tag import Tagger

log = logging.getLogger(__name__)
# A feed listing thousands of items (an archive dump, a hostile feed) would keep one
# source busy for hours: each pass takes the newest ones, the rest wait for later passes.
MAX_ITEMS_PER_PASS = 200


def newest_items(items: list, limit: int) -> list:
    """The ``limit`` newest of a feed's items (oldest first, undated last in the feed's
    order), in their order: the undated ones the feed lists first are its newest. Keeping
    the last 200 of 300 undated items kept the oldest, and never took a new story."""
    undated = [i for i in items if i.published_at is None]
    dated = [i for i in items if i.published_at is not None]
    if len(undated) >= limit:
        return undated[:limit]
    return dated[max(0, len(dated) - (limit - len(undated))):] + undated
KNOWN_AHEAD = 16  # feed items whose URLs are looked up in the store at once
# A feed's pass stops asking for its links after this many seconds; the rest come at the
# next pass (200 links dripping to their deadline took hours, the source's next runs with
# them).
PASS_BUDGET = 600.0
SLOW_LINK_HOLD = dt.timedelta(days=1)
BATCH = 8  # pages per batch: enough for nlp.pipe, small enough to store soon


@dataclass
class RunResult:
    source: str
    new_documents: int = 0
    mentions: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    failed: str | None = None
    failures: int = 0  # consecutive failed passes of this source, this one included
    interrupted: bool = False  # a fetch was cut because tracker is stopping


def build_fetcher(config: Config, stop: threading.Event | None = None) -> Fetcher:
    d = config.defaults
    return Fetcher(user_agent=d.user_agent, timeout=d.timeout, per_host_delay=d.per_host_delay,
                   max_bytes=d.max_bytes, allow_networks=config.allow_networks, stop=stop)


class Pipeline:
    def __init__(self, config: Config, workers: WorkerPool, fetcher: Fetcher, db_path: Path,
                 stop: threading.Event | None = None):
        self.config = config
        self.workers = workers
        self.fetcher = fetcher
        self.db_path = db_path
        self.stop = stop or threading.Event()
        self.pass_budget = PASS_BUDGET
        # Alert rules: mention rules queue their alerts as documents are stored; the
        # dispatcher sends them (and checks spikes and digests).
        self.outbox = Outbox(config.alerts, config.timezone) if config.alerts else None
        self.dispatcher = Dispatcher(config, fetcher, outbox=self.outbox) \
            if self.outbox else None
        # With worker processes, the writing is a process of its own too (its 4 ms a page
        # would take from the sources' fetching under this process's GIL).
        self.writer: Writer | WriterProcess = (
            WriterProcess(db_path, config.alerts, config.timezone) if workers.processes > 1
            else Writer(db_path, on_saved=self.outbox.on_saved if self.outbox else None))
        if isinstance(self.writer, WriterProcess):
            self.writer.start()  # its imports while the workers load
        # Sources run in parallel threads (fetching is waiting): enough of them to keep
        # every worker busy, each host still fetched one request at a time.
        self.parallel_sources = max(4, min(32, 2 * workers.processes))
        # Called with (source, new documents, mentions, done, failure) as a pass goes.
        self.on_progress: Callable[[str, int, int, bool, str | None], None] | None = None

    def run_source(self, source: Source) -> RunResult:
        """One pass over one source; never raises for a source's own failure."""
        result = RunResult(source.name)
        started = time.monotonic()
        with Store(self.db_path) as store:
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
            except Interrupted:
                result.interrupted = True
            except TrackerError as exc:
                result.failed = str(exc)
            except Exception as exc:  # noqa: BLE001 - a bug in one source must not stop others
                log.exception("unexpected error", extra={"source": source.name})
                result.failed = f"unexpected error: {type(exc).__name__}: {exc}"
            if not result.interrupted:  # cut by Ctrl-C: no verdict on the source
                result.failures = store.record_run(source.name, ok=result.failed is None,
                                                   error=result.failed,
                                                   new_docs=result.new_documents)
            store.prune_fetches(source.name, self.config.keep_fetch_log)
        took = round(time.monotonic() - started, 2)
        if result.interrupted:
            log.info("pass interrupted", extra={
                "source": source.name, "new_documents": result.new_documents,
                "seconds": took})
        elif result.failed:
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
    def _fetch(self, pending: _Pending, source: Source, url: str, *,
               conditional: bool = False, feed: bool = False) -> Response:
        etag, modified = pending.store.cache_headers(redacted(url)) if conditional else (None, None)
        started = time.monotonic()
        try:
            resp = self.fetcher.fetch(url, timeout=source.timeout, etag=etag,
                                      last_modified=modified, feed=feed)
        except FetchError as exc:
            pending.log_fetch(source.name, url, exc.status, "error",
                              duration=time.monotonic() - started, error=exc.reason)
            raise
        pending.log_fetch(source.name, url, resp.status,
                          "not-modified" if resp.not_modified else "ok",
                          size=len(resp.body), duration=resp.elapsed)
        return resp

    def _run_feed(self, source: Source, store: Store, result: RunResult,
                  pending: _Pending) -> None:
        assert source.url
        resp = self._fetch(pending, source, source.url, conditional=True, feed=True)
        if resp.not_modified:
            return
        items, warning = self.workers.parse_feed(resp.body, resp.final_url,
                                                 resp.content_type or "application/xml")
        if warning:
            log.warning("feed read in part", extra={
                "source": source.name, "items": len(items), "problem": warning})
        if len(items) > MAX_ITEMS_PER_PASS:
            log.warning("feed truncated", extra={"source": source.name, "items": len(items),
                                                 "kept_newest": MAX_ITEMS_PER_PASS})
            items = newest_items(items, MAX_ITEMS_PER_PASS)
        retry_later = False
        tried = failed = held = 0
        first_error = ""
        urls = [canonical_url(item.url) for item in items]
        known: dict[str, str | None] = {}  # stored, held as failed, or tried in this pass
        started = time.monotonic()
        for i, (item, url) in enumerate(zip(items, urls, strict=True)):
            if self.stop.is_set():
                return
            if time.monotonic() - started > self.pass_budget:
                retry_later = True  # no 304 next time: the rest are read then
                log.warning("pass budget spent", extra={
                    "source": source.name, "seconds": int(self.pass_budget),
                    "items_left": len(items) - i})
                break
            # Looked up a few items ahead, not the whole feed at once: a link stored
            # meanwhile by another source (the same article in two feeds) is seen unless
            # it was stored within the last few fetches. A link twice in this feed is
            # fetched once.
            if i % KNOWN_AHEAD == 0:
                known.update(store.known_urls(urls[i:i + KNOWN_AHEAD]))
            if url in known:
                result.skipped += 1
                if known[url] is not None:  # failed in an earlier pass, held for now
                    held += 1
                    if known[url]:
                        first_error = first_error or f"{redacted(url)}: {known[url]}"
                continue
            known[url] = ""  # tried now: listed again, it proves nothing read
            tried += 1
            try:
                # Asked as the feed lists it when it carries credentials (a private feed's
                # links); stored under the canonical address, without them.
                asked = item.url if "@" in urlsplit(item.url).netloc else url
                page = self._fetch(pending, source, asked)
            except Interrupted:
                raise  # the feed's validators are not kept: its next poll sees this item
            except FetchError as exc:
                failed += 1
                first_error = first_error or str(exc)
                result.errors.append(str(exc))
                if exc.lasting:  # gone, or a PDF: not fetched again for a week
                    store.remember_failure(url, exc.reason)
                elif exc.slow:
                    # Ran to its deadline: not asked again for a day, so that slow links
                    # cannot spend every pass's budget before the newer ones are read.
                    store.remember_failure(url, exc.reason, hold=SLOW_LINK_HOLD)
                # A 500, a deadline or a 403 may pass: keep polling the feed in full (no
                # 304) until it does. An item gone for good is skipped for a week; a
                # redirect loop, a body too big, robots.txt's no are no hiccups.
                retry_later = retry_later or exc.passing
                log.warning("item skipped", extra={"source": source.name, "url": exc.url,
                                                   "reason": exc.reason})
                continue
            final = canonical_url(page.final_url)
            pending.add(Fetched(source.name, url, page.body, _now(), charset=page.charset,
                                is_html=page.content_type != "text/plain",
                                lang_hint=source.lang, feed_item=item,
                                moved_to=final if final != url else None))
        pending.finish()
        failing = failed + len(pending.not_stored)
        if failing and not result.new_documents and result.skipped == held:
            # A feed none of whose links can be read (a wall of 403s, pages without text)
            # is not healthy, on its first pass as on the next ones, where the links gone
            # for good are held (not read: they do not make it healthy); one whose others
            # are stored already only has this pass's new items failing, and one whose
            # items are all held has nothing new to read.
            raise TrackerError(f"{redacted(source.url)}: every new item failed "
                               f"({failing + held}); the first: "
                               f"{first_error or pending.not_stored[0]}")
        if not retry_later and not pending.failed:  # only now may the next poll be a 304
            store.remember_headers(redacted(source.url), resp.etag, resp.last_modified)

    def _run_page(self, source: Source, store: Store, result: RunResult,
                  pending: _Pending) -> None:
        assert source.url
        resp = self._fetch(pending, source, source.url, conditional=True)
        if resp.not_modified:
            return
        url = canonical_url(source.url)
        previous, digest = store.latest(url) or (None, None)
        pending.add(Fetched(source.name, url, resp.body, _now(), charset=resp.charset,
                            is_html=resp.content_type != "text/plain", lang_hint=source.lang,
                            versioned=True, previous=previous, known_digest=digest))
        pending.finish()
        if pending.not_stored:  # the page gives no text: failing (and no 304 next time)
            raise TrackerError(pending.not_stored[0])
        if not pending.failed:
            store.remember_headers(redacted(source.url), resp.etag, resp.last_modified)

    def _run_files(self, source: Source, store: Store, result: RunResult,
                   pending: _Pending) -> None:
        assert source.path
        passed_over = store.skipped_files()
        max_bytes = self.config.defaults.max_bytes
        for path in list_files(source.path):
            if self.stop.is_set():
                return
            try:
                stat = path.stat()
                url = path.resolve().as_uri()
                # A file that gave no document is told once, then passed over until it
                # changes (its size or time); a larger max_bytes, or a new tracker's
                # reading, reads it again.
                stamp = f"{stat.st_size}:{stat.st_mtime_ns}:v{TAGGER_VERSION}"
                if passed_over.get(url) in (stamp, f"{stamp}:{max_bytes}"):
                    result.skipped += 1
                    continue
                if stat.st_size > max_bytes:
                    result.errors.append(f"{path}: {stat.st_size} bytes, more than max_bytes")
                    log.warning("file skipped", extra={"source": source.name, "path": str(path),
                                                       "reason": "larger than max_bytes"})
                    store.remember_skipped(url, f"{stamp}:{max_bytes}", "larger than max_bytes")
                    continue
                body = path.read_bytes()
            except OSError as exc:  # told on every pass: a permission is fixed in place
                result.errors.append(f"{path}: {exc.strerror}")
                continue
            previous, digest = store.latest(url) or (None, None)
            pending.add(Fetched(
                source.name, url, body, _now(), is_html=path.suffix.lower() != ".txt",
                lang_hint=source.lang,
                file_time=dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc),
                name=path.stem, versioned=True, previous=previous, known_digest=digest,
                stamp=stamp))

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
        """Stop the worker processes (batches already submitted still complete), the
        alert thread and the writer (its thread or its process), whatever fails first."""
        try:
            try:
                if self.dispatcher is not None:
                    self.dispatcher.close()
            finally:
                self.workers.close()
        finally:
            self.writer.close()


class _Pending:
    """One pass's pages on their way through the workers: sent a batch at a time, at most
    a few batches ahead, and handed to the writing thread in the order they came (with the
    fetch log rows gathered since the last one). The pass ends when they are written."""

    def __init__(self, pipeline: Pipeline, store: Store, result: RunResult):
        self.pipeline, self.store, self.result = pipeline, store, result
        self.batch: list[Fetched] = []
        self.sent: list[tuple[Job, list[Fetched]]] = []
        self.writes: list[Future] = []  # batches handed to the writer
        self.ahead = max(2, pipeline.workers.processes)
        self.fetches: list[tuple] = []
        self.failed = 0  # pages whose preparation failed: a feed must be read again
        self.not_stored: list[str] = []  # why pages read were not stored (no text...)

    def log_fetch(self, source: str, url: str, status: int | None, outcome: str, *,
                  size: int = 0, duration: float = 0.0, error: str | None = None) -> None:
        self.fetches.append((source, redacted(url), status, outcome, size,
                             int(duration * 1000), error, iso(_now())))

    def add(self, page: Fetched) -> None:
        self.batch.append(page)
        if len(self.batch) >= BATCH:
            self._send()
        while len(self.sent) > self.ahead:
            self._store_oldest()
        # Batches the workers are done with go to the writer now, between two fetches, not
        # all at the end of the pass.
        while self.sent and self.sent[0][0].done():
            self._store_oldest()
        while self.writes and self.writes[0].done():
            # Counted now it is committed; a batch that could not be written fails the pass.
            self._count(self.writes.pop(0).result())

    def finish(self) -> None:
        """Send what is left, wait until every batch sent is written, and write the fetch
        log."""
        try:
            if self.batch:
                self._send()
            while self.sent:
                self._store_oldest()
        finally:
            writes, self.writes = self.writes, []
            wait(writes)
            if self.fetches:
                self.store.log_fetches(self.fetches)
                self.fetches = []
        failure = next((w.exception() for w in writes if w.exception()), None)
        for write in writes:
            if not write.exception():
                self._count(write.result())
        if failure is not None:  # the first batch that could not be written fails the pass
            raise failure

    def _send(self) -> None:
        self.sent.append((self.pipeline.workers.submit(self.batch), self.batch))
        self.batch = []

    def _store_oldest(self) -> None:
        job, pages = self.sent.pop(0)
        try:
            prepared = job.result()
        except TrackerError:
            raise  # the workers cannot start: the pass fails, saying why
        except Exception as exc:  # noqa: BLE001 - dead workers cost a batch, not the pass
            self.failed += len(pages)
            self.result.errors.append(f"processing failed for {len(pages)} pages: {exc}")
            log.error("processing failed", extra={"source": self.result.source,
                                                  "pages": len(pages), "error": str(exc)})
            return
        fetches, self.fetches = self.fetches, []
        # What the writer needs of each page; their bodies may go now.
        pages = [dataclasses.replace(page, body=b"") for page in pages]
        workers = self.pipeline.workers
        self.writes.append(self.pipeline.writer.submit(SaveBatch(
            fetches, pages, prepared, workers.kb.version, workers.version)))

    def _count(self, outcomes: list[tuple[str, str | int] | None]) -> None:
        """A written batch in the pass's figures, counted in the source's thread once it
        is committed (the writer may write a batch twice when it undoes a transaction)."""
        result = self.result
        for outcome in outcomes:
            if outcome is None:  # stored meanwhile (another source's feed carried it)
                result.skipped += 1
                continue
            kind, value = outcome
            if kind == "error":
                result.errors.append(str(value))
                self.not_stored.append(str(value))
                log.warning("item not stored", extra={"source": result.source,
                                                      "reason": str(value)})
            elif kind == "skipped":
                result.skipped += 1
            else:
                result.new_documents += 1
                result.mentions += int(value)
                self.pipeline._progress(result)



def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


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
        mentions += store.saved_mentions  # (rules and earlier versions leave some out)
    return documents, mentions
