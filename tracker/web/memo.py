"""Figures computed once per state of the database, for every client that asks.

A year's overview or a party's page over a million mentions takes from a tenth of a
second to a few; fifty people opening it at once would each pay that, on every core. The
result is kept with the database's state: the size and modification time of the file
and of its write-ahead log, which every commit changes (the daemon's, a review's, a
`retag`'s). A new commit makes the next request compute afresh; while one request
computes a figure, the others asking the same wait for it instead of computing it too.
Pages of mentions are kept too (a page of the newest mentions of a common word reads
for a tenth of a second): a review is a commit, so its verdict shows at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
SIZE = 256  # figures kept: pages, API answers and pages of mentions, across parameters


class Memo:
    def __init__(self, path: Path, size: int = SIZE):
        self.path = path
        self.wal = path.with_name(path.name + "-wal")
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._state: tuple = ()

    def state(self) -> tuple:
        """What changes with every commit (two stat calls)."""
        out = []
        for path in (self.path, self.wal):
            try:
                st = path.stat()
                out += [st.st_mtime_ns, st.st_size]
            except OSError:
                out += [None, None]
        return tuple(out)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``'s value for ``key`` in the database's present state."""
        state = self.state()
        full = (key, state)
        with self._lock:
            if state != self._state:  # a commit: nothing kept can be asked for again
                self._items.clear()
                self._state = state
            if full in self._items:
                self._items.move_to_end(full)
                return self._items[full]  # type: ignore[return-value]
            gate = self._computing.setdefault(full, threading.Lock())
        with gate:  # one computes, the others asking the same wait for it
            with self._lock:
                if full in self._items:
                    return self._items[full]  # type: ignore[return-value]
            try:
                value = compute()
            finally:
                with self._lock:
                    self._computing.pop(full, None)
            with self._lock:
                if state == self._state:  # not if the database changed meanwhile
                    self._items[full] = value
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
        return value
