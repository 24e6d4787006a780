"""spaCy's French tokenizer compiles one regular expression of 1.4 MB (its hyphenated and
elided words), once when `spacy.lang.fr` is imported and once more when the model loads:
2.3 s of CPU in every process that tags French (the workers' fork server, `retag`,
`evaluate`), more than half of a worker's start.

Python cannot pickle a compiled pattern, but its regular expression engine rebuilds one
from the compiled code in milliseconds. In a thread inside ``kept()``, ``re.compile``
takes such large patterns from the code kept in the cache folder (``cache_dir()``, shared
with the KB's name indexes), compiling and keeping them the first time, one process at a
time. A kept file is found by a hash of the pattern, its flags and this exact Python
build, and carries a checksum: another Python, another spaCy, a damaged or unwritable
file all mean compiling as usual. Smaller patterns, and other threads' calls, go to
``re.compile`` untouched. Whoever can write to the cache folder decides these patterns,
as they decide the name indexes: it is the user's own.
"""

from __future__ import annotations

import array
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

BIG = 100_000  # characters: smaller patterns compile fast enough
FORMAT = b"tracker-re 1\n"
UNUSED_DAYS = 30  # a kept file not read for this long goes when another is written

try:  # CPython 3.11 and later: the parts re.compile is made of
    import _sre
    from re import _compiler, _parser
except ImportError:  # pragma: no cover - Python 3.10 or another implementation
    _sre = _compiler = _parser = None

_lock = threading.Lock()
_threads: dict[int, int] = {}  # thread id -> kept() contexts it has open
_plain = re.compile
_made: dict[tuple[str, int], re.Pattern] = {}  # this process's, as re's own cache does
_differs = False  # this Python's re internals are not those expected: compile as usual


def cache_dir() -> Path:
    """Where tracker keeps what it compiled (these expressions, the KB's name indexes):
    ``$TRACKER_CACHE/tracker``, else ``$XDG_CACHE_HOME/tracker`` or ``~/.cache/tracker``."""
    base = os.environ.get("TRACKER_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "tracker" if base else Path.home() / ".cache" / "tracker"


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside a cache file, so that processes starting together compile
    it once (none where the folder cannot be written)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path.with_suffix(".lock"), "a")  # noqa: SIM115 - held below
    except OSError:
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()


def _usable() -> bool:
    return (_sre is not None and not _differs and sys.implementation.name == "cpython"
            and array.array("I").itemsize == _sre.CODESIZE)


@contextlib.contextmanager
def kept() -> Iterator[None]:
    """``re.compile``, called from this thread, takes large patterns from the cache
    folder while inside."""
    if not _usable():
        yield
        return
    me = threading.get_ident()
    with _lock:
        _threads[me] = _threads.get(me, 0) + 1
        if re.compile is _plain:
            re.compile = _compile
    try:
        yield
    finally:
        with _lock:
            _threads[me] -= 1
            if not _threads[me]:
                del _threads[me]
            if not _threads and re.compile is _compile:  # not if someone patched it since
                re.compile = _plain


def _compile(pattern, flags=0):
    if (not isinstance(pattern, str) or len(pattern) < BIG
            or threading.get_ident() not in _threads):
        return _plain(pattern, flags)
    flags = int(flags)
    if flags & re.DEBUG:
        return _plain(pattern, flags)
    made = _made.get((pattern, flags))
    if made is None:
        made = compiled(pattern, flags)
        _made[pattern, flags] = made
    return made


