"""A researcher's story: try the tagger on one text with `tracker tag`, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import KB_FILE, write_config
from tracker.cli import cli

SAMPLE = Path(__file__).parent / "data" / "blog-2009.txt"


def _tag(tmp_path, *args, stdin=None):
    config = write_config(tmp_path, [])
    result = CliRunner().invoke(cli, ["tag", "--config", str(config), *args], input=stdin)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_blog_post_finds_the_parties_and_politicians_and_nothing_else(tmp_path):
    rows = _tag(tmp_path, str(SAMPLE), "--date", "2009-06-01", "--format", "jsonl")
    found = {(r["entity"], r["entity_type"], r["party"]) for r in rows}
    assert found == {
        ("Union pour un mouvement populaire", "party", "Union pour un mouvement populaire"),
        ("Parti socialiste", "party", "Parti socialiste"),
        ("Ségolène Royal", "politician", "Parti socialiste"),
        ("Nicolas Sarkozy", "politician", "Union pour un mouvement populaire"),
        ("Barack Obama", "politician", "Democratic Party"),
    }
    royal = [r for r in rows if r["entity"] == "Ségolène Royal"]
    # Misspelt "Royale" in the post; its repeated paragraph is counted once.
    assert [r["surface"] for r in royal] == ["Ségolène Royale"]
    assert royal[0]["rule"] == "fuzzy"
    assert set(rows[0]) >= {"published_at", "source", "url", "title", "entity", "entity_type",
                            "party", "surface", "sentence", "lang"}
    assert {r["lang"] for r in rows} == {"fr"}


def test_stdin_and_case_accent_apostrophe_variants(tmp_path):
    text = ("SARKOZY répond à Segolene Royal. Le soutien d’Obama à l'UMP ? Non. "
            "Les ps5 et le P.S. de la lettre ne sont pas des partis. La famille royale et la "
            "Hollande non plus. Michelle Obama était à Paris.")
    rows = _tag(tmp_path, "-", "--lang", "fr", "--date", "2010-01-01", "--format", "jsonl",
                stdin=text)
    assert [(r["surface"], r["entity"]) for r in rows] == [
        ("SARKOZY", "Nicolas Sarkozy"), ("Segolene Royal", "Ségolène Royal"),
        ("Obama", "Barack Obama"), ("UMP", "Union pour un mouvement populaire"),
    ]


def test_url_through_the_polite_fetcher_and_csv_columns(tmp_path, site):
    config = write_config(tmp_path, [])
    result = CliRunner().invoke(cli, ["tag", "--config", str(config), "--format", "csv",
                                      "--date", "2016-08-23",
                                      site.url("/articles/sarkozy-primaire.html")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == ("published_at,source,url,title,entity,entity_type,party,surface,"
                        "sentence,lang")
    assert len(lines) == 10
    assert site.hits("/robots.txt") == 1


def test_table_output_and_missing_file(tmp_path):
    config = write_config(tmp_path, [])
    ok = CliRunner().invoke(cli, ["tag", "--config", str(config), str(SAMPLE)],
                            env={"COLUMNS": "200"})
    assert ok.exit_code == 0 and "6 mentions (fr" in ok.stdout
    assert "Ségolène Royale" in ok.stdout and "fuzzy" in ok.stdout
    missing = CliRunner().invoke(cli, ["tag", "--config", str(config), "nope.html"])
    assert missing.exit_code == 2
    assert missing.output.strip() == "tracker: error: nope.html: cannot read (No such file or " \
                                     "directory)"
    assert KB_FILE.exists()
