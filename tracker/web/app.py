"""The web application: its options, its guards (bind address, token, CSRF, read-only,
host header, CSP) and its connections to the database.

Reads go through read-only connections, so a page can never change the file, and
`tracker run` may write at the same time (WAL). They are kept between requests: opening
one, reading the schema and closing it (the last one to close checkpoints the WAL) cost
about 4 ms, more than most answers take from the figures kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from sqlite_utils import Database
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from tracker import __version__
from tracker.database import WRITE_WAIT, connect, connect_read
from tracker.errors import ConfigError, NotFound, TrackerError
from tracker.store import Store
from tracker.web.memo import COMPUTING, MAX_AGE, Memo, Raw

TOKEN_ENV = "TRACKER_SERVE_TOKEN"
REVIEWER_ENV = "TRACKER_REVIEWER"
COOKIE = "tracker_token"
# No inline script, no inline style, nothing from elsewhere; the charts are inline SVG.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY"))
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
IDLE_READERS = 8  # read connections kept between requests (each caches up to 64 MB)


@dataclass(frozen=True)
class ServeOptions:
    db: Path
    host: str = "127.0.0.1"
    port: int = 8765
    read_only: bool = False
    token: str | None = None  # every request must carry it (set from TRACKER_SERVE_TOKEN)
    reviewer: str | None = None  # recorded with each review made without a name
    entities: tuple = ()  # the config's KB files and entries (accepting people checks them)
    kb_file: Path | None = None  # the user's own KB file, where accepted people go
    alerts: tuple = ()  # the config's alert rules, shown on the alerts page
    max_age: float = MAX_AGE  # seconds a figure may lag another program's commit


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Anything but loopback is reachable by others: only with a token."""
    if not is_loopback(host) and not token:
        raise ConfigError(f"refusing to serve on {host} without a token: set {TOKEN_ENV} "
                          "(every request must then carry it), or keep the default "
                          "127.0.0.1")
    if token is not None and len(token) < 16:
        raise ConfigError(f"{TOKEN_ENV} is too short: use 16 characters or more "
                          "(python -c 'import secrets; print(secrets.token_urlsafe())')")


class Databases:
    """Connections for one request: read-only ones for pages and the API's reads, and
    the server's own connection, for its writes (refused with ``read_only``) and for
    telling them from other programs' commits (``version``)."""

    def __init__(self, path: Path, read_only: bool):
        self.path = path
        self.read_only = read_only
        self._lock = threading.Lock()
        self._idle: list[Database] = []
        self._closed = False
        self._own: sqlite3.Connection | None = None
        self._own_lock = threading.Lock()
        # Called after each write with whether it was a review alone (it leaves every
        # raw count as it was: see ``Raw``).
        self.after_write: list[Callable[[bool], None]] = []
        # Opened once now: a missing file, another program's database or an old schema
        # is said at start, in one line; a writable server brings the schema up to date.
        with Store(path, read_only=read_only, create=False):
            pass

    @contextlib.contextmanager
    def reader(self, kept: bool = True) -> Iterator[Database]:
        """A read-only connection, one request's alone while it lasts. One that ``kept``
        goes back to the idle ones afterwards, unless the request failed: a statement left
        unfinished would hold its old snapshot for the next request. A streamed export
        asks for its own (``kept=False``): a client that goes away leaves it mid-read."""
        db = None
        if kept:
            with self._lock:
                db = self._idle.pop() if self._idle else None
        if db is None:
            try:
                # Wrapped once: sqlite-utils' Database() runs a PRAGMA and its plugin hook.
                db = Database(connect_read(self.path))
            except Exception as exc:  # noqa: BLE001 - the file went away, or is locked
                raise TrackerError(f"{self.path}: cannot open database ({exc})") from None
        try:
            yield db
        except BaseException:
            db.conn.close()
            raise
        if kept and not db.conn.in_transaction:
            with self._lock:
                if not self._closed and len(self._idle) < IDLE_READERS:
                    self._idle.append(db)
                    return
        db.conn.close()

    def close(self) -> None:
        """Close the idle connections and the server's own (at shutdown: the last one
        removes the WAL)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        conns = [db.conn for db in idle]
        with self._own_lock:
            if self._own is not None:
                conns.append(self._own)
                self._own = None
        for conn in conns:
            conn.close()

    def _own_conn(self) -> sqlite3.Connection:
        """The server's own connection (holding ``_own_lock``)."""
        if self._own is None:
            self._own = (connect_read(self.path) if self.read_only
                         else connect(self.path))
        return self._own

    def version(self) -> int | None:
        """What changes when another connection commits (the daemon, a retag, the
        background count), and not with the server's own writes: SQLite's data_version
        on the connection they go through. None while one of them is under way (a review
        may wait for the daemon's write), or once the server has closed."""
        if self._closed or not self._own_lock.acquire(blocking=False):
            return None
        try:
            return self._own_conn().execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return None
        finally:
            self._own_lock.release()

    @contextlib.contextmanager
    def writer(self, review: bool = False) -> Iterator[Database]:
        """The server's own connection, for one of its writes (a ``review`` alone, or a
        rule); afterwards, ``after_write`` (the kept figures are forgotten, so the write
        shows in the next page at once)."""
        if self.read_only:
            raise ReadOnly("this server is read-only (--read-only)")
        if not self._own_lock.acquire(timeout=WRITE_WAIT):
            raise TrackerError("the server's writes are waiting for the database (is a "
                               "long write under way?): try again")
        try:
            conn = self._own_conn()
            try:
                yield Database(conn)
            finally:
                if conn.in_transaction:  # a failed write: nothing of it stays
                    conn.rollback()
        finally:
            self._own_lock.release()
            for done in self.after_write:
                done(review)


