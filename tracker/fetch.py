"""Fetch URLs politely and defensively; the only module that talks HTTP (with
`netguard`, which checks the addresses it reaches, and `deadlines`, which cuts slow reads).

Every request: http(s) only, host resolved and checked against private networks
(unless config's ``allow_networks`` names them) on every redirect hop, robots.txt
obeyed (cached per host), one request at a time per host with a delay between them,
a conditional GET when we have an ETag or Last-Modified, connect/read timeouts plus
a wall-clock deadline, a size cap on the decoded body, and bounded retries with
backoff for 5xx, 429 and network errors.
"""

from __future__ import annotations

import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego

from tracker import netguard
from tracker.deadlines import DEADLINES
from tracker.errors import BlockedError, FetchError, Interrupted
from tracker.netguard import Network

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
ROBOTS_TTL = 24 * 3600.0
ROBOTS_RETRY = 600.0
MAX_RETRY_AFTER = 120.0
CHECK_TTL = 60.0  # seconds a host's address check is trusted
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/xml", "application/xml",
              "application/rss+xml", "application/atom+xml", "application/rdf+xml")
# A feed stored on S3 or a CDN often comes as bytes: the feed parser tells what it is.
FEED_TYPES = (*TEXT_TYPES, "application/octet-stream", "binary/octet-stream")


