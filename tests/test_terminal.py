"""Reading the results in a real terminal (a pseudo-terminal at 80 and 200 columns) and
through a pipe: short blocks that never split a word or a link, plain lines for scripts."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, tracker

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def in_terminal(args: list[str], cwd: Path, columns: int) -> str:
    """The command's output as a terminal of ``columns`` columns shows it."""
    return _screen(b"".join(chunk for _, chunk in _terminal_output(args, cwd, columns)))


def _terminal_output(args: list[str], cwd: Path, columns: int) -> list[tuple[float, bytes]]:
    """What the command wrote to a pseudo-terminal, chunk by chunk, each with the seconds
    since it started."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "tracker", *args], cwd=cwd,
                            stdin=follower, stdout=follower, stderr=follower,
                            env={**env, "TERM": "xterm-256color"})
    os.close(follower)
    out = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the command exited and closed its side
            break
        if not chunk:
            break
        out.append((time.monotonic() - started, chunk))
    os.close(leader)
    assert proc.wait(timeout=120) == 0, b"".join(c for _, c in out)
    return out


def _screen(raw: bytes) -> str:
    return ANSI.sub("", raw.decode("utf-8", errors="replace")).replace("\r\n", "\n")


def _blocks(screen: str) -> list[list[str]]:
    body = [line for line in screen.split("\n")]
    blocks, current = [], []
    for line in body:
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks


@pytest.mark.parametrize("columns", [80, 200])
def test_mentions_fit_a_terminal_without_splitting_words_or_links(newsroom, columns):
    screen = in_terminal(["mentions"], newsroom, columns)
    blocks = _blocks(screen)
    note = blocks.pop()  # "50 of 72 mentions shown (--limit N for more)"
    assert re.fullmatch(r"50 of \d+ mentions shown \(--limit N for more\)", note[0])
    assert len(blocks) == 50
    word = re.compile(r"[\w’'-]+")
    words = set(word.findall((SAMPLES / "2024-us-election.html").read_text("utf-8")))
    for block in blocks:
        assert len(block) <= 3, block  # and a blank line: at most 4 lines a mention
        assert all(len(line) <= columns for line in block)
        assert re.match(r"\d{4}-\d\d-\d\d  inbox  \S", block[0])
        link = block[-1].strip()
        assert link.startswith("/") and " " not in link
        assert link.endswith(".html") or link.endswith(".txt")
    us = [b for b in blocks if "2024-us-election" in b[-1]]
    assert us
    for block in us:  # no word of the page is cut in the words around the name
        assert set(word.findall(block[1])) <= words, block[1]


def test_mentions_piped_are_tab_separated_lines(newsroom):
    piped = tracker("mentions", "--limit", "5", cwd=newsroom)
    lines = piped.stdout.splitlines()
    assert len(lines) == 5 and all(line.count("\t") == 6 for line in lines)
    assert "┃" not in piped.stdout and "\x1b" not in piped.stdout
    date, source, entity, party, surface, sentence, url = lines[0].split("\t")
    assert source == "inbox" and url.startswith("file://") and surface in sentence
    capped = tracker("mentions", cwd=newsroom)
    assert len(capped.stdout.splitlines()) == 50
    assert re.fullmatch(r"50 of \d+ mentions shown \(--limit N for more\)\n", capped.stderr)


def test_wide_shows_whole_sentences(newsroom):
    screen = in_terminal(["mentions", "--wide", "--limit", "20"], newsroom, 80)
    assert "…" not in screen.replace("20 mentions", "")


@pytest.fixture(scope="module")
def failing_home(newsroom, tmp_path_factory):
    """The newsroom with a second source, whose one pass failed (both widths read it)."""
    home = tmp_path_factory.mktemp("failing") / "home"
    shutil.copytree(newsroom, home)
    config = home / "config.yaml"
    config.write_text(config.read_text("utf-8") + (
        "  - name: gone\n    kind: feed\n    url: http://127.0.0.1:9/feed.xml\n"), "utf-8")
    tracker("run", "--once", "--source", "gone", cwd=home)
    return home


@pytest.mark.parametrize("columns", [80, 200])
def test_sources_read_well_and_show_the_cause_of_a_failure(failing_home, columns):
    screen = in_terminal(["sources"], failing_home, columns)
    blocks = {b[0].split()[0]: b for b in _blocks(screen)}
    assert set(blocks) == {"inbox", "gone"}
    assert "ok  4 documents" in blocks["inbox"][0]
    gone = blocks["gone"]
    assert "failing ×1" in gone[0] and "0 documents" in gone[0]
    cause = gone[2].strip()
    assert "http://127.0.0.1:9" not in cause and cause  # the cause, not the URL again
    assert gone[3].strip() == "127.0.0.1:9/feed.xml"
    assert all(len(line) <= columns for b in blocks.values() for line in b)


def test_a_next_run_gone_by_reads_due():
    """After the daemon stopped, `sources` said "next 16:17" below "fetched 16:23"."""
    import io

    from rich.console import Console

    from tracker.display import write_sources

    row = {"name": "inbox", "kind": "files", "last_status": "ok", "consecutive_failures": 0,
           "documents": 2, "not_modified_rate": None, "last_fetch_at": "2026-11-28T16:23:00Z",
           "last_new_at": "2026-11-28T16:23:00Z", "last_error": None, "location": "inbox"}
    for next_run, said in (("2026-11-28T16:17:00Z", "· due"),
                           ("2999-01-01T00:00:00Z", "· next 2999-01-01 00:00")):
        out = io.StringIO()
        write_sources([{**row, "next_run_at": next_run}], Console(file=out, width=120))
        assert said in out.getvalue(), out.getvalue()


def test_stats_fold_empty_weeks_in_a_table_but_not_in_csv(newsroom):
    table = in_terminal(["stats", "--view", "counts", "--since", "2024-01-01"], newsroom, 120)
    assert re.search(r"2024-\d\d-\d\d … 2024-\d\d-\d\d\s+│ none in \d+ weeks", table)
    assert "│ -" not in table.replace("│ -  ", "")  # no week listed alone as empty twice
    csv = tracker("stats", "--view", "counts", "--since", "2024-01-01", "--format", "csv",
                  cwd=newsroom)
    weeks = {line.split(",")[0] for line in csv.stdout.splitlines()[1:]}
    assert len(weeks) >= 44  # every week of 2024 up to the last mention


def test_a_run_shows_what_is_loading_from_the_first_second(tmp_path):
    """`tracker run --once` in a terminal, two worker processes: the knowledge base and
    the workers have their lines from the start, long before the workers are ready (a
    few seconds: each loads spaCy and the KB), and the pass fetches meanwhile."""
    assert tracker("init", cwd=tmp_path).returncode == 0
    config = tmp_path / "config.yaml"
    config.write_text(config.read_text("utf-8").replace(
        "  # tag_processes: auto", "  tag_processes: 2"), "utf-8")
    for sample in SAMPLES.iterdir():
        shutil.copy(sample, tmp_path / "inbox" / sample.name)
    chunks = _terminal_output(["run", "--once"], tmp_path, 120)
    seen = b""
    first = ready = None
    for at, chunk in chunks:
        seen += chunk
        if first is None and "worker processes: starting 2" in _screen(seen):
            first = at
        if ready is None and re.search(r"of 2 ready", _screen(seen)):
            ready = at
    screen = _screen(seen)
    # Shown while the workers load, not once they are ready. (The seconds it takes are
    # bench/README's: a loaded machine, as under the suite's parallel runs, took 5.6 s.)
    assert first is not None and ready is not None and first <= ready, screen
    assert "knowledge base:" in screen and "entities" in screen
    # (a pass this short may end before the second worker is up: the first one did it all)
    assert re.search(r"worker processes: [12] of 2 ready", screen), screen
    assert "4 new documents" in screen
