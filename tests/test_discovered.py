"""A user's story with people the knowledge base lacks: articles introduce them with an
office ("le député LR de la Manche ...", "Rep. ... (D-Maine)"); they are stored as
discovered, listed by `tracker candidates`, left out on request, and once accepted into a
user KB file and retagged, become ordinary politicians.

The names are invented so that neither tracker/kbdata/entities.yaml nor the open-data layer knows
them."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import KB_FILE, tracker, write_config
from tracker.cli import cli

GOSSELINET, VERGNAUDIN, VELLACOURT = ("philippe-gosselinet", "josiane-vergnaudin",
                                      "jane-vellacourt")
DISCOVERED = {GOSSELINET, VERGNAUDIN, VELLACOURT}
INTRO_FR = "Le député LR de la Manche Philippe Gosselinet"
INTRO_EN = "Rep. Jane Vellacourt (D-Maine)"

ARTICLES = {
    "a1.txt": "Le député de la Manche vote contre la réforme\n12 mars 2024\n\n"
              f"{INTRO_FR} a voté contre la réforme des retraites mardi soir à l'Assemblée "
              "nationale. Interrogé à la sortie de l'hémicycle, Gosselinet a dénoncé un "
              "texte injuste pour les agriculteurs de son département. Emmanuel Macron "
              "défend au contraire une réforme nécessaire.\n",
    "a2.txt": "Réforme agricole : la colère gronde dans la Manche\n14 mars 2024\n\n"
              f"{INTRO_FR} a réuni les éleveurs de Saint-Lô jeudi matin pour préparer une "
              "mobilisation. La sénatrice Josiane Vergnaudin était également présente. "
              "Gosselinet promet de porter leurs revendications au gouvernement de Gabriel "
              "Attal.\n",
    "a3.txt": "Maine lawmaker opposes the farm bill\nMarch 13, 2024\n\n"
              f"{INTRO_EN} said on Tuesday she would vote against the farm bill in its "
              "current form. Vellacourt told reporters that Joe Biden should meet dairy "
              "farmers before the vote in the House of Representatives.\n",
}
KB_PEOPLE = {"Emmanuel Macron", "Gabriel Attal", "Joe Biden"}


def _invoke(config: Path, *args: str):
    return CliRunner().invoke(cli, [*args, "--config", str(config)])


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _jsonl(result) -> list[dict]:
    return [json.loads(line) for line in _ok(result).stdout.splitlines()]


def _db_rows(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The folder of three articles and a database from one `tracker run --once` over it."""
    root = tmp_path_factory.mktemp("discovered")
    folder = root / "archive"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, "utf-8")
    config = write_config(root, [{"name": "archive", "kind": "files", "path": str(folder)}])
    result = _ok(_invoke(config, "run", "--once"))
    assert "3 new documents" in result.output
    return root


def _copy(archive: Path, tmp_path: Path, **extra) -> Path:
    """A config of our own over a copy of the archive's database (a test may change it)."""
    shutil.copy(archive / "tracker.db", tmp_path / "tracker.db")
    return write_config(tmp_path, [{"name": "archive", "kind": "files",
                                    "path": str(archive / "archive")}], **extra)


# -- story 1: found, listed, and left out on request -----------------------------------------

