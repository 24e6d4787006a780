"""French loads in a second, not three: the tokenizer's 1.4 MB expression is compiled once
per machine and kept in the cache folder (tracker.regexcache)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tracker import regexcache

pytestmark = pytest.mark.skipif(not regexcache._usable(),
                                reason="needs CPython 3.11+'s re internals")

WORDS = [f"mot{i}-{'ab' * (i % 7)}" for i in range(3_000)]
BIG = "(?i)" + "|".join(f"(?:{w}(?:-t-(?:il|elle))?)" for w in WORDS) + r"|(?P<num>\d+[a-z]*)"
PROBES = ["mot5-ababababab", "MOT5-ABABABABAB", "mot42-ababababab-t-il", "mot42", "123abc",
          "x", "", "mot2999-ababab", "mot7-", "mot3000-"]


def _same(a: re.Pattern, b: re.Pattern) -> None:
    assert (a.pattern, a.flags, a.groups, a.groupindex) == (b.pattern, b.flags, b.groups,
                                                             b.groupindex)
    for probe in PROBES:
        ma, mb = a.match(probe), b.match(probe)
        assert (ma and (ma.span(), ma.groups())) == (mb and (mb.span(), mb.groups())), probe


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("TRACKER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(regexcache, "_made", {})  # nothing compiled earlier in this process
    return tmp_path / "cache" / "tracker"


def test_a_big_expression_is_compiled_once_then_rebuilt_from_its_kept_code(cache, monkeypatch):
    first = regexcache.compiled(BIG, re.UNICODE)
    kept = list(cache.glob("re-*.bin"))
    assert len(kept) == 1
    _same(first, re.compile(BIG, re.UNICODE))

    compiling = []

    def counted(parsed, flags):
        compiling.append(flags)
        return real._code(parsed, flags)

    real = regexcache._compiler
    monkeypatch.setattr(regexcache, "_compiler", SimpleNamespace(_code=counted))
    again = regexcache.compiled(BIG, re.UNICODE)
    _same(again, first)
    assert compiling == []
    # Other flags are another expression: never taken from this file.
    other = regexcache.compiled(BIG, re.UNICODE | re.MULTILINE)
    assert compiling == [re.UNICODE | re.MULTILINE]
    _same(other, re.compile(BIG, re.UNICODE | re.MULTILINE))


def test_a_damaged_kept_file_is_compiled_afresh_and_replaced(cache):
    regexcache.compiled(BIG)
    (path,) = cache.glob("re-*.bin")
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF  # one byte of code changed: the checksum no longer holds
    path.write_bytes(bytes(data))
    _same(regexcache.compiled(BIG), re.compile(BIG))
    assert path.read_bytes() != bytes(data)
    path.write_bytes(path.read_bytes()[:100])  # cut short
    _same(regexcache.compiled(BIG), re.compile(BIG))
    head = json.loads(path.read_bytes().split(b"\n")[1])
    assert head["sha256"] and head["groupindex"] == {"num": 1}


def test_an_unwritable_cache_folder_still_compiles(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TRACKER_CACHE", str(blocker / "cache"))
    _same(regexcache.compiled(BIG), re.compile(BIG))
    assert not list(tmp_path.rglob("re-*.bin"))


def test_only_big_patterns_inside_kept_go_through_the_cache(cache):
    plain = re.compile
    with regexcache.kept():
        assert re.compile is not plain
        with regexcache.kept():  # nested: still on
            small = re.compile(r"\d+")
        big = re.compile(BIG)
        assert re.compile(BIG) is big  # the same object, as re's own cache gives
    assert re.compile is plain
    assert small is plain(r"\d+")
    assert len(list(cache.glob("re-*.bin"))) == 1


def test_other_threads_compile_as_usual_meanwhile(cache):
    seen = []
    inside, done = threading.Event(), threading.Event()

    def other() -> None:
        inside.wait(10)
        seen.append(re.compile(BIG + "|other"))  # while the main thread is inside kept()
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with regexcache.kept():
        inside.set()
        done.wait(10)
    thread.join()
    assert seen and seen[0].pattern.endswith("|other")
    assert not list(cache.glob("re-*.bin"))


def test_old_kept_files_go_when_another_is_written_and_a_read_keeps_one(cache):
    cache.mkdir(parents=True)
    month_ago = time.time() - 40 * 86400
    stale, crashed = cache / "re-0000-cpython-311-1.bin", cache / ".re-abc.tmp"
    for old in (stale, crashed):
        old.write_bytes(b"old")
        os.utime(old, (month_ago, month_ago))
    regexcache.compiled(BIG)
    (current,) = cache.glob("re-*.bin")
    assert not stale.exists() and not crashed.exists()
    os.utime(current, (month_ago, month_ago))
    regexcache.compiled(BIG)  # read: no longer unused
    assert time.time() - current.stat().st_mtime < 3600


def _tokens(cache: Path) -> tuple[list[str], float]:
    script = (
        "import json, time\n"
        "t = time.process_time()\n"
        "from tracker.tag import _load_model\n"
        "nlp = _load_model('fr')\n"
        "cpu = time.process_time() - t\n"
        "text = \"Aujourd'hui, a-t-il dit, Jean-Luc Mélenchon parle d'entr'amis, peut-être.\"\n"
        "print(json.dumps([[t.text for t in nlp(text)], cpu]))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, env={**os.environ, "TRACKER_CACHE": str(cache)})
    tokens, cpu = json.loads(out.stdout)
    return tokens, cpu


def test_the_french_pipeline_tokenizes_the_same_from_the_kept_expression(tmp_path):
    cold, _ = _tokens(tmp_path)
    (kept,) = (tmp_path / "tracker").glob("re-*.bin")
    written = kept.stat()
    warm, _ = _tokens(tmp_path)
    assert (kept.stat().st_ino, kept.stat().st_mtime_ns) == (written.st_ino,
                                                              written.st_mtime_ns)
    assert cold == warm == ["Aujourd'hui", ",", "a", "-t", "-il", "dit", ",", "Jean-Luc",
                            "Mélenchon", "parle", "d'", "entr'amis", ",", "peut-être", "."]


def test_another_pythons_internals_or_a_wrong_pattern_behave_as_re_compile(cache, monkeypatch):
    def changed(parsed, flags):
        raise TypeError("_code() takes 3 positional arguments")

    monkeypatch.setattr(regexcache, "_compiler", SimpleNamespace(_code=changed))
    _same(regexcache.compiled(BIG), re.compile(BIG))
    assert not list(cache.glob("re-*.bin"))
    with pytest.raises(re.error):
        regexcache.compiled("(" + BIG)
