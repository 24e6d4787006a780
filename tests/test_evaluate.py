"""A maintainer's story: the tagger is scored on an annotated set (tests/gold/gold.jsonl,
97 French and English passages) and CI fails below the floors. Raise a floor when the
tagger improves; never lower one without saying why in the commit."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import write_config
from tracker.cli import cli
from tracker.evaluate import evaluate, load_gold

GOLD = Path(__file__).parent / "gold" / "gold.jsonl"
PRECISION_FLOOR = 0.98  # issue floor 0.97; measured 1.000 on 2026-11-25
RECALL_FLOOR = 0.96  # issue floor 0.93; measured 0.976 on 2026-11-25


def test_gold_set_is_well_formed():
    passages = load_gold(GOLD)
    assert len(passages) >= 60
    assert {p.lang for p in passages} == {"fr", "en"}
    for p in passages:
        assert len({(s, e) for _, s, e in p.gold}) == len(p.gold)


def test_precision_and_recall_floors_and_every_trap_holds(tagger, kb):
    passages = load_gold(GOLD)
    score = evaluate(passages, tagger.tag,
                     lambda e: kb.entities[e].type if e in kb.entities else "unknown")
    assert score.precision() >= PRECISION_FLOOR, score.errors
    assert score.recall() >= RECALL_FLOOR, score.errors
    # Negative cases (countries, words, relatives, postscripts, namesakes) never misfire.
    traps = [e for e in score.errors if e["case"].startswith("negative")
             and e["kind"] != "miss"]
    assert traps == []
    assert not [e for e in score.errors if e["kind"] == "confusion"]


def test_evaluate_command_reports_and_enforces_floors(tmp_path):
    config = write_config(tmp_path, [])
    result = CliRunner().invoke(cli, ["evaluate", "--config", str(config), str(GOLD),
                                      "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    overall = next(r for r in rows if r.get("type") == "all")
    assert overall["precision"] >= PRECISION_FLOOR and overall["recall"] >= RECALL_FLOOR
    strict = CliRunner().invoke(cli, ["evaluate", "--config", str(config), str(GOLD),
                                      "--min-recall", "1.01"])
    assert strict.exit_code == 1 and "recall" in strict.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n', "utf-8")
    refused = CliRunner().invoke(cli, ["evaluate", "--config", str(config), str(bad)])
    assert refused.exit_code == 2 and "line 1: not a gold passage" in refused.output
