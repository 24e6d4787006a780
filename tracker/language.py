"""The language classifier (py3langid), restricted to the languages the tracker chooses
among, and kept in the cache folder in that form.

py3langid ships its model as an LZMA-compressed archive of 97 languages' weights. Each
process that detects languages (the workers' fork server, ``evaluate``) decompressed it
at start: 0.4 s of CPU on an idle machine and a second on a busy one, before the first
worker could fork. The restricted classifier is written once, uncompressed, beside the
KB's name indexes (``regexcache.cache_dir``), and read back in a few tens of
milliseconds. A kept file is found by the model file it came from (path, size, time) and
py3langid's version; a damaged one fails the zip's checksums and is made again, an
unwritable folder means decompressing each time, as before.
"""

from __future__ import annotations

import array
import contextlib
import functools
import hashlib
import io
import sys
from pathlib import Path

import numpy as np
import py3langid
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from tracker.regexcache import cache_dir, keep, locked, read_kept

FORMAT = "tracker-langid 1"
UNUSED_DAYS = 30


@functools.lru_cache(maxsize=8)
def identifier(langs: tuple[str, ...]) -> LanguageIdentifier:
    """A classifier restricted to ``langs``, holding only their columns: restricting the
    full model keeps all 97 languages' 28 MB of weights alive beside the subset, in each
    worker process."""
    try:
        path = _path(langs)
    except (OSError, RuntimeError):  # no home folder to keep it in
        return _restricted(langs)
    made = _read(path)
    if made is not None:
        return made
    with locked(path):  # workers starting together decompress it once
        made = _read(path)
        if made is not None:
            return made
        made = _restricted(langs)
        with contextlib.suppress(OSError):  # a read-only home: decompressed each time
            keep(path, _dump(made), "langid-*.npz", UNUSED_DAYS)
    return made


def _model_file() -> Path:
    path = Path(MODEL_FILE)
    return path if path.is_absolute() else Path(MODEL_DIR) / path


def _path(langs: tuple[str, ...]) -> Path:
    model = _model_file()
    stat = model.stat()
    key = hashlib.sha256("|".join((
        FORMAT, getattr(py3langid, "__version__", "?"), sys.byteorder, str(model),
        str(stat.st_size), str(stat.st_mtime_ns), ",".join(langs))).encode()).hexdigest()[:16]
    return cache_dir() / f"langid-{key}.npz"


def _restricted(langs: tuple[str, ...]) -> LanguageIdentifier:
    full = LanguageIdentifier.from_model_file(MODEL_FILE)
    full.set_languages([lang for lang in langs if lang in full.nb_classes])
    return LanguageIdentifier(full.nb_ptc.copy(), full.nb_pc.copy(), full.nb_classes,
                              full.tk_nextmove, full.tk_output, tk_row=full.tk_row)


def _dump(made: LanguageIdentifier) -> bytes:
    out = io.BytesIO()
    np.savez(out, ptc=made.nb_ptc, pc=made.nb_pc, classes=np.array(made.nb_classes),
             nextmove=np.frombuffer(made.tk_nextmove, dtype=made.tk_nextmove.typecode),
             row=np.frombuffer(made.tk_row, dtype=made.tk_row.typecode),
             output=np.array(made.tk_output, dtype=np.int64))
    return out.getvalue()


def _read(path: Path) -> LanguageIdentifier | None:
    def load(path: Path) -> LanguageIdentifier:
        with np.load(path, allow_pickle=False) as data:
            # The same kinds of objects py3langid builds: its tables as stdlib arrays.
            nextmove, row = data["nextmove"], data["row"]
            _check(data["ptc"], data["pc"], data["classes"], nextmove, row, data["output"])
            return LanguageIdentifier(
                data["ptc"], data["pc"], data["classes"].tolist(),
                _array(nextmove), data["output"].tolist(), tk_row=_array(row))

    return read_kept(path, load, "language model")


def _check(ptc: np.ndarray, pc: np.ndarray, classes: np.ndarray, nextmove: np.ndarray,
           row: np.ndarray, output: np.ndarray) -> None:
    """A file read whole may still not be a classifier: one that would fail on every page
    is made again instead."""
    if not (ptc.ndim == 2 and ptc.shape[1] == len(pc) == len(classes) > 0
            and nextmove.ndim == row.ndim == output.ndim == 1
            and nextmove.size and nextmove.size % 256 == 0 and len(row) == len(output)
            and int(row.max(initial=0)) < nextmove.size // 256
            and int(nextmove.max(initial=0)) < len(output)):
        raise ValueError("not a restricted classifier")


def _array(values: np.ndarray) -> array.array:
    out = array.array(values.dtype.char)
    out.frombytes(memoryview(np.ascontiguousarray(values)).cast("B"))
    return out
