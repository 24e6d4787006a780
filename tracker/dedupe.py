"""Near-duplicate detection: the same agency dispatch carried by several sites.

MinHash over five-word shingles, with locality-sensitive hashing in bands so a new
document is compared only with the few stored ones that share a band; a candidate is a
copy when most of the new text's shingles are in the stored one (a site that trims or
retitles an AFP dispatch still carries a copy; a long text quoting a brief is no copy).
Pure functions; the store keeps the bands.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from tracker.kb import fold_text

SHINGLE = 5
BANDS, ROWS = 20, 3
MIN_SHINGLES = 30  # shorter texts (briefs, agendas) are never called copies
THRESHOLD = 0.8  # share of the new text's shingles found in the stored text
# Fixed seeds: signatures must be stable across runs and machines.
_SEEDS = np.random.default_rng(20070422).integers(0, 2**63, size=BANDS * ROWS, dtype=np.uint64)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Fingerprint:
    """A text's shingles and LSH bands. Made in a worker process and sent to the main
    one, so the shingles travel packed (8 bytes each) and become a set only when a band
    collides and the store must compare texts."""

    packed: bytes  # the shingles' 64-bit hashes, as numpy uint64
    bands: tuple[int, ...]  # empty when the text is too short to compare

    @functools.cached_property
    def shingles(self) -> frozenset[int]:
        return frozenset(np.frombuffer(self.packed, dtype=np.uint64).tolist())


def text_hash(text: str) -> str:
    """The text's identity for exact copies: the same words, however spaced."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def shingles(text: str) -> frozenset[int]:
    words = _WORD.findall(fold_text(text))
    grams = (" ".join(words[i:i + SHINGLE]) for i in range(max(0, len(words) - SHINGLE + 1)))
    return frozenset(int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big")
                     for g in grams)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: one independent-looking hash per seed (wrapping uint64)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def fingerprint(text: str) -> Fingerprint:
    found = shingles(text)
    values = np.fromiter(found, dtype=np.uint64, count=len(found))
    if len(found) < MIN_SHINGLES:
        return Fingerprint(values.tobytes(), ())
    signature = _mix(values[None, :] ^ _SEEDS[:, None]).min(axis=1)
    bands = tuple(
        int.from_bytes(hashlib.blake2b(signature[b * ROWS:(b + 1) * ROWS].tobytes() + bytes([b]),
                                       digest_size=7).digest(), "big")
        for b in range(BANDS)
    )
    return Fingerprint(values.tobytes(), bands)


def is_copy(new: frozenset[int], stored: frozenset[int]) -> bool:
    """Most of the new text is in the stored one: a copy, even trimmed or retitled. A longer
    text that merely quotes a stored brief is not a copy of it."""
    return len(new) >= MIN_SHINGLES and len(new & stored) / len(new) >= THRESHOLD


class RecentPrints:
    """The shingles of the documents stored last, by id, within about ``max_bytes``: when
    a band collides, the store compares with them instead of hashing the stored text
    again (2.5 ms a text). Copies come in storms (one dispatch on twenty sites within the
    hour), so the documents compared with are mostly recent. A document's id stands for
    its text, so what is kept never goes stale; one added by a transaction undone later
    only takes a place (the store asks only for ids the database gives)."""

    ENTRY = 150  # bytes an entry costs beside its shingles (the dict's, the bytes object's)

    def __init__(self, max_bytes: int = 4 << 20):  # about 500 texts of 1,000 words
        self.max_bytes = max_bytes
        self._kept: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0

    def add(self, doc_id: str, print_: Fingerprint) -> None:
        cost = len(print_.packed) + self.ENTRY
        # Too short to be compared with, or so long it would push out everything else.
        if not print_.bands or doc_id in self._kept or cost > self.max_bytes // 4:
            return
        self._kept[doc_id] = print_.packed
        self._bytes += cost
        while self._bytes > self.max_bytes:
            _, dropped = self._kept.popitem(last=False)
            self._bytes -= len(dropped) + self.ENTRY

    def get(self, doc_id: str) -> frozenset[int] | None:
        packed = self._kept.get(doc_id)
        if packed is None:
            return None
        self._kept.move_to_end(doc_id)
        return frozenset(np.frombuffer(packed, dtype=np.uint64).tolist())
