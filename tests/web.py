"""A real `tracker serve` application on 127.0.0.1 for the tests: uvicorn in a thread,
on a free port, over a given database."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
import uvicorn

from tracker.web import ServeOptions, create_app


@dataclass
class Served:
    url: str
    db: Path
    options: ServeOptions

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return requests.post(self.url + path, timeout=30, **kwargs)

    def csrf(self) -> str:
        """The token a page of the dashboard carries for its script."""
        page = self.get("/mentions", headers=self.auth())
        marker = 'name="csrf-token" content="'
        start = page.text.index(marker) + len(marker)
        return page.text[start:page.text.index('"', start)]

    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.options.token}"} if self.options.token else {}

    def review(self, mention_id: str, verdict: str, **body) -> requests.Response:
        return self.post(f"/api/mentions/{mention_id}/review",
                         json={"verdict": verdict, **body},
                         headers={"X-CSRF-Token": self.csrf(), **self.auth()})


@contextlib.contextmanager
def serving(db: Path, **options) -> Iterator[Served]:
    opts = ServeOptions(db=db, **options)
    server = uvicorn.Server(uvicorn.Config(create_app(opts), host="127.0.0.1", port=0,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(f"http://127.0.0.1:{port}", db, opts)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
