"""The worker processes' tagger, built once in the fork server before any worker forks.

Imported by the fork server alone (``tracker.workers.PRELOAD``), never by the daemon: the
daemon puts the KB files it will give the workers in ``TRACKER_WORKER_KB`` before it starts
the server. Every worker forked afterwards starts with the KB, both spaCy pipelines, the
linkers and the language model already in memory, shared with its siblings until written
to, instead of loading them itself (two seconds of CPU and 150 MB each: fourteen workers
spent half a minute of CPU on it). A worker whose KB differs (changed since, or reloaded
by SIGHUP) loads its own, as does every worker when this build failed.
"""

from __future__ import annotations

import base64
import gc
import os
import pickle
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.tag import Tagger

ENV = "TRACKER_WORKER_KB"


def encode(entities: Sequence, languages: Sequence[str]) -> str:
    return base64.b64encode(pickle.dumps((list(entities), tuple(languages)))).decode()


def _build() -> tuple[Tagger, tuple[str, ...]] | None:
    raw = os.environ.pop(ENV, None)
    if not raw:
        return None
    try:
        from tracker.extract import detect_language
        from tracker.kbload import load_kb
        from tracker.workerprocess import build_tagger

        entities, languages = pickle.loads(base64.b64decode(raw))
        tagger = build_tagger(load_kb(entities))
        detect_language("Le gouvernement présente son budget.", among=languages)
    except Exception:  # noqa: BLE001 - each worker then loads its own, and says why it fails
        return None
    gc.collect()
    _trim()  # what the build freed goes back to the system, not into every worker
    gc.freeze()  # what is built here stays shared: no collection in a worker touches it
    return tagger, languages


def _trim() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


_BUILT = _build()


def tagger_for(kb_version: str, languages: Sequence[str]) -> Tagger | None:
    """The tagger built before the fork, when it is of this KB and these languages."""
    if _BUILT is None:
        return None
    tagger, built_for = _BUILT
    if tagger.kb.version != kb_version or built_for != tuple(languages):
        return None
    return tagger
