"""Wall-clock deadlines for answers still being read.

requests' read timeout counts the gap between bytes, so a server that drips one byte
every few seconds is never cut off; this watchdog shuts such a socket at its deadline.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable

import requests


class Watchdog:
    """One thread for every fetch in the process that cuts the answers still reading at
    their deadline (a timer thread per request cost more CPU than the request itself)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._watched: dict[int, Callable[[], None]] = {}  # token -> what cuts it
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, resp: requests.Response) -> int:
        """Cut this answer's body at ``deadline`` unless cancelled first."""
        return self._watch(deadline, functools.partial(_cut, resp))

    def watch_socket(self, deadline: float, sock: socket.socket) -> int:
        """Cut this connection at ``deadline``: its answer's headers are still coming
        (a server can drip them too, each byte within the read timeout)."""
        return self._watch(deadline, functools.partial(_shut, sock))

    def _watch(self, deadline: float, cut: Callable[[], None]) -> int:
        token = next(self._tokens)
        with self._cond:
            self._watched[token] = cut
            heapq.heappush(self._heap, (deadline, token))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="fetch-deadlines",
                                                daemon=True)
                self._thread.start()
            elif self._heap[0][1] == token:
                self._cond.notify()
        return token

    def cancel(self, token: int) -> None:
        with self._cond:
            self._watched.pop(token, None)

    def cut_all(self) -> None:
        """Cut every answer still being read (tracker is stopping: Ctrl-C, SIGTERM)."""
        with self._cond:
            watched, self._watched = list(self._watched.values()), {}
        for cut in watched:
            cut()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][1] not in self._watched:
                    heapq.heappop(self._heap)  # answered in time
                wait = self._heap[0][0] - time.monotonic() if self._heap else 60.0
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, token = heapq.heappop(self._heap)
                cut = self._watched.pop(token)
            cut()


DEADLINES = Watchdog()


def _cut(resp: requests.Response) -> None:
    """Deadline reached: shut the socket so a read blocked on a dripping server returns.

    An answer that ends with its connection (HTTP/1.0, ``Connection: close``) has left
    the connection object without its socket: the socket is then the one under the
    response's file (a dripping HTTP/1.0 page used to run its whole length)."""
    conn = getattr(resp.raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if sock is None:
        reader = getattr(getattr(resp.raw, "_fp", None), "fp", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    if sock is not None:
        _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


