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


def test_a_person_the_kb_lacks_is_shown_as_discovered(tmp_path):
    """The README's own example: a mayor introduced by his office, whom no KB file holds
    yet. `tracker tag` failed on him with a KeyError; `tracker run` stored him."""
    rows = _tag(tmp_path, "-", "--lang", "fr", "--date", "2020-01-01", "--format", "jsonl",
                stdin="Titre\nBernard Combes, maire de Tulle, a parlé devant le conseil "
                      "municipal réuni jeudi soir.\n")
    assert [(r["entity"], r["rule"], r["url"]) for r in rows] == [
        ("Bernard Combes", "discovered", None)]


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
    # The date as `export` writes it: the two files concatenate.
    assert all(line.startswith("2016-08-23T00:00:00Z,") for line in lines[1:])


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


def test_the_review_rules_of_the_database_apply_as_the_store_applies_them(tmp_path):
    """A press officer marked "the Sarkozy restaurant" wrong once in `tracker serve`; the
    sports desk's "UMP" is a rugby union. `tracker tag` now shows what `tracker run` would
    store, and says what the rules left out."""
    from tracker import rules
    from tracker.config import load_config
    from tracker.kbload import load_kb
    from tracker.store import Store

    config_path = write_config(tmp_path, [
        {"name": "sport", "kind": "feed", "url": "http://127.0.0.1:9/feed.xml"}])
    config = load_config(config_path)
    with Store(config.database) as store:
        store.sync_entities(load_kb(config.entities))
        store.sync_sources(config.sources)
        rules.save(store.db, rules.Rule(None, "not-mention", "le restaurant Sarkozy", None,
                                        None))
        rules.save(store.db, rules.Rule(None, "not-entity", "UMP", "ump", "sport"))
    text = ("Nicolas Sarkozy a parlé hier. Le restaurant Sarkozy de Lyon est fermé. "
            "L'UMP a gagné le match.")

    def tag(*args):
        result = CliRunner().invoke(cli, ["tag", "--config", str(config_path), "-", "--lang",
                                          "fr", "--date", "2010-01-01", "--format", "jsonl",
                                          *args], input=text)
        assert result.exit_code == 0, result.output
        return [(r["surface"], r["source"]) for r in map(json.loads, result.stdout.splitlines())
                ], result.stderr

    everything, said = tag("--no-rules")
    assert [s for s, _ in everything] == ["Nicolas Sarkozy", "Sarkozy", "UMP"]
    assert "left out" not in said
    kept, said = tag()
    assert kept == [("Nicolas Sarkozy", "tag"), ("UMP", "tag")]
    assert "1 mention left out by the review rules" in said
    kept, said = tag("--source", "sport")
    assert kept == [("Nicolas Sarkozy", "sport")]
    assert "2 mentions left out" in said
    # A source neither in config.yaml nor in the database is a typo, not a silent no-op.
    result = CliRunner().invoke(cli, ["tag", "--config", str(config_path), "-",
                                      "--source", "sprot"], input=text)
    assert result.exit_code != 0 and "sprot" in result.output
    assert "Traceback" not in result.output


def test_a_rule_saved_again_is_the_stored_one_only_when_it_stops_the_same(store):
    """Saving a rule twice gives the stored one (a double click). "Le Pen" is not the same
    rule as "Le-Pen" (each stops only its own spelling): saving the second returned the
    first, and mentions written "Le Pen" were never stopped (review)."""
    from tracker import rules

    hyphen = rules.save(store.db, rules.Rule(None, "not-entity", "Le-Pen", "marine-le-pen",
                                             None))
    spaced = rules.save(store.db, rules.Rule(None, "not-entity", "Le Pen", "marine-le-pen",
                                             None))
    assert spaced.id != hyphen.id
    again = rules.save(store.db, rules.Rule(None, "not-entity", "LE PEN", "marine-le-pen",
                                            None))
    assert again.id == spaced.id  # the same name as the store folds it
    ruleset = rules.Ruleset(rules.load(store.db))
    assert ruleset.stops("s", "Le Pen", "marine-le-pen", None)
    assert ruleset.stops("s", "Le-Pen", "marine-le-pen", None)
    phrase = rules.save(store.db, rules.Rule(None, "not-mention", "lycée Jean-Jaurès", None,
                                             None))
    assert rules.save(store.db, rules.Rule(None, "not-mention", "Lycée Jean Jaurès", None,
                                           None)).id == phrase.id  # a phrase's words
