"""Which addresses a fetch may reach, checked where the socket is made.

The SSRF guard: a URL's host is checked when the URL is (``Fetcher.check_url``), and
again here on the address each connection actually reached, so a name that resolves to
a public address when checked and to a private one when used (DNS rebinding) is refused
before any request is sent.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Iterator

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Carrier-grade NAT: not private by ipaddress's flags, yet never a public site.
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: IPv4 in the low bits
_COMPATIBLE = ipaddress.ip_network("::/96")  # "::127.0.0.1", deprecated but still parsed


def refusal(address: str, allowed: Iterable[Network]) -> str | None:
    """Why this IP may not be reached (None if it may): non-public and not allowed. An
    IPv6 address carrying an IPv4 one (mapped, NAT64, 6to4, Teredo, the old compatible
    form) is judged by the IPv4 address it reaches too."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    allowed = tuple(allowed)
    for each in (ip, *_carried(ip)):
        if any(each in net for net in allowed):
            continue
        if not each.is_global or each.is_multicast or each in _CGNAT:
            return (f"non-public address {each} (add its network to allow_networks to "
                    "permit it)")
    return None


def _carried(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = []
    if ip in _NAT64 or (ip in _COMPATIBLE and int(ip) > 1):  # not :: or ::1
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.append(ip.teredo[1])
    return found


class Refused(OSError):
    """Raised inside urllib3 when a new connection's peer is a forbidden address."""


def guarded_adapter(refusal: Callable[[str], str | None],
                    watch: Callable[[socket.socket], Callable[[], None] | None] | None = None
                    ) -> HTTPAdapter:
    """An adapter whose connections check the address they actually connected to, so a
    name that resolves to a public address when checked and to a private one when used
    (DNS rebinding) is still refused, before any request is sent. ``watch(sock)``, while
    an answer's headers are awaited, returns what ends the watch (the fetcher's deadline
    covers the headers too)."""

    def checked(sock: socket.socket) -> socket.socket:
        reason = refusal(sock.getpeername()[0])
        if reason:
            sock.close()
            raise Refused(reason)
        return sock

    def awaited(conn: HTTPConnection, read: Callable[[], BaseHTTPResponse]) -> BaseHTTPResponse:
        done = watch(conn.sock) if watch is not None and conn.sock is not None else None
        try:
            return read()
        finally:
            if done is not None:
                done()

    class GuardedHTTP(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return checked(super()._new_conn())

        def getresponse(self) -> BaseHTTPResponse:
            return awaited(self, super().getresponse)

    class GuardedHTTPS(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return checked(super()._new_conn())

        def getresponse(self) -> BaseHTTPResponse:
            return awaited(self, super().getresponse)

    class HTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTP

    class HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPS

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}

    return Adapter()


def refusal_in(exc: BaseException) -> str | None:
    """The connect-time refusal buried in requests' and urllib3's wrapped exceptions."""
    return next((str(e) for e in buried(exc) if isinstance(e, Refused)), None)


def buried(exc: BaseException) -> Iterator[BaseException]:
    """The exception and those wrapped in it (causes, contexts, urllib3's ``reason``, the
    arguments), outermost first."""
    stack, seen = [exc], set()
    while stack:
        current = stack.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue  # (urllib3's ``reason`` may be a string)
        seen.add(id(current))
        yield current
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(a for a in current.args if isinstance(a, BaseException))