class ReadOnly(TrackerError):
    """A write asked of a read-only server (403)."""


def create_app(options: ServeOptions) -> FastAPI:
    """The application over ``options.db`` (checked now), with its guards."""
    from tracker.web import api, pages, pairing

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI):
        try:
            with pairing.running(options.db, not options.read_only):
                threading.Thread(target=pages.warm, args=(app,), name="warm",
                                 daemon=True).start()
                yield
        finally:
            app.state.dbs.close()

    app = FastAPI(title="tracker", version=__version__, openapi_url="/api/openapi.json",
                  lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # Swagger's pages load from a CDN
                  description="Mentions of parties and politicians, their figures, and "
                              "the review loop. The same filters and figures as the "
                              "`tracker mentions`, `stats` and `export` commands.")
    app.state.options = options
    app.state.dbs = Databases(options.db, options.read_only)
    dbs = app.state.dbs
    raw = Raw(dbs.version)
    slots = threading.BoundedSemaphore(COMPUTING)
    app.state.memo = Memo(options.db, dbs.reader, max_age=options.max_age, raw=raw,
                          slots=slots)
    # Pages of mentions apart, not to push figures out.
    app.state.rows = Memo(options.db, dbs.reader, size=64, max_age=options.max_age, raw=raw,
                          slots=slots)

    def written(review: bool) -> None:
        """Nothing kept before the server's write is shown again; the raw counts stay
        when it was a review alone."""
        app.state.memo.forget()
        app.state.rows.forget()
        if not review:
            raw.forget()

    dbs.after_write.append(written)
    secret = secrets.token_bytes(32)
    app.state.csrf = hmac.new(secret, b"csrf", hashlib.sha256).hexdigest()
    app.include_router(api.router)
    app.include_router(pages.router)
    pages.mount_static(app)

    app.add_middleware(Guard, options=options, csrf=app.state.csrf)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        """The token typed in the login form becomes an HttpOnly cookie."""
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        given = (form.get("token") or [""])[0]
        if not options.token or not hmac.compare_digest(given.encode(), options.token.encode()):
            return pages.login_page(request, failed=True)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, options.token, httponly=True, samesite="strict",
                            secure=False)
        return response

    for error, status in ((NotFound, 404), (ReadOnly, 403), (ConfigError, 400),
                          (TrackerError, 503)):
        app.add_exception_handler(error, _handler(status))
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    """An address that is no page (``/docs``, a mistyped link) gets the dashboard's own
    page, in its language, not a bare ``{"detail": "Not Found"}``; the API keeps
    FastAPI's JSON."""
    if request.url.path.startswith("/api/") or not isinstance(exc, StarletteHTTPException):
        return await http_exception_handler(request, exc)
    from tracker.web.pages import error_page

    message = {404: "no such page", 405: "this page is only read (GET)"}.get(
        exc.status_code, str(exc.detail))
    response = error_page(request, message, exc.status_code)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _invalid(request: Request, exc: Exception) -> Response:
    """A page's bad parameter (a date typed by hand) gets a page saying which and why;
    the API keeps FastAPI's JSON 422, which scripts read."""
    if request.url.path.startswith("/api/"):
        return await request_validation_exception_handler(request, exc)
    from tracker.web.pages import error_page

    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    message = "; ".join(f"{e['loc'][-1]} = {e.get('input')!r}: {e['msg']}" for e in errors)
    return error_page(request, message or str(exc), 422)


def _handler(status: int):
    async def handle(request: Request, exc: Exception) -> Response:
        # The query layer speaks the command line's language ("--since 2026-03-01 is after
        # --until ..."); here the same words are the address's parameters.
        message = _FLAG.sub(lambda m: m.group(1).replace("-", "_"), str(exc))
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status)
        from tracker.web.pages import error_page

        return error_page(request, message, status)
    return handle


