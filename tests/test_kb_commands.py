"""A maintainer's story: browse the KB, widen it from Wikidata, retag history after an
edit, and discover new figures the KB lacks."""

from __future__ import annotations

import json
import sqlite3

import yaml
from click.testing import CliRunner

from tests.conftest import KB_FILE, write_config
from tracker.cli import cli


def _jsonl(result):
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_entities_filters_by_type_party_and_search(tmp_path):
    config = write_config(tmp_path, [])
    run = CliRunner().invoke
    members = _jsonl(run(cli, ["entities", "--config", str(config), "--party", "UMP",
                               "--format", "jsonl"]))
    assert "nicolas-sarkozy" in {r["id"] for r in members}
    assert all(any(a["party"] == "ump" for a in r["affiliations"]) for r in members)
    found = _jsonl(run(cli, ["entities", "--config", str(config), "--search", "melenchon",
                             "--format", "jsonl"]))
    assert [r["id"] for r in found] == ["jean-luc-melenchon"]
    parties = _jsonl(run(cli, ["entities", "--config", str(config), "--type", "party",
                               "--format", "jsonl"]))
    ump = next(r for r in parties if r["id"] == "ump")
    assert ump["successor"] == "lr" and ump["type"] == "party"
    table = run(cli, ["entities", "--config", str(config), "--search", "Royal"],
                env={"COLUMNS": "200"})
    assert "segolene-royal" in table.stdout


