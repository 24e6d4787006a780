"""The server counts the co-mention pairs of newly stored documents in the background
(tracker.pairs), so that an entity's page reads them kept rather than from the mentions,
and `tracker run`'s passes pay nothing for them (the daemon counts them too, between
passes: tracker.scheduler)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from tracker import pairs
from tracker.store import Store

log = logging.getLogger(__name__)
EVERY = 5.0  # seconds between looks for new documents


def _loop(path: Path, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            with Store(path, create=False) as store:
                while not stop.is_set():
                    pairs.cover(store, stop)
                    stop.wait(EVERY)
        except Exception as exc:  # noqa: BLE001 - a locked or vanished file: try again later
            log.warning("counting co-mentions failed", extra={"error": str(exc)})
            stop.wait(EVERY)


@contextlib.contextmanager
def running(path: Path, enabled: bool) -> Iterator[None]:
    """The background counter for the server's lifetime (none when read-only)."""
    if not enabled:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(target=_loop, args=(path, stop), name="pairs", daemon=True)
    thread.start()
    try:
        yield
    finally:  # at shutdown: a batch under way ends within a second, or rolls back with
        stop.set()  # the process (one transaction), so the wait is short
        thread.join(timeout=2)