# The query options that are also the address's parameters (not --db, --read-only).
_FLAG = re.compile(r"(?<![\w-])--(since|until|search|party|politician|source|lang|type|"
                   r"position|limit|offset|by|interval|view|top|direct|raw|no-duplicates|"
                   r"no-discovered|review)\b")


def _refused(request: Request, options: ServeOptions, csrf: str) -> Response | None:
    """Why this request may not go on, as the response to give; None when it may."""
    host = urlsplit("//" + request.headers.get("host", "")).hostname or ""
    if is_loopback(options.host) and not is_loopback(host):
        # A page elsewhere whose name now points at 127.0.0.1 (DNS rebinding) would
        # otherwise read the API with the user's browser.
        return PlainTextResponse(f"unknown host {host!r}", status_code=421)
    bearer = _bearer(request)
    if options.token:
        given = bearer or request.cookies.get(COOKIE) or ""
        authorised = hmac.compare_digest(given.encode(), options.token.encode())
        if not authorised and request.url.path != "/login":
            if request.url.path.startswith("/api/"):
                return JSONResponse({"error": "a token is required (Authorization: Bearer)"},
                                    status_code=401,
                                    headers={"WWW-Authenticate": "Bearer"})
            from tracker.web.pages import login_page

            return login_page(request, failed=False)
    if request.method in UNSAFE and request.url.path != "/login":
        if options.read_only:
            return JSONResponse({"error": "this server is read-only (--read-only)"},
                                status_code=403)
        api_client = options.token and bearer and hmac.compare_digest(
            bearer.encode(), options.token.encode())
        if not api_client:
            sent = request.headers.get("x-csrf-token", "")
            origin = request.headers.get("origin")
            same_origin = origin is None or urlsplit(origin).netloc == request.headers.get(
                "host")
            if not (same_origin and hmac.compare_digest(sent.encode(), csrf.encode())):
                return JSONResponse({"error": "missing or wrong CSRF token "
                                              "(X-CSRF-Token header)"}, status_code=403)
    return None


def _filled_in(scope) -> Response | None:
    """A page's address without its empty parameters, as a redirect; None when it has
    none. A form sends every field, the empty ones as ``since=``: the mentions page's
    own form answered every search with a 422 (an empty date is no date). On a page an
    empty field means no filter; the API, which scripts call, still refuses one (a
    ``party=$PARTY`` whose variable is unset must not list every party's mentions)."""
    if not scope.get("query_string"):
        return None
    parts = scope["query_string"].split(b"&")
    # Empty is "name=" (a value "a=" is a value); "&&" holds nothing either.
    kept = [p for p in parts if p and p.partition(b"=")[1:] != (b"=", b"")]
    if len(kept) == len(parts):
        return None
    # One leading slash: "//evil.example?since=" would send the browser to another site.
    path = b"/" + (scope.get("raw_path") or quote(scope["path"]).encode()).lstrip(b"/\\")
    query = b"&".join(kept)
    return RedirectResponse((path + (b"?" + query if query else b"")).decode("latin-1"),
                            status_code=303)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class Guard:
    """Every request's guards (``_refused``) and every answer's headers: the security
    ones, and ``Server-Timing`` (the server's own time to the headers, what the
    dashboard's speed targets are measured on: bench/serve.py). Plain ASGI: Starlette's
    ``BaseHTTPMiddleware`` ran each request through a task group and a memory stream,
    about a millisecond a request, more than most kept answers take."""

    def __init__(self, app, options: ServeOptions, csrf: str):
        self.app = app
        self.options = options
        self.csrf = csrf

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        api = scope["path"].startswith("/api/")
        begun = False

        async def send_headed(message) -> None:
            nonlocal begun
            if message["type"] == "http.response.start":
                begun = True
                took = (time.perf_counter() - started) * 1000
                headers = MutableHeaders(scope=message)
                headers["Server-Timing"] = f"app;dur={took:.1f}"
                for name, value in SECURITY_HEADERS:
                    headers[name] = value
                if api and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        refused = _refused(Request(scope), self.options, self.csrf)
        if refused is None and not api and scope["method"] in ("GET", "HEAD"):
            refused = _filled_in(scope)
        if refused is not None:
            await refused(scope, receive, send_headed)
            return
        try:
            await self.app(scope, receive, send_headed)
        except Exception:
            # Starlette's own 500 is sent from outside this middleware, without the
            # headers above; raised again, the server logs it as before.
            if not begun:
                failed = (JSONResponse({"error": "internal error (the server's log has it)"},
                                       status_code=500) if api
                          else PlainTextResponse("Internal Server Error", status_code=500))
                await failed(scope, receive, send_headed)
            raise


def default_token() -> str | None:
    return os.environ.get(TOKEN_ENV) or None
