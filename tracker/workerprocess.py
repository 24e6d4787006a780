"""What runs inside each worker process (``tracker.workers`` starts and feeds them): its
initializer, which takes the tagger the fork server built (``tracker.zygote``) or builds
its own, and its tasks: the per-page work (``tracker.prepare``) and parsing a feed.

The worker's tagger lives in this module's globals, one per process, set once by the
initializer; the main process never imports spaCy through here.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tracker.errors import TrackerError
from tracker.kb import KnowledgeBase
from tracker.models import Fetched, Prepared

if TYPE_CHECKING:
    from tracker.sources import FeedItem
    from tracker.tag import Tagger

_worker: tuple[Tagger, tuple[str, ...]] | None = None  # the worker process's own tagger
_worker_error: str | None = None  # why it could not build one


def initialize(entities: Sequence, kb_version: str, languages: tuple[str, ...],
                  events, generation: int) -> None:
    """A worker's initializer: its tagger and both pipelines, and the language model, as
    the fork server built them when they are of this KB, else loaded now; then it says so
    on ``events`` (its pool's generation, its pid, or why it failed). A failure is also
    kept and raised by every batch: the pool stays whole, so the main process learns why
    instead of watching workers vanish."""
    global _worker, _worker_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=exit_with_parent, daemon=True).start()
    try:
        from tracker import zygote
        from tracker.extract import detect_language
        from tracker.kbload import load_kb

        prebuilt = zygote.tagger_for(kb_version, languages)
        _worker = (prebuilt if prebuilt is not None else build_tagger(load_kb(entities)),
                   languages)

        detect_language("Le gouvernement présente son budget.", among=languages)
    except Exception as exc:  # noqa: BLE001 - told to the main process
        _worker_error = f"{type(exc).__name__}: {exc}"
    events.put((generation, os.getpid(), _worker_error))


def build_tagger(kb: KnowledgeBase) -> Tagger:
    """A tagger with both pipelines loaded, so a broken setup fails now."""
    from tracker.tag import Tagger

    tagger = Tagger(kb)
    for lang in ("fr", "en"):
        tagger.pipeline(lang)
    return tagger


def exit_with_parent() -> None:
    """A worker whose main process died (kill -9, out of memory) would wait forever for
    work, and keep the fork server alive: it exits as soon as the main process is gone
    (multiprocessing's sentinel for it turns readable), or failing one, is orphaned."""
    parent = multiprocessing.parent_process()
    if parent is not None and parent.sentinel is not None:
        multiprocessing.connection.wait([parent.sentinel])
    else:
        ppid = os.getppid()
        while os.getppid() == ppid:
            time.sleep(0.5)
    os._exit(0)


def prepare_pages(pages: list[Fetched]) -> list[Prepared]:
    if _worker is None:
        raise TrackerError(f"the worker processes cannot start ({_worker_error})")
    from tracker.prepare import prepare_many

    tagger, languages = _worker
    return prepare_many(pages, tagger, languages)


def feed_items(body: bytes, base_url: str, content_type: str
               ) -> tuple[list[FeedItem], str | None] | None:
    """In a worker: the feed's items, or None when parsing fails in a way of no concern to
    the user (a bug), which the caller then meets in its own thread: an exception that
    pickles but cannot be rebuilt in the main process would break the whole pool."""
    from tracker.sources import parse_feed

    try:
        return parse_feed(body, base_url, content_type)
    except TrackerError:
        raise  # NotAFeedError: a message for the source's status
    except Exception:  # noqa: BLE001 - raised again where it can be reported
        return None
