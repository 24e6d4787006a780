"""A user's typo in config.yaml is refused at start, with one line naming file, source, key;
the database is never touched."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from tracker.cli import cli
from tracker.config import load_config

GOOD = {"name": "lemonde", "kind": "feed", "url": "https://www.lemonde.fr/rss.xml"}


def _run(tmp_path, config: dict):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": "t.db", **config}), "utf-8")
    result = CliRunner().invoke(cli, ["run", "--once", "--config", str(path)])
    return path, result


@pytest.mark.parametrize("source, expected", [
    ({**GOOD, "kind": "twitter"}, "sources[0] (lemonde): key 'kind': 'twitter' is not one of "
                                  "feed, page, files"),
    ({"name": "lemonde", "kind": "feed"}, "sources[0] (lemonde): key 'url': required for kind "
                                          "feed"),
    ({**GOOD, "interval": "often"}, "sources[0] (lemonde): key 'interval': invalid duration "
                                    "'often' (use e.g. 30s, 15m, 2h, 1d; units: ms, s, m, h, d)"),
    ({**GOOD, "intervall": "15m"}, "sources[0] (lemonde): unknown key 'intervall'"),
    # "1ms" for "1m" polled 100 times a second; a century overflowed the daemon's dates.
    ({**GOOD, "interval": "1ms"}, "key 'interval': '1ms' is out of range (from 1s to 366d)"),
    ({**GOOD, "interval": "99999999999d"}, "key 'interval': '99999999999d' is out of range"),
    ({**GOOD, "url": "file:///etc/passwd"}, "key 'url': 'file:///etc/passwd' must be an "
                                            "http:// or https:// URL"),
    # Caught at load, not as the source's first failure ("unexpected error: ValueError").
    ({**GOOD, "url": "http://[::1/x"}, "'http://[::1/x' is not a valid URL"),
    ({**GOOD, "url": "https://www.lemonde.fr:99999/rss"}, "is not a valid URL"),
    ({**GOOD, "url": "https://www.lemonde.fr/a b.xml"}, "has a space, a backslash"),
    ({**GOOD, "url": "https://127.0.0.1\\@example.org/"}, "has a space, a backslash"),
    ({"name": "archive", "kind": "files"}, "sources[0] (archive): key 'path': required"),
    ({**GOOD, "lang": "french"}, "key 'lang': 'french' is not a two-letter language code"),
])
def test_invalid_source_is_refused_with_one_line(tmp_path, source, expected):
    path, result = _run(tmp_path, {"sources": [source]})
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"tracker: error: {path}: ")
    assert expected in lines[0]
    assert not (tmp_path / "t.db").exists()


def test_duplicate_name_and_unknown_top_key(tmp_path):
    _, dup = _run(tmp_path, {"sources": [GOOD, GOOD]})
    assert dup.exit_code == 2 and "sources[1] (lemonde): key 'name': duplicate name" in dup.output
    _, unknown = _run(tmp_path, {"source": [GOOD]})
    assert unknown.exit_code == 2 and "unknown key 'source'" in unknown.output
    _, network = _run(tmp_path, {"allow_networks": ["localhost"], "sources": [GOOD]})
    assert network.exit_code == 2 and "'localhost' is not a CIDR range" in network.output


def test_bad_yaml_and_missing_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("sources: [\n  - name: x\n", "utf-8")
    result = CliRunner().invoke(cli, ["run", "--config", str(path)])
    assert result.exit_code == 2 and "not valid YAML" in result.output
    missing = CliRunner().invoke(cli, ["sources", "--config", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "config file not found" in missing.output


def test_bad_knowledge_base_is_refused_before_the_database(tmp_path):
    kb = tmp_path / "kb.yaml"
    kb.write_text(yaml.safe_dump({"politicians": [{
        "id": "x", "name": "Jean Test", "affiliations": [{"party": "nope"}]}]}), "utf-8")
    _, result = _run(tmp_path, {"entities": [str(kb)], "sources": [GOOD]})
    assert result.exit_code == 2
    assert "entity 'x': affiliation names unknown party 'nope'" in result.output
    assert not (tmp_path / "t.db").exists()


def test_defaults_durations_and_relative_paths(tmp_path):
    path = tmp_path / "sub" / "config.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump({
        "defaults": {"interval": "2h", "timeout": "500ms", "per_host_delay": "0s"},
        "sources": [GOOD, {"name": "a", "kind": "files", "path": "arch", "interval": "1d"}],
    }), "utf-8")
    config = load_config(path)
    assert config.database == path.parent / "data" / "tracker.db"
    assert [s.interval for s in config.sources] == [7200.0, 86400.0]
    assert config.sources[0].timeout == 0.5 and config.defaults.per_host_delay == 0.0
    assert config.sources[1].path == path.parent / "arch"
    assert config.defaults.user_agent.startswith("tracker/")


def test_inline_entities_extend_the_shipped_kb(tmp_path, site):
    from tests.conftest import KB_FILE, write_config

    config = write_config(tmp_path, [], entities=[str(KB_FILE), {
        "type": "politician", "id": "marie-curiel", "name": "Marie Curiel",
        "surname_alone": "always", "affiliations": [{"party": "ps", "start": "2020-01-01"}]}])
    result = CliRunner().invoke(cli, ["tag", "--config", str(config), "--format", "jsonl",
                                      "-", "--lang", "fr"],
                                input="La sénatrice Marie Curiel a rejoint Olivier Faure.")
    assert result.exit_code == 0, result.output
    assert '"entity": "Marie Curiel"' in result.stdout and '"party": "Parti socialiste"' in \
        result.stdout


def test_an_upper_case_scheme_is_a_url(tmp_path):
    """HTTPS://… is a valid URL (schemes are case-insensitive): it was refused."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"sources": [{**GOOD, "url": "HTTPS://www.lemonde.fr/rss.xml"}]}),
                    "utf-8")
    config = load_config(path)
    assert config.sources[0].url == "HTTPS://www.lemonde.fr/rss.xml"
