"""spaCy's French tokenizer compiles one regular expression of 1.4 MB (its hyphenated and
elided words), once when `spacy.lang.fr` is imported and once more when the model loads:
2.3 s of CPU in every process that tags French (the workers' fork server, `retag`,
`evaluate`), more than half of a worker's start.

Python cannot pickle a compiled pattern, but its regular expression engine rebuilds one
from the compiled code in milliseconds. While ``kept()`` is active, ``re.compile`` takes
such large patterns from the code kept in the cache folder (``$TRACKER_CACHE/tracker``,
else ``$XDG_CACHE_HOME/tracker`` or ``~/.cache/tracker``, as the KB's name indexes),
compiling and keeping them the first time. A kept file is named by the pattern's
hash and this Python's engine version, and carries a checksum; another Python, another
spaCy, a damaged or unwritable file all mean compiling as usual. Smaller patterns, and
every other thread's, go to ``re.compile`` untouched.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

BIG = 100_000  # characters: smaller patterns compile fast enough
FORMAT = b"tracker-re 1\n"

try:  # CPython 3.11 and later: the parts re.compile is made of
    import _sre
    from re import _compiler, _parser
except ImportError:  # pragma: no cover - Python 3.10 or another implementation
    _sre = _compiler = _parser = None

_lock = threading.Lock()
_users = 0  # kept() contexts open: the wrapper stays while any is
_plain = re.compile
_made: dict[tuple[str, int], re.Pattern] = {}  # this process's, as re's own cache does


def cache_dir() -> Path:
    """Where tracker keeps what it compiled (these expressions, the KB's name indexes)."""
    base = os.environ.get("TRACKER_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "tracker" if base else Path.home() / ".cache" / "tracker"


def _usable() -> bool:
    return (_sre is not None and sys.implementation.name == "cpython"
            and array.array("I").itemsize == _sre.CODESIZE)


@contextlib.contextmanager
def kept() -> Iterator[None]:
    """``re.compile`` takes large patterns from the cache folder while inside."""
    global _users
    if not _usable():
        yield
        return
    with _lock:
        if _users == 0:
            re.compile = _compile
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                re.compile = _plain


def _compile(pattern, flags=0):
    if not isinstance(pattern, str) or len(pattern) < BIG:
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
    if not _usable():
        return _plain(pattern, flags)
    folder = cache_dir()
    key = hashlib.sha256(f"{flags}\n{pattern}".encode("utf-8", "surrogatepass")).hexdigest()
    path = folder / f"re-{key[:32]}-{sys.implementation.cache_tag}-{_sre.MAGIC}.bin"
    try:
        return _read(path, pattern)
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - damaged or foreign: compiled afresh
        log.debug("kept regular expression not used", extra={"path": str(path),
                                                               "error": str(exc)})
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
    except Exception:  # noqa: BLE001 - a Python whose internals differ: as usual
        return _plain(pattern, flags)
    with contextlib.suppress(OSError):  # a read-only home: compiled each time, as before
        _write(path, head, array.array("I", code).tobytes())
    return made


def _build(pattern: str, head: dict, code: list[int]) -> re.Pattern:
    # What re._compiler.compile does once it has the code; _sre checks the code is sound.
    return _sre.compile(pattern, head["flags"], code, head["groups"], head["groupindex"],
                        tuple(head["indexgroup"]))


def _read(path: Path, pattern: str) -> re.Pattern:
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


def _write(path: Path, head: dict, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob("re-*.bin"):  # another spaCy's or Python's, long unused
        if old != path and time.time() - old.stat().st_mtime > 30 * 86400:
            old.unlink(missing_ok=True)
    header = json.dumps({**head, "sha256": hashlib.sha256(body).hexdigest()}).encode()
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".re-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(FORMAT + header + b"\n" + body)
        os.replace(temporary, path)  # whole or absent, whoever reads it meanwhile
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