def compiled(pattern: str, flags: int = 0) -> re.Pattern:
    """The pattern, from its kept code when there is one, else compiled and kept."""
    global _differs
    if not isinstance(pattern, str) or not _usable():
        return _plain(pattern, flags)
    try:
        path = _path(pattern, flags)
    except (OSError, RuntimeError):  # no home folder to keep it in
        return _plain(pattern, flags)
    kept = _read(path, pattern)
    if kept is not None:
        return kept
    with locked(path):
        kept = _read(path, pattern)  # another process may have compiled it meanwhile
        if kept is not None:
            return kept
        try:  # the steps of re._compiler.compile (Python 3.11 to 3.14)
            parsed = _parser.parse(pattern, flags)
            code = _compiler._code(parsed, flags)
            groupindex = dict(parsed.state.groupdict)
            indexgroup: list[str | None] = [None] * parsed.state.groups
            for name, index in groupindex.items():
                indexgroup[index] = name
            head = {"flags": flags | parsed.state.flags, "groups": parsed.state.groups - 1,
                    "groupindex": groupindex, "indexgroup": indexgroup}
            made = _build(pattern, head, code)
        except re.error:
            raise  # a wrong pattern says so, as re.compile would
        except Exception:  # noqa: BLE001 - internals of another Python: as usual from now
            _differs = True
            return _plain(pattern, flags)
        with contextlib.suppress(OSError):  # a read-only home: compiled each time, as before
            _write(path, head, array.array("I", code).tobytes())
    return made


def _path(pattern: str, flags: int) -> Path:
    key = hashlib.sha256(f"{sys.version}\n{sys.byteorder}\n{flags}\n".encode()
                         + pattern.encode("utf-8", "surrogatepass")).hexdigest()
    return cache_dir() / f"re-{key[:32]}-{sys.implementation.cache_tag}-{_sre.MAGIC}.bin"


def _build(pattern: str, head: dict, code: list[int]) -> re.Pattern:
    # What re._compiler.compile does once it has the code; _sre checks the code is sound.
    return _sre.compile(pattern, head["flags"], code, head["groups"], head["groupindex"],
                        tuple(head["indexgroup"]))


def _read(path: Path, pattern: str) -> re.Pattern | None:
    def load(path: Path) -> re.Pattern:
        data = path.read_bytes()
        if not data.startswith(FORMAT):
            raise ValueError("not a kept regular expression")
        line_end = data.index(b"\n", len(FORMAT))
        head = json.loads(data[len(FORMAT):line_end])
        body = data[line_end + 1:]
        if hashlib.sha256(body).hexdigest() != head["sha256"]:
            raise ValueError("checksum mismatch")
        code = array.array("I")
        code.frombytes(body)
        return _build(pattern, head, code.tolist())

    return read_kept(path, load, "regular expression")


def read_kept(path: Path, load: Callable[[Path], T], what: str) -> T | None:
    """What ``load`` makes of a kept file, which is then marked used; None when the file
    is absent, damaged or foreign (the caller makes it afresh)."""
    try:
        made = load(path)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - damaged or foreign: made afresh
        log.debug(f"kept {what} not used", extra={"path": str(path), "error": str(exc)})
        return None
    used(path)
    return made


def _write(path: Path, head: dict, body: bytes) -> None:
    header = json.dumps({**head, "sha256": hashlib.sha256(body).hexdigest()}).encode()
    keep(path, FORMAT + header + b"\n" + body, "re-*.bin", UNUSED_DAYS)


def keep(path: Path, data: bytes, family: str, unused_days: float) -> None:
    """Write a cache file whole (whoever reads it meanwhile finds it whole or absent), then
    remove the files of its ``family`` (a glob) unused for ``unused_days``, with their
    locks, and the temporaries of a process killed mid-write. OSError where the folder
    cannot be written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    now = time.time()
    for old in (*path.parent.glob(family), *path.parent.glob(".*.tmp")):
        with contextlib.suppress(OSError):  # another process's clean-up got there first
            limit = 86400 if old.suffix == ".tmp" else unused_days * 86400
            if old != path and now - old.stat().st_mtime > limit:
                old.unlink()
                old.with_suffix(".lock").unlink(missing_ok=True)


def used(path: Path) -> None:
    """A cache file just read is not unused, whenever it was written."""
    with contextlib.suppress(OSError):
        if time.time() - path.stat().st_mtime > 86400:
            os.utime(path)