def test_people_introduced_with_an_office_are_stored_as_discovered(archive):
    db = archive / "tracker.db"
    rows = _db_rows(db, "SELECT d.url, m.entity_id, m.surface, m.rule, m.method, m.party_id, "
                        "m.confidence FROM mentions m JOIN documents d ON d.id = m.document_id "
                        "WHERE m.method = 'discovered' ORDER BY d.url, m.start")
    by_doc = {}
    for url, entity, surface, rule, _, party, confidence in rows:
        by_doc.setdefault(url.rsplit("/", 1)[-1], []).append((entity, surface, rule, party))
        assert confidence < 0.7
    assert by_doc == {
        "a1.txt": [(GOSSELINET, "Philippe Gosselinet", "discovered", "lr"),
                   (GOSSELINET, "Gosselinet", "discovered-after-name", "lr")],
        "a2.txt": [(GOSSELINET, "Philippe Gosselinet", "discovered", "lr"),
                   (VERGNAUDIN, "Josiane Vergnaudin", "discovered", None),
                   (GOSSELINET, "Gosselinet", "discovered-after-name", "lr")],
        "a3.txt": [(VELLACOURT, "Jane Vellacourt", "discovered", "democratic-party"),
                   (VELLACOURT, "Vellacourt", "discovered-after-name", "democratic-party")],
    }
    marked = _db_rows(db, "SELECT id, name, type FROM entities WHERE discovered = 1 ORDER BY id")
    assert marked == [(VELLACOURT, "Jane Vellacourt", "politician"),
                      (VERGNAUDIN, "Josiane Vergnaudin", "politician"),
                      (GOSSELINET, "Philippe Gosselinet", "politician")]
    # The KB's own people and parties in the same texts are linked as usual.
    kb_rows = _db_rows(db, "SELECT DISTINCT entity_id FROM mentions WHERE method != 'discovered'")
    assert {r[0] for r in kb_rows} == {"lr", "emmanuel-macron", "gabriel-attal", "joe-biden"}


def test_mentions_show_them_and_no_discovered_leaves_them_out(archive):
    config = archive / "config.yaml"
    everything = _jsonl(_invoke(config, "mentions", "--format", "jsonl"))
    people = {(r["entity"], r["party"]) for r in everything if r["entity_type"] == "politician"}
    assert people == {("Philippe Gosselinet", "Les Républicains"),
                      ("Josiane Vergnaudin", None),
                      ("Jane Vellacourt", "Democratic Party"),
                      ("Emmanuel Macron", "Renaissance"), ("Gabriel Attal", "Renaissance"),
                      ("Joe Biden", "Democratic Party")}
    assert len(everything) == 12
    later = [r for r in everything if r["surface"] == "Gosselinet"]
    assert len(later) == 2 and all(r["entity"] == "Philippe Gosselinet" for r in later)
    assert all(r["rule"] == "discovered-after-name" for r in later)
    # The same in CSV, whose header is the export contract.
    text = _ok(_invoke(config, "mentions", "--format", "csv")).stdout
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == 12
    assert sum(r["entity"] == "Jane Vellacourt" for r in table) == 2

    kept = _jsonl(_invoke(config, "mentions", "--format", "jsonl", "--no-discovered"))
    assert {r["entity"] for r in kept} == {"Les Républicains", *KB_PEOPLE}
    assert len(kept) == 5
    assert not any(r["rule"].startswith("discovered") for r in kept)
    # Other filters still combine with it.
    french = _jsonl(_invoke(config, "mentions", "--format", "jsonl", "--no-discovered",
                            "--lang", "fr"))
    assert {r["entity"] for r in french} == {"Les Républicains", "Emmanuel Macron",
                                             "Gabriel Attal"}
    # A discovered person can be asked for by full name or id.
    own = _jsonl(_invoke(config, "mentions", "--format", "jsonl", "--politician",
                         "Philippe Gosselinet"))
    assert len(own) == 4 and {r["entity"] for r in own} == {"Philippe Gosselinet"}


def test_export_no_discovered_keeps_the_kb_mentions(archive, tmp_path):
    config = archive / "config.yaml"
    out = tmp_path / "all.csv"
    _ok(_invoke(config, "export", "-o", str(out)))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 12 and "Josiane Vergnaudin" in {r["entity"] for r in rows}
    out = tmp_path / "kb-only.csv"
    _ok(_invoke(config, "export", "--no-discovered", "-o", str(out)))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 5
    assert {r["entity"] for r in rows} == {"Les Républicains", *KB_PEOPLE}
    assert not {r["surface"] for r in rows} & {"Gosselinet", "Vellacourt", "Jane Vellacourt"}
    lines = _jsonl(_invoke(config, "export", "--format", "jsonl", "--no-discovered"))
    assert {r["entity"] for r in lines} == {"Les Républicains", *KB_PEOPLE}


