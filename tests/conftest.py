"""Shared fixtures: a real HTTP server on 127.0.0.1 serving tests/site, configs, the KB,
a store, and a newcomer's folder after `tracker init` and one pass over the samples."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(__file__).resolve().parent / "site"
KB_FILE = ROOT / "tracker" / "kbdata" / "entities.yaml"
SAMPLES = ROOT / "data" / "samples"
TYPES = {".xml": "application/rss+xml; charset=utf-8", ".html": "text/html; charset=utf-8",
         ".txt": "text/plain; charset=utf-8"}


@dataclass
class Site:
    """A loopback web site: files from tests/site plus routes a test sets itself."""

    base: str = ""
    routes: dict[str, tuple[int, bytes, str, dict]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    sequences: dict[str, list] = field(default_factory=dict)
    times: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, path)
    drip: dict[str, float] = field(default_factory=dict)  # path -> seconds between bytes
    custom: dict[str, object] = field(default_factory=dict)  # path -> fn(handler) writes all
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8",
            status: int = 200, headers: dict | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = (status, data, content_type, headers or {})

    def sequence(self, path: str, responses: list[tuple[int, bytes | str, dict]]) -> None:
        """Answer ``path`` with these (status, body, headers) in turn, the last one forever."""
        self.sequences[path] = [(st, b.encode() if isinstance(b, str) else b, h)
                                for st, b, h in responses]

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for _, p, _ in self.requests if p.split("?")[0] == path)

    def gaps(self, path: str) -> list[float]:
        """Seconds between successive requests for ``path``, from the server's own log."""
        with self.lock:
            stamps = [t for t, p in self.times if p == path]
        return [b - a for a, b in itertools.pairwise(stamps)]

    def resolve(self, path: str) -> tuple[int, bytes, str, dict] | None:
        clean = path.split("?")[0].split("#")[0]
        if clean in self.sequences:
            queue = self.sequences[clean]
            status, body, headers = queue.pop(0) if len(queue) > 1 else queue[0]
            return status, body, headers.pop("Content-Type", "text/html"), headers
        if clean in self.routes:
            return self.routes[clean]
        file = (SITE / clean.lstrip("/")).resolve()
        if SITE in file.parents and file.is_file():
            body = file.read_bytes().replace(b"{{BASE}}", self.base.encode())
            return 200, body, TYPES.get(file.suffix, "application/octet-stream"), {}
        return None


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - http.server's naming
            with site.lock:
                site.requests.append(("GET", self.path, dict(self.headers)))
                site.times.append((time.monotonic(), self.path.split("?")[0]))
            if self.path in site.custom:
                return site.custom[self.path](self)
            found = site.resolve(self.path)
            if found is None:
                return self._send(404, b"not found", "text/plain", {})
            status, body, ctype, headers = found
            if self.path in site.drip:
                return self._drip(body, site.drip[self.path])
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                return self._send(304, b"", None, {"ETag": etag})
            return self._send(status, body, ctype, {"ETag": etag, **headers})

        def _send(self, status, body, ctype, headers):
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def _drip(self, body, pause):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(pause)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that hangs up on a huge body is what some tests do on purpose


@contextlib.contextmanager
def serve_site() -> Iterator[Site]:
    """A loopback server for tests/site, from start to shutdown."""
    state = Site()
    server = _QuietServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site():
    with serve_site() as state:
        yield state


def write_config(folder: Path, sources: list[dict], **extra) -> Path:
    """A config.yaml for a test: the shipped KB, loopback allowed, no per-host delay."""
    import yaml

    # Tests tag in the main process unless they ask for worker processes: each `tracker
    # run` then starts in seconds (tests/test_tag_processes.py covers the workers).
    defaults = {"interval": "30m", "timeout": "5s", "per_host_delay": "0s",
                "tag_processes": 1, **extra.pop("defaults", {})}
    config = {
        "database": str(folder / "tracker.db"),
        "entities": [str(KB_FILE)],
        "defaults": defaults,
        "allow_networks": ["127.0.0.0/8"],
        "sources": sources,
        **extra,
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return path


@pytest.fixture(scope="session")
def kb():
    from tracker.kbload import load_kb

    return load_kb([KB_FILE])


@pytest.fixture
def store(tmp_path, kb):
    """An empty store with the test KB's entities and one feed source, ``s``."""
    from tracker.store import Store

    with Store(tmp_path / "t.db") as s:
        s.sync_entities(kb)
        s.sync_sources([type("S", (), {"name": "s", "kind": "feed", "location": "x",
                                       "interval": 60.0, "lang": None})()])
        yield s


@pytest.fixture(scope="session")
def tagger(kb):
    """One tagger (one spaCy pipeline per language) for the whole test session."""
    from tracker.tag import Tagger

    return Tagger(kb)


def open_store(path: Path, kb):
    """A store with the KB's entities and one feed source named "s", as a test's
    documents need (their foreign keys)."""
    from tracker.store import Store

    store = Store(path)
    store.sync_entities(kb)
    store.sync_sources([type("S", (), {"name": "s", "kind": "feed", "location": "x",
                                       "interval": 60.0, "lang": None})()])
    return store


def tracker(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300, **kwargs)


@pytest.fixture(scope="session")
def newsroom(tmp_path_factory) -> Iterator[Path]:
    """`tracker init`, the sample articles dropped into inbox/, one `run --once`: built
    once per test process and shared by every module. Tests only read it; a test that
    writes copies it first (shutil.copytree)."""
    home = tmp_path_factory.mktemp("newsroom")
    made = tracker("init", cwd=home)
    assert made.returncode == 0, made.stderr
    config = home / "config.yaml"
    # One tagging process: the test starts in seconds (workers: test_tag_processes.py).
    config.write_text(config.read_text("utf-8").replace(
        "  # tag_processes: auto", "  tag_processes: 1"), "utf-8")
    for sample in SAMPLES.iterdir():
        shutil.copy(sample, home / "inbox" / sample.name)
    ran = tracker("run", "--once", cwd=home)
    assert ran.returncode == 0, ran.stderr
    assert "4 new documents" in ran.stderr and "from 1 source into" in ran.stderr
    built = _tree(home)
    yield home
    assert _tree(home) == built, "a test changed the shared newsroom: copy it first"


def _tree(folder: Path) -> dict[str, str]:
    """Each file under ``folder`` and a digest of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
