"""An operator's story: with worker processes, `tracker run` stores pages from a writing
process of its own. Each batch's result or error comes back once committed, its log lines
reach the daemon's log, and when the kernel kills that process, a new one writes the
batches it had not answered, then the next ones."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import signal
import time
from pathlib import Path

import pytest

from tracker.errors import TrackerError
from tracker.models import Article, Mention
from tracker.store import Store
from tracker.writeprocess import WriterProcess

WHEN = dt.datetime(2012, 4, 15, 8, 0, tzinfo=dt.timezone.utc)
TEXT = "François Hollande et le PS."


@dataclasses.dataclass
class _Save:
    """A batch as the pipeline sends one: plain data, called with the child's store."""

    urls: list[str]
    fail: str = ""  # "bug": an error; "odd": an error that cannot be rebuilt here;
    # "fatal": the process dies (a crash in SQLite, say); "lambda": an unsendable result
    wait: float = 0.0
    hold: str = ""  # a folder: says "started" there, then waits for "go" there

    def __call__(self, store: Store):
        time.sleep(self.wait)
        if self.hold:
            Path(self.hold, "started").touch()
            while not Path(self.hold, "go").exists():
                time.sleep(0.05)
        if self.fail == "fatal":
            os.kill(os.getpid(), signal.SIGKILL)
        if self.fail == "lambda":
            return lambda: None
        logging.getLogger("tracker.test").warning("batch written", extra={
            "urls": len(self.urls)})
        stored = [url for url in self.urls if store.save(
            Article(source="s", url=url, text=TEXT, lang="fr", published_at=WHEN,
                    date_source="feed", fetched_at=WHEN, title="T"),
            [Mention("ps", "party", "ps", "PS", 24, 26, TEXT, "alias")],
            kb_version="k", tagger_version="t")]
        if self.fail == "bug":
            raise RuntimeError("a bug in this batch")
        if self.fail == "odd":
            raise _Odd("needs", "two arguments")
        return stored


class _Odd(Exception):
    def __init__(self, first: str, second: str):
        super().__init__(f"{first} {second}")  # pickles with one argument: cannot be rebuilt