@dataclass(frozen=True)
class Response:
    """What one fetch returned (after redirects); ``body`` is decoded from gzip etc."""

    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str
    charset: str | None
    etag: str | None
    last_modified: str | None
    elapsed: float

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """One per process; thread-safe. Holds the session, robots cache and per-host clocks."""

    def __init__(self, *, user_agent: str, timeout: float = 20.0, per_host_delay: float = 1.0,
                 max_bytes: int = 10 * 1024 * 1024, allow_networks: Iterable[Network] = (),
                 retries: int = 2, backoff: float = 1.0, obey_robots: bool = True,
                 stop: threading.Event | None = None):
        self.user_agent = user_agent
        self.timeout = timeout
        self.per_host_delay = per_host_delay
        self.max_bytes = max_bytes
        self.allow_networks = tuple(allow_networks)
        self.retries = retries
        self.backoff = backoff
        self.obey_robots = obey_robots
        # Set when tracker stops: waits end, new requests are refused, and `interrupt`
        # cuts the answers being read (a dripping page held Ctrl-C for its deadline).
        self.stop = stop or threading.Event()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._host_next: dict[str, float] = {}
        # host -> (rules or None while unreachable, when to ask again, why unreachable)
        self._robots: dict[str, tuple[Protego | None, float, str]] = {}
        self._robots_loading: dict[str, threading.Lock] = {}  # one reader per host
        self._checked: dict[tuple[str, int], tuple[float, str | None]] = {}

    # -- public -------------------------------------------------------------------------
    def fetch(self, url: str, *, timeout: float | None = None, etag: str | None = None,
              last_modified: str | None = None, feed: bool = False) -> Response:
        """GET one URL, following at most 5 redirects, each hop checked again. A body
        that is not text (a feed's link to a PDF or an image) is refused on its headers,
        before it is read. The cache validators go to every hop: they are the last
        answer's, which came from the redirect's target (a moved feed got no 304)."""
        accept = FEED_TYPES if feed else TEXT_TYPES
        timeout = timeout or self.timeout
        started = time.monotonic()
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self.check_url(current)
            if self.obey_robots and not self._robots_allow(current, timeout):
                raise BlockedError(current, "disallowed by robots.txt")
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            status, resp_headers, body = self._get_with_retries(current, headers, timeout,
                                                                accept)
            if status in (301, 302, 303, 307, 308) and resp_headers.get("location"):
                target = urljoin(current, resp_headers["location"])
                if target == current:
                    raise FetchError(url, "redirect loop", status)
                current = target
                continue
            content_type, charset = _content_type(resp_headers.get("content-type", ""))
            if status >= 400:
                raise FetchError(current, f"HTTP {status}", status, lasting=status in (404, 410))
            return Response(url=url, final_url=current, status=status, body=body,
                            content_type=content_type, charset=charset,
                            etag=resp_headers.get("etag"),
                            last_modified=resp_headers.get("last-modified"),
                            elapsed=time.monotonic() - started)
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def post(self, url: str, body: bytes, headers: dict, *, timeout: float | None = None
             ) -> tuple[int, dict]:
        """POST to a webhook with the checks of a fetch (http(s) only, non-public addresses
        refused unless allowed, checked again at connect time and at each redirect; only
        307 and 308 are followed, as they keep the body). Network failures raise a
        retryable FetchError."""
        timeout = timeout or self.timeout
        deadline = time.monotonic() + timeout * 2  # the whole exchange, dripping or not
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self.check_url(current)
            if self.stop.is_set():
                raise FetchError(current, "tracker is stopping", retryable=True)
            self._local.deadline = deadline  # the wait for headers is cut at Ctrl-C too
            try:
                resp = self._session.post(current, data=body, headers=headers, stream=True,
                                          timeout=(timeout, timeout), allow_redirects=False)
            except requests.RequestException as exc:
                if self.stop.is_set():
                    raise FetchError(current, "tracker is stopping", retryable=True) from None
                if isinstance(exc, requests.Timeout):
                    raise FetchError(current, f"timed out after {timeout:g}s",
                                     retryable=True) from None
                refusal = netguard.refusal_in(exc)
                if refusal:
                    raise BlockedError(current, f"refused: {refusal}") from None
                raise FetchError(current, f"connection failed: {_cause(exc)}",
                                 retryable=True) from None
            finally:
                self._local.deadline = None
            watch = DEADLINES.watch(deadline, resp)
            try:
                read = 0
                for chunk in resp.iter_content(16 * 1024):  # the answer is not needed
                    read += len(chunk)
                    if read > 64 * 1024 or time.monotonic() > deadline:
                        break
            except requests.RequestException:
                pass  # the status is what counts; a cut or broken body does not change it
            finally:
                DEADLINES.cancel(watch)
                resp.close()
            if time.monotonic() > deadline:
                raise FetchError(current, f"no whole answer within {timeout * 2:g}s",
                                 retryable=True)
            location = resp.headers.get("location")
            if resp.status_code in (307, 308) and location:
                current = urljoin(current, location)
                continue
            return resp.status_code, {k.lower(): v for k, v in resp.headers.items()}
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def check_url(self, url: str) -> None:
        """Refuse other schemes, odd URLs and hosts that resolve to non-public addresses."""
        if " " in url:  # a feed's link written with a space ("a b.html") is said so
            raise BlockedError(url, "refused: a space in the URL")
        if "\\" in url or any(ord(c) < 32 for c in url):
            raise BlockedError(url, "refused: backslash or control character in URL")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise BlockedError(url, f"refused: scheme {parts.scheme or '(none)'!r} (http/https)")
        host = parts.hostname
        if not host:
            raise BlockedError(url, "refused: no host in URL")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise FetchError(url, f"DNS error for {host}: {exc}") from None
        # A host's verdict holds a minute: not a DNS lookup for every page of a site.
        # (Connections are checked again when made: a name that later resolves to a
        # private address is still refused.)
        with self._lock:
            known = self._checked.get((host, port))
        if known is None or known[0] < time.monotonic():
            known = (time.monotonic() + CHECK_TTL, self._host_refusal(host, port, url))
            with self._lock:
                self._checked[(host, port)] = known
        if known[1]:
            raise BlockedError(url, f"refused: {host} resolves to {known[1]}")

    def _host_refusal(self, host: str, port: int, url: str) -> str | None:
        try:
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError, ValueError) as exc:
            raise FetchError(url, f"DNS error for {host}: {exc}") from None
        for info in infos:
            refusal = self.address_refusal(info[4][0])
            if refusal:
                return refusal
        return None

    def address_refusal(self, address: str) -> str | None:
        """Why this IP may not be reached (None if it may): non-public and not allowed."""
        return netguard.refusal(address, self.allow_networks)

    # -- internals ----------------------------------------------------------------------
    @property
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = netguard.guarded_adapter(self.address_refusal, self._watch_headers)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers["User-Agent"] = self.user_agent
            session.headers["Accept-Encoding"] = "gzip, deflate"
            session.trust_env = False
            self._local.session = session
        return session

    def _watch_headers(self, sock: socket.socket) -> Callable[[], None] | None:
        """The request's deadline over the wait for its headers (see `_raw_get`)."""
        deadline = getattr(self._local, "deadline", None)
        if deadline is None:
            return None
        token = DEADLINES.watch_socket(deadline, sock)
        return lambda: DEADLINES.cancel(token)

    def _get_with_retries(self, url: str, headers: dict, timeout: float,
                          accept: tuple[str, ...] | None = None) -> tuple[int, dict, bytes]:
        for attempt in range(self.retries + 1):
            try:
                status, resp_headers, body = self._polite_get(url, headers, timeout, accept)
            except FetchError as exc:
                if not exc.retryable or attempt >= self.retries:
                    raise
                self._sleep_backoff(attempt)
                continue
            if status in (429, 500, 502, 503, 504) and attempt < self.retries:
                wait = retry_after(resp_headers.get("retry-after"))
                if wait is not None and wait > MAX_RETRY_AFTER:
                    return status, resp_headers, body
                if wait is not None:
                    self._defer_host(url, wait)
                else:
                    self._sleep_backoff(attempt)
                continue
            return status, resp_headers, body
        raise AssertionError("unreachable")

    def _sleep_backoff(self, attempt: int) -> None:
        self.stop.wait(self.backoff * (2**attempt) * (0.5 + random.random()))

    @staticmethod
    def interrupt() -> None:
        """Cut every answer being read in this process: called once ``stop`` is set."""
        DEADLINES.cut_all()

    def _host_lock(self, host: str) -> threading.Lock:
        with self._lock:
            return self._host_locks.setdefault(host, threading.Lock())

    def _defer_host(self, url: str, seconds: float) -> None:
        host = urlsplit(url).netloc
        with self._lock:
            self._host_next[host] = max(self._host_next.get(host, 0), time.monotonic() + seconds)

    def _polite_get(self, url: str, headers: dict, timeout: float,
                    accept: tuple[str, ...] | None = None) -> tuple[int, dict, bytes]:
        """One request, alone on its host, after the host's delay has passed."""
        host = urlsplit(url).netloc
        with self._host_lock(host):
            # A timed wait may wake a hair early (0.7999 s for two 0.4 s delays was seen):
            # wait again until the host's time has really come, or until Ctrl-C.
            while not self.stop.is_set():
                with self._lock:
                    wait = self._host_next.get(host, 0) - time.monotonic()
                if wait <= 0:
                    break
                self.stop.wait(wait)
            try:
                return self._raw_get(url, headers, timeout, accept)
            finally:
                delay = max(self.per_host_delay, self._crawl_delay(host))
                with self._lock:
                    self._host_next[host] = max(self._host_next.get(host, 0),
                                                time.monotonic() + delay)

    def _raw_get(self, url: str, headers: dict, timeout: float,
                 accept: tuple[str, ...] | None = None) -> tuple[int, dict, bytes]:
        """``accept``: the content types a 200 may have; another is refused on its
        headers, its body never read (an 8 MB PDF was downloaded at every poll)."""
        deadline = time.monotonic() + timeout * 3
        if self.stop.is_set():
            raise Interrupted(url)
        self._local.deadline = deadline  # headers dripped byte by byte are cut too
        try:
            resp = self._session.get(url, headers=headers, stream=True, allow_redirects=False,
                                     timeout=(min(timeout, 10.0), timeout))
        except UnicodeError:  # requests decodes a redirect's Location even when not following
            raise FetchError(url, "answer's Location header is not UTF-8 text") from None
        except requests.RequestException as exc:
            if self.stop.is_set():
                raise Interrupted(url) from None
            if time.monotonic() >= deadline:
                raise _past_deadline(url, timeout) from None
            if isinstance(exc, requests.Timeout):
                raise FetchError(url, f"timed out after {timeout:g}s", retryable=True) from None
            refused = netguard.refusal_in(exc)
            if refused:  # the name now resolves elsewhere than when it was checked
                raise BlockedError(url, f"refused at connect: {refused}") from None
            raise FetchError(url, f"connection failed: {_cause(exc)}", retryable=True) from None
        finally:
            self._local.deadline = None
        watch = DEADLINES.watch(deadline, resp)
        try:
            if self.stop.is_set():  # set while it connected: `interrupt` may have missed it
                raise Interrupted(url)
            if accept is not None and resp.status_code == 200:
                kind = _content_type(resp.headers.get("content-type", ""))[0]
                if kind and not kind.startswith(accept):
                    raise FetchError(url, f"skipped: content type {kind} is not text", 200,
                                     lasting=True)
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchError(url, f"body of {declared} bytes exceeds {self.max_bytes}")
            chunks, size = [], 0
            for chunk in resp.iter_content(64 * 1024):
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(url, f"body exceeds {self.max_bytes} bytes (decoded)")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _past_deadline(url, timeout)
            # A cut socket ends a body that runs to the connection's close as if whole.
            if self.stop.is_set():
                raise Interrupted(url)
            if time.monotonic() >= deadline:
                raise _past_deadline(url, timeout)
            return resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, \
                b"".join(chunks)
        except requests.RequestException as exc:
            if self.stop.is_set():
                raise Interrupted(url) from None
            if time.monotonic() >= deadline:
                raise _past_deadline(url, timeout) from None
            raise FetchError(url, f"read failed: {_short(exc)}", retryable=True) from None
        finally:
            DEADLINES.cancel(watch)
            resp.close()

    def _robots_allow(self, url: str, timeout: float) -> bool:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]  # one robots.txt per host, whoever asks
        with self._lock:
            cached = self._robots.get(host)
            loading = self._robots_loading.setdefault(host, threading.Lock())
        if cached is None or cached[1] < time.monotonic():
            # Sources on one host start together: one of them reads robots.txt, the others
            # wait for its answer (`run --once` asked for it once per source).
            with loading:
                with self._lock:
                    cached = self._robots.get(host)
                if cached is None or cached[1] < time.monotonic():
                    cached = self._load_robots(f"{parts.scheme}://{host}/robots.txt",
                                               timeout)
                    with self._lock:
                        self._robots[host] = cached
        rules, _, why = cached
        if rules is None:
            raise FetchError(url, f"robots.txt unreachable ({why}); host skipped until it "
                             "answers", passing=True)
        return rules.can_fetch(url, self.user_agent)

    def _load_robots(self, robots_url: str, timeout: float) -> tuple[Protego | None, float, str]:
        """Policy: 2xx -> its rules; 4xx -> everything allowed; 5xx or no answer -> skip the
        host and ask again in 10 minutes; unparsable text -> what Protego salvages."""
        now = time.monotonic()
        try:
            for _ in range(MAX_REDIRECTS + 1):  # RFC 9309: follow at least five redirects
                status, headers, body = self._polite_get(robots_url, {}, timeout)
                if status not in (301, 302, 303, 307, 308) or not headers.get("location"):
                    break
                robots_url = urljoin(robots_url, headers["location"])
                self.check_url(robots_url)
        except Interrupted:
            raise
        except FetchError as exc:
            log.warning("robots.txt unreadable", extra={"url": robots_url, "reason": exc.reason})
            return None, now + ROBOTS_RETRY, exc.reason
        if 400 <= status < 500:
            return Protego.parse(""), now + ROBOTS_TTL, ""
        if status >= 300:
            log.warning("robots.txt unreadable", extra={"url": robots_url, "status": status})
            return None, now + ROBOTS_RETRY, f"HTTP {status}"
        text = body[: 512 * 1024].decode("utf-8", errors="replace")
        try:
            return Protego.parse(text), now + ROBOTS_TTL, ""
        except Exception:  # noqa: BLE001 - garbage robots.txt: allow, as Scrapy does
            return Protego.parse(""), now + ROBOTS_TTL, ""

    def _crawl_delay(self, host: str) -> float:
        cached = self._robots.get(host)
        if not cached or cached[0] is None:
            return 0.0
        delay = cached[0].crawl_delay(self.user_agent)
        return min(float(delay), 60.0) if delay else 0.0


