"""A scripter's story: the `tracker` command keeps its promises to shell scripts — exit
codes, one-line errors on stderr, clean stdout, pipes."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from tests.conftest import write_config
from tracker.models import Article, Mention
from tracker.store import Store


@pytest.fixture
def db_with_rows(tmp_path, kb):
    import datetime as dt

    config = write_config(tmp_path, [{"name": "s", "kind": "feed",
                                      "url": "https://example.org/feed"}])
    when = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    with Store(tmp_path / "tracker.db") as store:
        store.sync_entities(kb)
        store.sync_sources(__import__("tracker.config").config.load_config(config).sources)
        for i in range(300):
            text = f"Olivier Faure et le PS, épisode {i}."
            store.save(Article(source="s", url=f"https://example.org/{i}", text=text,
                               lang="fr", published_at=when, date_source="feed",
                               fetched_at=when, title=f"=HYPERLINK(\"x\") {i}"),
                       [Mention("olivier-faure", "politician", "ps", "Olivier Faure", 0, 13,
                                text, "alias")], kb_version="k", tagger_version="t")
    return config


def _tracker(*args, **kw):
    return subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True,
                          text=True, timeout=60, **kw)


def test_usage_error_is_one_line_and_exit_2(db_with_rows):
    result = _tracker("mentions", "--config", str(db_with_rows), "--since", "yesterday")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("tracker: error: Invalid value for '--since'")


def test_unknown_name_prints_nothing_on_stdout(db_with_rows):
    result = _tracker("mentions", "--config", str(db_with_rows), "--party", "nosuch",
                      "--format", "csv")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == ("tracker: error: unknown party 'nosuch': not an id, name "
                                     "or alias in the knowledge base")


def test_a_language_is_a_code_whatever_its_case_and_a_limit_of_0_is_a_count(db_with_rows):
    """`--lang FR` finds the French documents; `--lang french` matched nothing, silently,
    and now says why; `--limit 0` said "no mentions match" over 300 matches."""
    upper = _tracker("mentions", "--config", str(db_with_rows), "--lang", "FR", "--limit",
                     "2", "--format", "jsonl")
    assert upper.returncode == 0 and len(upper.stdout.splitlines()) == 2
    for command in (["mentions"], ["export", "-o", "-"], ["stats"]):
        wrong = _tracker(*command, "--config", str(db_with_rows), "--lang", "french")
        assert wrong.returncode == 2 and wrong.stdout == ""
        assert "'french' is not a two-letter language code" in wrong.stderr
    counted = _tracker("mentions", "--config", str(db_with_rows), "--limit", "0")
    assert counted.returncode == 0 and counted.stdout == ""
    assert counted.stderr.strip() == "300 mentions match (--limit 0 shows none)"
    # A limit the user chose says of how many too: "2 mentions" read as the search's count.
    two = _tracker("mentions", "--config", str(db_with_rows), "--limit", "2")
    assert two.returncode == 0 and len(two.stdout.splitlines()) == 2
    assert two.stderr.strip() == "2 of 300 mentions shown (--limit N for more)"


@pytest.mark.parametrize("args, message", [
    (["--party", "PS", "--party", "UMP"], "Invalid value for '--party': given 2 times"),
    (["--party", ""], "Invalid value for '--party': empty value"),
    (["--source", " "], "Invalid value for '--source': empty value"),
    (["--since", "2020-01-01", "--since", "2021-01-01"], "Invalid value for '--since'"),
])
def test_a_filter_is_given_once_and_never_empty(db_with_rows, args, message):
    """`--party PS --party UMP` counted UMP alone, silently; `--party "$UNSET"` exported
    every mention under one party's name (journalist audit)."""
    for command in (["mentions"], ["export", "-o", "-"], ["stats"]):
        if command == ["stats"] and args[0] == "--party":
            continue  # stats counts every party; it has no --party
        done = _tracker(*command, "--config", str(db_with_rows), *args)
        assert done.returncode == 2 and done.stdout == "", done.stderr
        assert message in done.stderr and len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("command", [
    ["report", "-o", "r.html", "--since", "2026-01-01", "--since", "2025-01-01"],
    ["report", "-o", "r.html", "--until", "2026-01-01", "--until", "2025-01-01"],
    ["tag", "-", "--source", "a", "--source", "b"],
    ["tag", "-", "--date", "2020-01-01", "--date", "2021-01-01"],
    ["tag", "-", "--lang", "fr", "--lang", "en"],
    ["retag", "--since", "2020-01-01", "--since", "2021-01-01"],
])
def test_an_option_of_one_value_given_twice_is_refused(db_with_rows, tmp_path, command):
    """`report --since A --since B` drew the report from B, silently."""
    command = [str(tmp_path / c) if c == "r.html" else c for c in command]
    done = _tracker(*command, "--config", str(db_with_rows))
    assert done.returncode == 2 and "given 2 times; one value only" in done.stderr
    assert len(done.stderr.splitlines()) == 1 and not (tmp_path / "r.html").exists()