def _urls(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT url FROM documents ORDER BY url")]


def test_batches_come_back_from_the_writing_process_with_results_errors_and_logs(
        store, caplog):
    writer = WriterProcess(store.path)
    try:
        url = "https://journal.example/{}".format
        with caplog.at_level(logging.INFO):
            done = writer.submit(_Save([url(1), url(2)]))
            bug = writer.submit(_Save([url(3)], fail="bug"))
            odd = writer.submit(_Save([url(4)], fail="odd"))
            assert done.result(60) == [url(1), url(2)]
            with pytest.raises(RuntimeError, match="a bug in this batch"):
                bug.result(60)
            with pytest.raises(TrackerError, match="_Odd: needs two arguments"):
                odd.result(60)
            assert writer.submit(_Save([url(1)])).result(60) == []  # stored already
        with pytest.raises(TrackerError, match="unsendable result"):
            writer.submit(_Save([url(5)], fail="lambda")).result(60)
        writer.close()
        # A failed batch is undone whole; the others are stored once.
        assert _urls(store) == [url(1), url(2)]
        # The child's log lines are the daemon's, with their fields.
        logged = [r for r in caplog.records if r.getMessage() == "batch written"]
        assert logged and logged[0].urls == 2 and logged[0].name == "tracker.test"
        assert logged[0].process != os.getpid()
    finally:
        writer.close()


def test_a_killed_writing_process_is_replaced_and_its_batches_written_once(store, tmp_path):
    """The kernel kills the writing process mid-transaction: what it was writing is undone,
    and a new process writes the batches it had not answered, then the next ones. A batch
    that kills the new one too fails, and its source fetches it again at the next pass."""
    writer = WriterProcess(store.path)
    try:
        url = "https://journal.example/{}".format
        assert writer.submit(_Save([url(1)])).result(60) == [url(1)]
        first = writer.pid
        slow = writer.submit(_Save([url(2)], hold=str(tmp_path)))
        after = writer.submit(_Save([url(3)]))
        _started(tmp_path)  # inside the held batch, mid-transaction
        (tmp_path / "go").touch()  # the next process goes through at once
        os.kill(first, signal.SIGKILL)
        assert slow.result(60) == [url(2)] and after.result(60) == [url(3)]
        assert writer.pid not in (None, first)
        fatal = writer.submit(_Save([url(4)], fail="fatal"))
        with pytest.raises(TrackerError, match="the writing process stopped"):
            fatal.result(60)
        assert writer.submit(_Save([url(5)])).result(60) == [url(5)]
        writer.close()
        assert _urls(store) == [url(n) for n in (1, 2, 3, 5)]
        # Each stored once, in the order the batches came.
        rowids = [r[0] for r in store.db.execute("SELECT url FROM documents ORDER BY rowid")]
        assert rowids == [url(n) for n in (1, 2, 3, 5)]
    finally:
        writer.close()


def test_a_batch_behind_one_that_kills_the_writer_twice_is_still_written(store, tmp_path):
    """A batch sent again that kills the new process too fails; a batch that came after
    it, sent once, goes to the next process and is written."""
    writer = WriterProcess(store.path)
    try:
        url = "https://journal.example/{}".format
        poison = writer.submit(_Save([url(1)], fail="fatal", hold=str(tmp_path)))
        _started(tmp_path)
        (tmp_path / "started").unlink()
        os.kill(writer.pid, signal.SIGKILL)  # held: it goes to a new process, once
        _started(tmp_path)  # held there too
        second = writer.pid
        behind = writer.submit(_Save([url(2)]))
        (tmp_path / "go").touch()  # it kills that process too
        with pytest.raises(TrackerError, match="the writing process stopped"):
            poison.result(60)
        assert behind.result(60) == [url(2)]
        assert writer.pid not in (None, second)
        writer.close()
        assert _urls(store) == [url(2)]
    finally:
        writer.close()


def test_a_daemon_that_exits_without_closing_its_writer_still_ends(store, tmp_path):
    """A reload that fails half-way leaves a writer unclosed when the daemon exits: the
    child, which ignores SIGTERM, must not keep the daemon waiting for ever; what was sent
    is written first."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tests.test_writeprocess import _Save\n"
        "from tracker.writeprocess import WriterProcess\n"
        "w = WriterProcess(Path(sys.argv[1]))\n"
        "assert w.submit(_Save(['https://journal.example/1'])).result(60)\n"
        "w.submit(_Save(['https://journal.example/2'], wait=0.5))\n"
        "sys.exit(3)\n")
    done = subprocess.run([sys.executable, "-c", script, str(store.path)], timeout=120,
                          capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 3, done.stderr
    assert _urls(store) == ["https://journal.example/1", "https://journal.example/2"]


def test_a_writer_that_cannot_start_again_fails_its_batches_instead_of_hanging(
        store, monkeypatch, tmp_path):
    from tracker import writeprocess

    writer = WriterProcess(store.path)
    try:
        slow = writer.submit(_Save(["https://journal.example/1"], hold=str(tmp_path)))
        _started(tmp_path)
        real = writeprocess._Child.start

        def no_process(*args, **kwargs):
            raise OSError("Cannot allocate memory")

        monkeypatch.setattr(writeprocess._Child, "start", no_process)
        os.kill(writer.pid, signal.SIGKILL)
        with pytest.raises(TrackerError, match="could not start again"):
            slow.result(60)
        monkeypatch.setattr(writeprocess._Child, "start", real)
        assert writer.submit(_Save(["https://journal.example/2"])).result(60)
    finally:
        writer.close()


def _started(folder: Path) -> None:
    deadline = time.monotonic() + 60
    while not (folder / "started").exists():
        assert time.monotonic() < deadline, "the batch never started"
        time.sleep(0.05)