def _content_type(value: str) -> tuple[str, str | None]:
    kind, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'").lower()
    return kind.strip().lower(), charset


def retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (a number or an HTTP date), None if unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "..."


def _cause(exc: Exception) -> str:
    """Why a connection failed, in words ("connection refused"), not urllib3's 200
    characters of pool and retries, cut before the cause."""
    for inner in netguard.buried(exc):
        if isinstance(inner, ConnectionRefusedError):
            return "connection refused"
        if isinstance(inner, ConnectionResetError):
            return "connection reset"
        if isinstance(inner, socket.gaierror):
            return "host name not found" if inner.errno == socket.EAI_NONAME \
                else "host name lookup failed (no DNS answer for now)"
        if isinstance(inner, ssl.SSLError):
            return f"TLS error: {inner.reason or inner}"
    for inner in netguard.buried(exc):
        if isinstance(inner, OSError) and inner.strerror:
            return inner.strerror[0].lower() + inner.strerror[1:]
    return _short(exc)


def _past_deadline(url: str, timeout: float) -> FetchError:
    """An answer that ran to its wall-clock deadline (three times the timeout): it may
    pass by the next poll, and its link waits a day (``FetchError.slow``)."""
    return FetchError(url, f"deadline of {timeout * 3:g}s exceeded", slow=True)

