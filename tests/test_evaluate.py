"""A maintainer's story: the tagger is scored on two annotated sets (tests/gold/README.md).

- The held-out test set (``test.jsonl``, 264 passages) was written without seeing the
  tagger and is never edited to pass: CI fails below its floors, set on it with a margin.
  Never raise a floor to just under a score measured after tuning; never lower one without
  a note in the commit.
- The development set (``dev.jsonl``) is the one we tune on: its traps must keep holding.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import write_config
from tracker.cli import cli
from tracker.evaluate import evaluate, load_gold, slugs_of

GOLD = Path(__file__).parent / "gold"
TEST, DEV = GOLD / "test.jsonl", GOLD / "dev.jsonl"
# Measured on the test set on 2026-11-26 with the open-data KB: P 0.937, R 0.865 when the
# floors were set; at the end of that session: P 0.973, R 0.906 (before issue 11: P 0.951,
# R 0.594). Floors a few points below the first measure, so that a KB rebuild's small
# moves do not fail CI but a real regression does.
PRECISION_FLOOR = 0.91
RECALL_FLOOR = 0.83


def _score(tagger, kb, path):
    return evaluate(load_gold(path), tagger.tag,  # as `tracker evaluate` reads the gold
                    lambda e: kb.entities[e].type if e in kb.entities else "unknown",
                    names_of=slugs_of(kb))


def test_gold_sets_are_well_formed():
    for path, size in ((TEST, 250), (DEV, 100), (GOLD / "test_b.jsonl", 100),
                       (GOLD / "test_c.jsonl", 50), (GOLD / "test_d.jsonl", 50),
                       (GOLD / "test_e.jsonl", 50)):
        passages = load_gold(path)
        assert len(passages) >= size
        assert {p.lang for p in passages} == {"fr", "en"}
        for p in passages:
            spans = sorted((s, e) for _, s, e in p.gold)
            assert len(set(spans)) == len(spans)
            assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), p.id


def test_party_gold_names_known_parties_or_none():
    """test_d's and test_e's politicians carry their party on the date: a KB party id, a
    slug for one the KB lacks, or null; never a label such as "LR" or "divers droite"."""
    for name in ("test_d.jsonl", "test_e.jsonl"):
        passages = load_gold(GOLD / name)
        parties = {p for passage in passages for p in passage.parties.values()}
        assert len(parties) > 5 and all(p is None or p == p.lower() and " " not in p
                                        for p in parties)


def test_held_out_test_set_meets_its_floors(tagger, kb):
    score = _score(tagger, kb, TEST)
    assert score.precision() >= PRECISION_FLOOR, score.errors
    assert score.recall() >= RECALL_FLOOR, score.errors


def test_development_set_traps_hold(tagger, kb):
    score = _score(tagger, kb, DEV)
    # Measured 0.967 / 0.871 on 2026-11-26 (247 passages; the 140 newest, written to tune
    # on, hold people no source has and parties abroad); 0.971 / 0.880 at the end of the
    # second session. A guard against gross regressions only, well below the tuned score
    # (lowered from 0.95 / 0.85 on 2026-11-26: a floor just under a tuned score proves
    # nothing); quality is gated on the held-out test set above.
    assert score.precision() >= 0.93 and score.recall() >= 0.80, score.errors
    # The traps of the first 107 passages (countries, words, relatives, postscripts,
    # namesakes) never misfire, but for one generic "écologistes" (fr-065), and nothing
    # there is given to the wrong entity.
    first = [e for e in score.errors if not e["passage"].startswith(("dv", "dp"))]
    traps = [e for e in first if e["case"].startswith("negative")
             and e["kind"] != "miss" and e["passage"] != "fr-065"]
    assert traps == []
    assert not [e for e in first if e["kind"] == "confusion"]


def test_evaluate_command_reports_misses_by_class_and_enforces_floors(tmp_path):
    config = write_config(tmp_path, [])
    result = CliRunner().invoke(cli, ["evaluate", "--config", str(config), str(DEV),
                                      "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    overall = next(r for r in rows if r.get("type") == "all")
    assert overall["precision"] >= 0.93  # the dev guard above
    classes = next(r for r in rows if r.get("type") == "misses by class")
    misses = [r for r in rows if r.get("kind") == "miss"]
    assert sum(classes[c] for c in ("not in KB", "form", "ambiguity")) == len(misses)
    strict = CliRunner().invoke(cli, ["evaluate", "--config", str(config), str(DEV),
                                      "--min-recall", "1.01"])
    assert strict.exit_code == 1 and "recall" in strict.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n', "utf-8")
    refused = CliRunner().invoke(cli, ["evaluate", "--config", str(config), str(bad)])
    assert refused.exit_code == 2 and "line 1: not a gold passage" in refused.output


def test_a_miss_is_classed_by_what_the_kb_knows(tmp_path, tagger, kb):
    gold = tmp_path / "g.jsonl"
    text = "Josiane Tartempion, maire de Plouc, reçoit les socialistes et Jeanne Inconnue."
    rows = {"id": "x", "lang": "fr", "date": "2024-01-01", "text": text, "mentions": [
        {"entity": "jeanne-inconnue", "start": text.index("Jeanne"), "end": len(text) - 1},
        {"entity": "ps", "start": text.index("socialistes"),
         "end": text.index("socialistes") + 11, "form": "member"}]}
    gold.write_text(json.dumps(rows) + "\n", "utf-8")
    score = _score(tagger, kb, gold)
    classes = {e["gold"]: e["class"] for e in score.errors if e["kind"] == "miss"}
    assert classes.get("jeanne-inconnue") == "not in KB"
    assert "ps" not in classes  # the member word is found


def test_a_gold_party_scores_whom_each_found_mention_counts_for(tmp_path, tagger, kb):
    """A researcher checks share of voice, not only names: Sarkozy in 2012 counts for the
    UMP, in 2016 for LR; a gold party the tagger does not give is missing, another is
    wrong, and mentions without a gold party are not scored."""
    gold = tmp_path / "g.jsonl"

    def passage(id_, date, party, **more):
        text = "Nicolas Sarkozy a parlé."
        return {"id": id_, "lang": "fr", "date": date, "text": text, "mentions": [
            {"entity": "nicolas-sarkozy", "start": 0, "end": 15, "party": party, **more}]}

    rows = [passage("a", "2012-03-01", "ump"), passage("b", "2016-03-01", "ump"),
            passage("c", "2016-03-01", None), passage("d", "2016-03-01", "lr"),
            {**passage("e", "2016-03-01", "lr"), "mentions": [
                {"entity": "nicolas-sarkozy", "start": 0, "end": 15}]}]
    stranger = "Josiane Tartempion, maire de Plouc, a parlé."
    rows.append({"id": "f", "lang": "fr", "date": "2016-03-01", "text": stranger, "mentions": [
        {"entity": "josiane-tartempion", "start": 0, "end": 18, "party": "ps"}]})
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    score = _score(tagger, kb, gold)
    assert dict(score.parties) == {"right": 2, "wrong": 2, "missing": 1}
    assert score.party_accuracy() == 0.4
    wrong = [(e["passage"], e["found"], e["gold"]) for e in score.errors
             if e["kind"].startswith("party")]
    assert wrong == [("b", "lr", "ump"), ("c", "lr", None), ("f", None, "ps")]
    config = write_config(tmp_path, [])
    result = CliRunner().invoke(cli, ["evaluate", "--config", str(config), str(gold)])
    assert result.exit_code == 0, result.output
    assert "party attribution: 0.4000 (2 of 5" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(passage("x", "2016-03-01", 3)) + "\n", "utf-8")
    refused = CliRunner().invoke(cli, ["evaluate", "--config", str(config), str(bad)])
    assert refused.exit_code == 2 and "party must be a party id or null" in refused.output


def test_a_gold_slug_is_whoever_bears_that_name_in_the_kb(tmp_path, tagger, kb):
    """The annotator wrote the slug of the usual name for someone the KB lacked then; the
    KB holds her now under the open data's id ("marjorie-greene"), and the GOP under
    "republican-party": both are right, not confusions."""
    assert "marjorie-taylor-greene" not in kb.entities and "gop" not in kb.entities
    text = "Marjorie Taylor Greene a parlé."
    gold = tmp_path / "g.jsonl"
    gold.write_text(json.dumps({"id": "a", "lang": "fr", "date": "2022-03-01", "text": text,
                                "mentions": [{"entity": "marjorie-taylor-greene", "start": 0,
                                              "end": 22, "party": "gop"}]}) + "\n", "utf-8")
    score = _score(tagger, kb, gold)
    assert sum(score.true_pos.values()) == 1 and not score.errors
    assert dict(score.parties) == {"right": 1}
    # Without the names, the same mention is a confusion, as before.
    bare = evaluate(load_gold(gold), tagger.tag,
                    lambda e: kb.entities[e].type if e in kb.entities else "unknown")
    assert [e["kind"] for e in bare.errors] == ["confusion"]


def test_a_generic_gold_slug_is_no_kb_party(tmp_path, tagger, kb):
    """A party the KB lacks, written "labour-party" by the annotator (Malta's, say), is not
    the British Labour Party the KB holds under that name: a mention counted for it is
    wrong, not right."""
    text = "Keir Starmer a parlé."
    gold = tmp_path / "g.jsonl"
    gold.write_text(json.dumps({"id": "a", "lang": "fr", "date": "2024-03-01", "text": text,
                                "mentions": [{"entity": "keir-starmer", "start": 0,
                                              "end": 12, "party": "labour-party"}]}) + "\n",
                    "utf-8")
    assert "labour-party" not in kb.entities
    assert dict(_score(tagger, kb, gold).parties) == {"wrong": 1}