def test_kb_import_from_a_wikidata_result_widens_the_kb(tmp_path):
    sparql = {"head": {"vars": ["item", "itemLabel", "aliases", "party", "partyLabel",
                                "start", "end"]},
              "results": {"bindings": [
                  {"item": {"value": "http://www.wikidata.org/entity/Q99990001"},
                   "itemLabel": {"value": "Camille Testard"},
                   "aliases": {"value": "C. Testard|Camille Testard-Vidal"},
                   "party": {"value": "http://www.wikidata.org/entity/Q99990002"},
                   "partyLabel": {"value": "Parti du Progrès"},
                   "start": {"value": "2019-03-01T00:00:00Z"}},
                  {"item": {"value": "http://www.wikidata.org/entity/Q329"},
                   "itemLabel": {"value": "Nicolas Sarkozy"}},
                  # A namesake (another item, the same name) refused the whole import.
                  {"item": {"value": "http://www.wikidata.org/entity/Q99990009"},
                   "itemLabel": {"value": "Emmanuel Macron"}},
              ]}}
    source = tmp_path / "query.json"
    source.write_text(json.dumps(sparql), "utf-8")
    config = write_config(tmp_path, [])
    out = tmp_path / "imported.yaml"
    result = CliRunner().invoke(cli, ["kb", "import", "--config", str(config), str(source),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 entities written" in result.output and "1 already in the KB" in result.output
    assert "1 namesake of KB people left out" in result.output
    doc = yaml.safe_load(out.read_text("utf-8"))
    assert doc["parties"] == [{"id": "parti-du-progres", "name": "Parti du Progrès",
                               "wikidata": "Q99990002"}]
    (person,) = doc["politicians"]
    assert person["aliases"] == ["Camille Testard", "C. Testard", "Camille Testard-Vidal"]
    assert person["affiliations"] == [{"party": "parti-du-progres", "start": "2019-03-01"}]
    # Listed in config.yaml, the file is used by the tagger.
    config = write_config(tmp_path, [], entities=[str(KB_FILE), str(out)])
    tagged = CliRunner().invoke(cli, ["tag", "--config", str(config), "-", "--lang", "fr",
                                      "--format", "jsonl", "--date", "2024-01-01"],
                                input="La députée Camille Testard a rejoint le débat.")
    assert '"party_id": "parti-du-progres"' in tagged.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("name,party\nx,y\n", "utf-8")
    refused = CliRunner().invoke(cli, ["kb", "import", "--config", str(config), str(bad),
                                       "-o", str(tmp_path / "x.yaml")])
    assert refused.exit_code == 2 and "expected a CSV with an 'item' column" in refused.output


def test_retag_after_a_kb_edit_and_candidates(site, tmp_path):
    site.set("/local.html", "<html lang='fr'><body><article><h1>Municipales à Brest</h1>"
             "<p>La candidate Camille Vidalenc a présenté son programme aux côtés de Jordan "
             "Bardella, devant les militants réunis dans une salle comble du centre-ville.</p>"
             "<p>Camille Vidalenc promet de rénover les écoles et de baisser les impôts "
             "locaux si elle est élue en mars.</p></article></body></html>")
    config = write_config(tmp_path, [{"name": "q", "kind": "feed", "url": site.url("/feed.xml")},
                                     {"name": "local", "kind": "page",
                                      "url": site.url("/local.html")}])
    assert CliRunner().invoke(cli, ["run", "--once", "--config", str(config)]).exit_code == 0
    names = _jsonl(CliRunner().invoke(cli, ["candidates", "--config", str(config),
                                            "--format", "jsonl"]))
    vidalenc = next(r for r in names if r["name"] == "Camille Vidalenc")
    assert vidalenc["label"] == "PER" and vidalenc["count"] == 2
    assert "Camille Vidalenc a présenté" in vidalenc["example"]
    assert "Jordan Bardella" not in {r["name"] for r in names}  # in the KB: no candidate
    # The user adds a figure named in the stored articles' text and retags history.
    extra = tmp_path / "mine.yaml"
    extra.write_text(yaml.safe_dump({"politicians": [{
        "id": "claire-martin-test", "name": "Marseille", "surname_alone": "never"}]},
        allow_unicode=True), "utf-8")
    edited = write_config(tmp_path, [{"name": "q", "kind": "feed",
                                      "url": site.url("/feed.xml")}],
                          entities=[str(KB_FILE), str(extra)])
    result = CliRunner().invoke(cli, ["retag", "--config", str(edited)])
    assert result.exit_code == 0 and "4 documents retagged" in result.output
    conn = sqlite3.connect(tmp_path / "tracker.db")
    assert conn.execute("SELECT count(*) FROM mentions WHERE entity_id = 'claire-martin-test'"
                        ).fetchone()[0] == 1
    versions = {r[0] for r in conn.execute("SELECT DISTINCT kb_version FROM mentions")}
    assert len(versions) == 1 and versions == {r[0] for r in conn.execute(
        "SELECT DISTINCT kb_version FROM documents")}
    since = CliRunner().invoke(cli, ["retag", "--config", str(edited), "--since", "2016-01-01"])
    assert "2 documents retagged" in since.output  # 2016 article and today's local page


def test_an_id_changed_in_the_users_kb_leaves_no_namesake_after_retag(tmp_path):
    """A researcher renames an entry's id and retags: the old row used to stay, so the
    name was "ambiguous (Harriet Vossberg, Harriet Vossberg)" and the old id a filter
    matching nothing (2026 audit). Only rows no mention names any more go."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text(
        "Vossberg et le CFP\n\nLe 3 mai 2019, Harriet Vossberg, figure du Centre fédéral "
        "progressiste (CFP), a lancé sa campagne devant les militants du CFP.\n", "utf-8")
    mine = tmp_path / "mine.yaml"

    def kb(person: str, party: str) -> None:
        mine.write_text(yaml.safe_dump({
            "parties": [{"id": party, "name": "Centre fédéral progressiste",
                         "aliases": ["CFP", "Centre fédéral progressiste"]}],
            "politicians": [{"id": person, "name": "Harriet Vossberg",
                             "affiliations": [{"party": party}]}]}, allow_unicode=True),
            "utf-8")

    kb("harriet-vossberg", "cfp")
    config = write_config(tmp_path, [{"name": "inbox", "kind": "files", "path": str(inbox)}],
                          entities=[str(mine)])

    def run(*args):
        return CliRunner().invoke(cli, [*args, "--config", str(config)])

    assert run("run", "--once").exit_code == 0
    kb("harriet-vossberg-mp", "civic-forward")
    assert run("retag").exit_code == 0
    by_name = run("mentions", "--politician", "Harriet Vossberg", "--format", "jsonl")
    assert by_name.exit_code == 0, by_name.output
    assert {r["entity"] for r in _jsonl(by_name)} == {"Harriet Vossberg"}
    by_party = run("mentions", "--party", "CFP", "--format", "jsonl")
    assert by_party.exit_code == 0 and len(_jsonl(by_party)) >= 2
    conn = sqlite3.connect(tmp_path / "tracker.db")
    assert {r for r in conn.execute("SELECT DISTINCT entity_id, party_id FROM mentions "
                                    "WHERE entity_id LIKE 'harriet%'")} == {
        ("harriet-vossberg-mp", "civic-forward")}
    ids = {r[0] for r in conn.execute("SELECT id FROM entities")}
    assert "harriet-vossberg" not in ids and "cfp" not in ids and "ps" in ids