def test_candidates_list_each_discovered_person_once_with_evidence(archive):
    config = archive / "config.yaml"
    listed = _jsonl(_invoke(config, "candidates", "--label", "discovered", "--format", "jsonl"))
    assert [r["id"] for r in listed] == [GOSSELINET, VELLACOURT, VERGNAUDIN]  # most first
    assert all(r["label"] == "discovered" for r in listed)
    found = {r["id"]: r for r in listed}
    assert (found[GOSSELINET]["count"], found[GOSSELINET]["party"]) == (4, "lr")
    assert (found[VELLACOURT]["count"], found[VELLACOURT]["party"]) == (2, "democratic-party")
    assert (found[VERGNAUDIN]["count"], found[VERGNAUDIN]["party"]) == (1, None)
    assert found[GOSSELINET]["name"] == "Philippe Gosselinet"
    # The evidence is the sentence that introduced them, office included.
    assert found[GOSSELINET]["example"].startswith(INTRO_FR + " a voté contre")
    assert found[GOSSELINET]["example_url"].endswith("/a1.txt")
    assert found[VELLACOURT]["example"].startswith(INTRO_EN)
    assert "La sénatrice Josiane Vergnaudin" in found[VERGNAUDIN]["example"]
    # Without --label they come first, before the model's other names; the KB's never.
    everyone = _jsonl(_invoke(config, "candidates", "--format", "jsonl"))
    assert [r["id"] for r in everyone[:3]] == [GOSSELINET, VELLACOURT, VERGNAUDIN]
    assert not KB_PEOPLE & {r["name"] for r in everyone}
    assert len([r for r in everyone if r["label"] == "discovered"]) == 3
    table = CliRunner().invoke(cli, ["candidates", "--config", str(config), "--label",
                                     "discovered"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "Philippe Gosselinet" in table.stdout
    assert "discovered (lr)" in table.stdout
    assert GOSSELINET in table.stdout  # the id `tracker kb accept ID` takes (README audit)


def test_stats_no_discovered_does_not_count_them(archive):
    config = archive / "config.yaml"
    week = ("--since", "2024-03-11", "--until", "2024-03-17")
    counts = _jsonl(_invoke(config, "stats", "--by", "politician", "--format", "jsonl", *week))
    assert {r["key"] for r in counts if r["mentions"]} == DISCOVERED | {
        "emmanuel-macron", "gabriel-attal", "joe-biden"}
    assert next(r for r in counts if r["key"] == GOSSELINET)["mentions"] == 4
    kept = _jsonl(_invoke(config, "stats", "--by", "politician", "--format", "jsonl",
                          "--no-discovered", *week))
    assert {r["key"] for r in kept} == {"emmanuel-macron", "gabriel-attal", "joe-biden"}
    assert all(r["mentions"] == 1 and r["share"] == pytest.approx(1 / 3, abs=1e-3)
               for r in kept)
    totals = _jsonl(_invoke(config, "stats", "--by", "politician", "--view", "totals",
                            "--format", "jsonl", "--no-discovered"))
    assert not DISCOVERED & {r["key"] for r in totals}
    # By party, a discovered member's mentions count for the party their cue gave, unless
    # left out: LR keeps only its own two "LR".
    parties = {r["key"]: r["mentions"] for r in _jsonl(_invoke(
        config, "stats", "--by", "party", "--view", "totals", "--format", "jsonl"))}
    assert parties["lr"] == 6 and parties["democratic-party"] == 3
    parties = {r["key"]: r["mentions"] for r in _jsonl(_invoke(
        config, "stats", "--by", "party", "--view", "totals", "--format", "jsonl",
        "--no-discovered"))}
    assert parties == {"lr": 2, "renaissance": 2, "democratic-party": 1}


# -- story 2: accepted into a user KB file, then retagged -------------------------------------

def test_accept_writes_a_kb_file_then_retag_makes_them_ordinary(archive, tmp_path):
    config = _copy(archive, tmp_path)
    db = tmp_path / "tracker.db"
    mine = tmp_path / "mine.yaml"
    # Neither ids nor --all: a usage error.
    refused = _invoke(config, "kb", "accept", "-o", str(mine))
    assert refused.exit_code == 2 and "--all" in refused.output and not mine.exists()
    # --min-count without --all was ignored; ids with --all too.
    for args in (["--min-count", "3", GOSSELINET], ["--all", GOSSELINET]):
        refused = _invoke(config, "kb", "accept", *args, "-o", str(mine))
        assert refused.exit_code == 2 and "--all" in refused.output and not mine.exists()

    result = _ok(_invoke(config, "kb", "accept", GOSSELINET, "-o", str(mine)))
    assert "1 person written" in result.output and "tracker retag" in result.output
    assert yaml.safe_load(mine.read_text("utf-8"))["politicians"] == [
        {"id": GOSSELINET, "name": "Philippe Gosselinet", "affiliations": [{"party": "lr"}]}]

    # An id that is not a discovered person: exit 2, one line, the file untouched.
    before = mine.read_text("utf-8")
    unknown = _invoke(config, "kb", "accept", "nobody-gosselinet", "-o", str(mine))
    assert unknown.exit_code == 2
    assert unknown.output.count("\n") == 1 and unknown.output.startswith("tracker: error:")
    assert "nobody-gosselinet" in unknown.output
    kb_person = _invoke(config, "kb", "accept", "emmanuel-macron", "-o", str(mine))
    assert kb_person.exit_code == 2 and "emmanuel-macron" in kb_person.output
    assert mine.read_text("utf-8") == before

    # --all --min-count 2: people mentioned twice or more; those already in the file stay once.
    result = _ok(_invoke(config, "kb", "accept", "--all", "--min-count", "2", "-o", str(mine)))
    assert "1 person written" in result.output
    again = _ok(_invoke(config, "kb", "accept", "--all", "--min-count", "2", "-o", str(mine)))
    assert "0 people written" in again.output
    _ok(_invoke(config, "kb", "accept", GOSSELINET, "-o", str(mine)))
    people = yaml.safe_load(mine.read_text("utf-8"))["politicians"]
    assert [p["id"] for p in people] == [GOSSELINET, VELLACOURT]
    assert people[1] == {"id": VELLACOURT, "name": "Jane Vellacourt",
                         "affiliations": [{"party": "democratic-party"}]}

    # Listed under `entities:`, the file is part of the KB; retag makes them ordinary.
    config = write_config(tmp_path, [{"name": "archive", "kind": "files",
                                      "path": str(archive / "archive")}],
                          entities=[str(KB_FILE), str(mine)])
    retagged = _ok(_invoke(config, "retag"))
    assert "3 documents retagged" in retagged.output
    rows = _db_rows(db, "SELECT entity_id, surface, method, party_id FROM mentions "
                        "WHERE entity_id IN (?, ?) ORDER BY entity_id, surface",
                    (GOSSELINET, VELLACOURT))
    assert sorted(rows) == sorted([
        (VELLACOURT, "Jane Vellacourt", "rule", "democratic-party"),
        (VELLACOURT, "Vellacourt", "coreference", "democratic-party"),
        *[(GOSSELINET, "Philippe Gosselinet", "rule", "lr")] * 2,
        *[(GOSSELINET, "Gosselinet", "coreference", "lr")] * 2])
    flags = dict(_db_rows(db, "SELECT id, discovered FROM entities WHERE id IN (?, ?, ?)",
                          (GOSSELINET, VELLACOURT, VERGNAUDIN)))
    assert flags == {GOSSELINET: 0, VELLACOURT: 0, VERGNAUDIN: 1}  # she was not accepted
    assert _db_rows(db, "SELECT method FROM mentions WHERE entity_id = ?", (VERGNAUDIN,)) == [
        ("discovered",)]

    # Now only she is a candidate, and --no-discovered keeps the accepted people.
    listed = _jsonl(_invoke(config, "candidates", "--label", "discovered", "--format", "jsonl"))
    assert [r["id"] for r in listed] == [VERGNAUDIN]
    kept = _jsonl(_invoke(config, "mentions", "--format", "jsonl", "--no-discovered"))
    assert len(kept) == 11
    assert "Josiane Vergnaudin" not in {r["entity"] for r in kept}
    assert sum(r["entity"] == "Philippe Gosselinet" for r in kept) == 4
    totals = {r["key"]: r["mentions"] for r in _jsonl(_invoke(
        config, "stats", "--by", "politician", "--view", "totals", "--format", "jsonl",
        "--no-discovered"))}
    assert totals[GOSSELINET] == 4 and totals[VELLACOURT] == 2 and VERGNAUDIN not in totals
    # Accepted people are no longer discovered: accepting one again is refused.
    late = _invoke(config, "kb", "accept", GOSSELINET, "-o", str(tmp_path / "other.yaml"))
    assert late.exit_code == 2 and GOSSELINET in late.output

    # The press office changes its mind: out of the KB file, and retagged, they are
    # candidates again and can be accepted again (they were lost to curation, alerts
    # audit).
    config = write_config(tmp_path, [{"name": "archive", "kind": "files",
                                      "path": str(archive / "archive")}],
                          entities=[str(KB_FILE)])
    _ok(_invoke(config, "retag"))
    listed = _jsonl(_invoke(config, "candidates", "--label", "discovered", "--format", "jsonl"))
    assert sorted(r["id"] for r in listed) == sorted([GOSSELINET, VELLACOURT, VERGNAUDIN])
    _ok(_invoke(config, "kb", "accept", GOSSELINET, "-o", str(tmp_path / "other.yaml")))


def test_accept_keeps_the_files_link_mode_and_line_endings(archive, tmp_path):
    """A press office keeps its KB file in a shared folder, linked, private, written on
    Windows: `kb accept` replaced the link with a file (the real one never got the
    people), made a 0600 file readable by all, rewrote every line ending, and said
    "unexpected error" naming a .tmp file for a missing folder (alerts audit)."""
    config = _copy(archive, tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "kb.yaml"
    real.write_bytes(b"# ours\r\npoliticians:\r\n  - id: paul-autre\r\n    name: Paul Autre\r\n")
    real.chmod(0o600)
    link = tmp_path / "kb.yaml"
    link.symlink_to(real)
    _ok(_invoke(config, "kb", "accept", GOSSELINET, "-o", str(link)))
    assert link.is_symlink() and real.stat().st_mode & 0o777 == 0o600
    written = real.read_bytes()
    assert b"Gosselinet" in written and written.count(b"\n") == written.count(b"\r\n")
    assert written.startswith(b"# ours\r\npoliticians:\r\n  - id: paul-autre\r\n")
    locked = tmp_path / "locked.yaml"
    locked.write_text("politicians:\n  - id: paul-autre\n    name: Paul Autre\n", "utf-8")
    locked.chmod(0o444)
    refused = _invoke(config, "kb", "accept", GOSSELINET, "-o", str(locked))
    assert refused.exit_code == 2 and "read-only" in refused.output
    assert "Gosselinet" not in locked.read_text("utf-8")
    missing = _invoke(config, "kb", "accept", GOSSELINET, "-o", str(tmp_path / "no" / "k.yaml"))
    assert missing.exit_code == 2 and "folder not found" in missing.output
    assert "unexpected" not in missing.output and ".tmp" not in missing.output
    # Someone typed in by hand under an id of their own is skipped, the others written
    # (nobody was: the name twice made the file fail to load).
    own = tmp_path / "own.yaml"
    own.write_text("politicians:\n  - id: pg\n    name: Philippe Gosselinet\n", "utf-8")
    _ok(_invoke(config, "kb", "accept", "--all", "-o", str(own)))
    ids = [p["id"] for p in yaml.safe_load(own.read_text("utf-8"))["politicians"]]
    assert ids[0] == "pg" and GOSSELINET not in ids and VELLACOURT in ids
    broken = tmp_path / "broken.yaml"
    broken.write_text("politicians:\n  - id: a\n   name: b\n", "utf-8")
    bad = _invoke(config, "kb", "accept", GOSSELINET, "-o", str(broken))
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1


def test_accept_into_the_kb_file_the_config_already_lists(archive, tmp_path):
    """The usual second round: mine.yaml is in config.yaml, more people get discovered,
    the user accepts them into the same file."""
    mine = tmp_path / "mine.yaml"
    config = _copy(archive, tmp_path)
    _ok(_invoke(config, "kb", "accept", GOSSELINET, "-o", str(mine)))
    config = write_config(tmp_path, [{"name": "archive", "kind": "files",
                                      "path": str(archive / "archive")}],
                          entities=[str(KB_FILE), str(mine)])
    result = _invoke(config, "kb", "accept", VERGNAUDIN, "-o", str(mine))
    assert result.exit_code == 0, result.output
    assert "1 person written" in result.output
    assert "list it under" not in result.output  # it is listed already
    people = yaml.safe_load(mine.read_text("utf-8"))["politicians"]
    assert [p["id"] for p in people] == [GOSSELINET, VERGNAUDIN]


def test_accepting_keeps_every_line_the_user_wrote_in_the_kb_file(archive, tmp_path):
    """A team's KB file carries its notes: accepting people adds their entries to its
    `politicians:` list and leaves every other line as it was (it was written anew,
    comments gone). People already in another KB file of the config are skipped, not an
    error about an "inline entity"."""
    mine = tmp_path / "mine.yaml"
    written = ("# My team's list -- DO NOT LOSE THESE NOTES\n"
               "politicians:\n"
               "    - id: jeanne-exemple      # met her in 2021\n"
               "      name: Jeanne Exemple\n"
               "      aliases: [J. Exemple]\n"
               "\n"
               "# parties below\n"
               "parties:\n"
               "  - {id: mon-parti, name: Mon Parti, aliases: [MP]}\n")
    mine.write_text(written, "utf-8")
    config = _copy(archive, tmp_path)
    _ok(_invoke(config, "kb", "accept", GOSSELINET, "-o", str(mine)))
    now = mine.read_text("utf-8")
    old_lines = written.splitlines()
    new_lines = now.splitlines()
    assert [line for line in new_lines if line in old_lines] == old_lines  # kept, in order
    added = [line for line in new_lines if line not in old_lines]
    assert added[0] == f"    - id: {GOSSELINET}"  # the list's own indentation
    people = yaml.safe_load(now)["politicians"]
    assert [p["id"] for p in people] == ["jeanne-exemple", GOSSELINET]
    assert yaml.safe_load(now)["parties"][0]["id"] == "mon-parti"
    assert not (tmp_path / "mine.yaml.bak").exists()

    # The template `tracker init` writes: its examples stay, as comments.
    template = tmp_path / "template.yaml"
    made = tracker("init", str(tmp_path / "fresh"), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    shutil.copy(tmp_path / "fresh" / "my-entities.yaml", template)
    before = template.read_text("utf-8")
    _ok(_invoke(config, "kb", "accept", VERGNAUDIN, "-o", str(template)))
    after = template.read_text("utf-8")
    assert [line for line in after.splitlines() if line.startswith("#")] == [
        line for line in before.splitlines() if line.startswith("#")]
    assert [p["id"] for p in yaml.safe_load(after)["politicians"]] == [VERGNAUDIN]

    # mine.yaml listed in config.yaml: accepting everyone into another file skips him.
    config = write_config(tmp_path, [{"name": "archive", "kind": "files",
                                      "path": str(archive / "archive")}],
                          entities=[str(KB_FILE), str(mine)])
    other = tmp_path / "other.yaml"
    result = _invoke(config, "kb", "accept", "--all", "-o", str(other))
    assert result.exit_code == 0, result.output
    assert GOSSELINET not in [p["id"] for p in yaml.safe_load(other.read_text())["politicians"]]

    # A list written inline cannot take a line: the file is written whole, the old kept.
    inline = tmp_path / "inline.yaml"
    inline.write_text("politicians: [{id: paul-exemple, name: Paul Exemple}]\n", "utf-8")
    _ok(_invoke(config, "kb", "accept", VELLACOURT, "-o", str(inline)))
    assert (tmp_path / "inline.yaml.bak").read_text("utf-8").startswith("politicians: [{")
    assert [p["id"] for p in yaml.safe_load(inline.read_text())["politicians"]] == [
        "paul-exemple", VELLACOURT]
