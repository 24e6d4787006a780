"""A newcomer's first hour: `tracker init`, a first pass over a folder of articles, then
reading the results, where every read-only command leaves the database as it was and every
mistake is an error that says what to do."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, tracker

ROOT = Path(__file__).resolve().parent.parent
READERS = [["mentions"], ["export"], ["stats"], ["report", "-o", "r.html"], ["sources"],
           ["candidates"], ["db", "backup", "copy.db"]]


def files_in(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a digest of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_writes_a_commented_starter_and_never_overwrites(tmp_path):
    made = tracker("init", "watch", cwd=tmp_path)
    assert made.returncode == 0 and "tracker run --once" in made.stderr
    folder = tmp_path / "watch"
    assert {p.name for p in folder.iterdir()} == {"config.yaml", "my-entities.yaml", "inbox"}
    text = (folder / "config.yaml").read_text("utf-8")
    assert "# - name: lemonde-politique" in text and "my-entities.yaml" in text
    from tracker.config import load_config
    from tracker.kbload import load_kb

    config = load_config(folder / "config.yaml")
    assert [s.name for s in config.sources] == ["inbox"]
    kb = load_kb(config.entities)  # the shipped KB and the (empty) user file
    assert "nicolas-sarkozy" in kb.entities and len(kb.entities) > 15_000
    (folder / "config.yaml").write_text("# mine\n", "utf-8")
    again = tracker("init", "watch", cwd=tmp_path)
    assert again.returncode != 0 and "--force" in again.stderr
    assert (folder / "config.yaml").read_text("utf-8") == "# mine\n"
    # A KB file of one's own, written before: kept, and the config written beside it
    # (init refused, and --force would have overwritten the file).
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "my-entities.yaml").write_text("politicians: [{id: x-y, name: X Y}]\n", "utf-8")
    beside = tracker("init", cwd=mine)
    assert beside.returncode == 0, beside.stderr
    assert "kept your my-entities.yaml" in beside.stderr
    assert (mine / "my-entities.yaml").read_text("utf-8") == \
        "politicians: [{id: x-y, name: X Y}]\n"
    assert "x-y" in load_kb(load_config(mine / "config.yaml").entities).entities
    # --force starts the config again, its old one kept beside it, and never touches the
    # people one has accepted (it wrote the empty starter over them: README audit).
    forced = tracker("init", "--force", cwd=mine)
    assert forced.returncode == 0, forced.stderr
    assert "kept your my-entities.yaml; the old config.yaml is config.yaml.bak" in \
        forced.stderr
    assert (mine / "my-entities.yaml").read_text("utf-8") == \
        "politicians: [{id: x-y, name: X Y}]\n"
    assert (mine / "config.yaml.bak").exists() and "x-y" in load_kb(
        load_config(mine / "config.yaml").entities).entities


def test_without_a_config_the_commands_point_to_init(tmp_path):
    for args in (["run", "--once"], ["sources"]):
        result = tracker(*args, cwd=tmp_path)
        assert result.returncode == 2 and "tracker init" in result.stderr, args
        assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_tag_works_from_any_folder_with_the_shipped_knowledge_base(tmp_path):
    result = tracker("tag", "-", "--format", "jsonl", cwd=tmp_path,
                     input="Nicolas Sarkozy a rencontré le PS hier.")
    assert result.returncode == 0, result.stderr
    assert '"entity_id": "nicolas-sarkozy"' in result.stdout
    assert '"entity_id": "ps"' in result.stdout
    assert "date " in result.stderr and "today" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_tag_takes_the_documents_own_date_unless_told(tmp_path):
    page = SAMPLES / "2007-campagne-web.html"  # published 2009-03-12
    own = tracker("tag", str(page), "--format", "jsonl", cwd=tmp_path)
    assert "date 2009-03-12 (the document's own date)" in own.stderr
    assert '"party_id": "ump"' in own.stdout and '"party_id": "lr"' not in own.stdout
    assert '"published_at": "2009-03-12T' in own.stdout
    told = tracker("tag", str(page), "--format", "jsonl", "--date", "2020-01-01", cwd=tmp_path)
    assert "date 2020-01-01 (from --date)" in told.stderr and '"party_id": "lr"' in told.stdout


def test_a_headline_repeated_in_the_body_counts_once(newsroom):
    rows = tracker("export", "--format", "jsonl", "--politician", "Kamala Harris",
                   cwd=newsroom)
    assert rows.returncode == 0, rows.stderr
    headline = '"sentence": "Trump wins second term as Harris coalition falls short"'
    assert rows.stdout.count(headline) == 1


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0] if len(a) < 3 else "backup")
def test_read_only_commands_never_create_a_database(newsroom, tmp_path, args):
    shutil.copy(newsroom / "config.yaml", tmp_path / "config.yaml")
    result = tracker(*args, cwd=tmp_path)
    assert result.returncode != 0 and "no database here" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0] if len(a) < 3 else "backup")
def test_another_programs_sqlite_file_is_refused_untouched(newsroom, tmp_path, args):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    before = files_in(tmp_path)
    result = tracker(*args, "--config", str(newsroom / "config.yaml"), "--db", str(other),
                     cwd=tmp_path)
    assert result.returncode != 0 and "not a tracker database" in result.stderr
    assert files_in(tmp_path) == before  # same bytes, no -wal, -shm or report left


@pytest.mark.parametrize("args", [["run", "--once"], ["retag"], ["db", "upgrade"]],
                         ids=lambda a: a[0])
@pytest.mark.parametrize("kind", ["sqlite", "text"])
def test_a_writer_refuses_another_programs_file_untouched_before_any_worker(
        tmp_path, args, kind):
    """`--db` pointing at the wrong file by mistake: the commands that write refuse it in
    one line, before switching its journal to WAL (written into the file) and before
    starting worker processes (which, stopped half-way, printed a traceback)."""
    from tests.conftest import write_config

    config = write_config(tmp_path, [{"name": "inbox", "kind": "files",
                                      "path": str(tmp_path / "inbox")}],
                          defaults={"tag_processes": 2})
    (tmp_path / "inbox").mkdir()
    other = tmp_path / "other.db"
    if kind == "sqlite":
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.commit()
        conn.close()
    else:
        other.write_text("my notes, not a database\n")
    before = files_in(tmp_path)
    result = tracker(*args, "--config", str(config), "--db", str(other), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]  # one line
    assert ("not a tracker database" if kind == "sqlite" else "not a database") \
        in result.stderr
    assert files_in(tmp_path) == before  # same bytes, no -wal or -shm left


def test_reading_leaves_the_database_as_it_was(newsroom):
    before = files_in(newsroom / "data")
    stamp = (newsroom / "data" / "tracker.db").stat().st_mtime_ns
    for args in ([["mentions"], ["export", "--format", "jsonl"], ["stats"], ["sources"],
                  ["candidates"], ["entities", "--limit", "3"]]):
        result = tracker(*args, cwd=newsroom)
        assert result.returncode == 0, (args, result.stderr)
    assert files_in(newsroom / "data") == before
    assert (newsroom / "data" / "tracker.db").stat().st_mtime_ns == stamp


def test_an_older_schema_names_the_command_that_upgrades_it(newsroom, tmp_path):
    from sqlite_utils import Database

    from tracker.store import migrations

    old = tmp_path / "old.db"
    db = Database(old)
    migrations.apply(db, stop_before="m007_discovered")
    db.close()
    before = files_in(tmp_path)
    config = str(newsroom / "config.yaml")
    refused = tracker("mentions", "--config", config, "--db", str(old), cwd=tmp_path)
    assert refused.returncode != 0 and f"tracker db upgrade --db {old}" in refused.stderr
    assert files_in(tmp_path) == before
    upgraded = tracker("db", "upgrade", "--config", config, "--db", str(old), cwd=tmp_path)
    assert upgraded.returncode == 0 and "m007_discovered" in upgraded.stderr
    assert tracker("mentions", "--config", config, "--db", str(old), cwd=tmp_path
                   ).returncode == 0


def test_mistakes_are_usage_errors(newsroom):
    wrong = tracker("mentions", "--source", "inbx", cwd=newsroom)
    assert wrong.returncode == 2 and "known: inbox" in wrong.stderr
    for command in (["mentions"], ["export"], ["stats"], ["report", "-o", "x.html"]):
        late = tracker(*command, "--since", "2024-02-01", "--until", "2024-01-01",
                       cwd=newsroom)
        assert late.returncode == 2 and "is after --until" in late.stderr, command
    assert not (newsroom / "x.html").exists()
    bare = tracker(cwd=newsroom)
    assert bare.returncode == 0 and bare.stdout.startswith("Usage: ") and bare.stderr == ""


def test_an_interval_without_a_unit_is_refused(tmp_path):
    from tracker.config import load_config
    from tracker.errors import ConfigError

    (tmp_path / "config.yaml").write_text(
        "sources:\n  - {name: a, kind: feed, url: 'https://example.org/f', interval: 5}\n")
    with pytest.raises(ConfigError, match=r"5 has no unit \(write e.g. 5s or 5m"):
        load_config(tmp_path / "config.yaml")


def test_report_follows_stats_window_and_warns_when_empty(newsroom, tmp_path):
    made = tracker("report", "-o", str(tmp_path / "r.html"), cwd=newsroom)
    # The samples end on 2024-11-06: the window ends there, not today.
    assert made.returncode == 0 and "2023-11-08 to 2024-11-06" in made.stderr
    assert "warning" not in made.stderr
    mask = os.umask(0o022)
    os.umask(mask)
    assert (tmp_path / "r.html").stat().st_mode & 0o777 == 0o666 & ~mask
    empty = tracker("report", "-o", str(tmp_path / "e.html"), "--since", "2001-01-01",
                    "--until", "2001-03-01", cwd=newsroom)
    assert empty.returncode == 0 and "warning: no mentions from 2001-01-01" in empty.stderr