def test_namesakes_are_told_apart_by_their_ids(db_with_rows):
    """Two MPs named David Martin: "give the full name" asked for what was given; the ids
    tell them apart, and work (journalist audit)."""
    done = _tracker("mentions", "--config", str(db_with_rows), "--politician", "David Martin")
    assert done.returncode == 2 and done.stdout == ""
    assert "(david-martin)" in done.stderr and "(david-martin-1944)" in done.stderr
    assert done.stderr.rstrip().endswith("give the full name or the id")
    by_id = _tracker("mentions", "--config", str(db_with_rows), "--politician",
                     "david-martin-1944")
    assert by_id.returncode == 0


@pytest.mark.parametrize("command", [
    ["mentions", "--limit"], ["export", "-o", "-", "--limit"], ["stats", "--top"],
    ["report", "-o", "-", "--latest"], ["candidates", "--limit"], ["kb", "rules", "--delete"]])
def test_a_count_too_large_is_a_usage_error(db_with_rows, command):
    """A number past what SQLite holds was an "unexpected error: OverflowError", exit 1."""
    done = _tracker(*command, "99999999999999999999999", "--config", str(db_with_rows))
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert "is not in the range" in done.stderr and len(done.stderr.splitlines()) == 1


def test_a_closed_pipe_is_a_quiet_success(db_with_rows):
    pipeline = subprocess.run(
        f"{sys.executable} -m tracker mentions --config {db_with_rows} --format csv | head -1",
        shell=True, capture_output=True, text=True, timeout=60,
        executable="/bin/bash")
    assert pipeline.stdout.startswith("published_at,source,url")
    assert "Traceback" not in pipeline.stderr and "error" not in pipeline.stderr
    status = subprocess.run(
        f"set -o pipefail; {sys.executable} -m tracker mentions --config {db_with_rows} "
        "--format csv | head -1 > /dev/null", shell=True, executable="/bin/bash", timeout=60)
    assert status.returncode == 0


def test_query_values_are_data_not_sql(db_with_rows):
    result = _tracker("mentions", "--config", str(db_with_rows), "--format", "csv",
                      "--source", "' OR 1=1 --")
    # The value is looked up as a name, never run: refused as an unknown source.
    assert result.returncode == 2 and result.stdout == ""
    assert "no such source" in result.stderr and "OR 1=1" in result.stderr


def test_export_neutralises_formulas_and_never_leaves_half_a_file(db_with_rows, tmp_path):
    out = tmp_path / "out.csv"
    ok = _tracker("export", "--config", str(db_with_rows), "-o", str(out))
    assert ok.returncode == 0 and ok.stderr.strip() == f"300 mentions written to {out}"
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert len(rows) == 300 and all(r["title"].startswith("'=HYPERLINK(") for r in rows)
    refused = _tracker("export", "--config", str(db_with_rows), "-o", str(out))
    assert refused.returncode == 1 and "already exists (use --force" in refused.stderr
    missing = _tracker("export", "--config", str(db_with_rows), "-o",
                       str(tmp_path / "no" / "dir.csv"))
    assert missing.returncode == 1 and not (tmp_path / "no").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_an_output_that_cannot_be_written_is_named_as_typed(db_with_rows, tmp_path):
    """`-o /proc/x.csv` or a name of 300 letters said "unexpected error" and named a
    hidden `.part` file; `-o ""` (an unset variable) said ". is a folder"."""
    for target, said in (("/proc/x.csv", "/proc/x.csv: cannot be written"),
                         (str(tmp_path / ("a" * 300 + ".csv")), "cannot be written (File name "
                                                                 "too long)"),
                         ("", "the output file's name is empty")):
        for command in (["export"], ["report", "--since", "2026-01-01"]):
            result = _tracker(*command, "--config", str(db_with_rows), "-o", target)
            assert result.returncode == 1, result.stderr
            line = result.stderr.strip().splitlines()[-1]
            assert line.startswith("tracker: error: ") and said in line, line
            assert ".part" not in line and len(line) < 160
    # A long name the file system takes is written (its temporary copy's name was
    # longer, and refused).
    long = tmp_path / ("b" * 240 + ".csv")
    assert _tracker("export", "--config", str(db_with_rows), "-o", str(long)).returncode == 0
    assert long.exists()


def test_help_describes_every_command():
    result = _tracker("--help")
    assert result.returncode == 0
    for command in ("run", "mentions", "export", "tag", "sources"):
        assert command in result.stdout
        sub = _tracker(command, "--help")
        assert sub.returncode == 0 and "--config" in sub.stdout and "--db" in sub.stdout


def test_help_answers_without_loading_the_heavy_libraries():
    """`tracker --help` and the command modules load no model, no HTTP stack, no database
    library: each of them costs a scripter's every command a tenth of a second or more."""
    code = ("import sys, tracker.cli; print(' '.join(m for m in ('spacy', 'requests', "
            "'sqlite_utils', 'numpy', 'tracker.store', 'tracker.fetch') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
