"""bench/store.py on a tiny database, so the store benchmark cannot rot: it builds through
the tracker's own schema (triggers and all) and times every command it reports."""

from __future__ import annotations

import csv
import sqlite3

from bench import store as bench_store
from tracker.export import neutralise


def test_store_benchmark_builds_and_measures(tmp_path):
    path = tmp_path / "store.db"
    built = bench_store.build(path, 3_000)
    assert built["mentions"] == 3_000 and built["documents"] == 300
    conn = sqlite3.connect(path)
    # The daily counts the triggers kept agree with the mentions themselves.
    assert conn.execute("SELECT sum(mentions) FROM mention_counts WHERE dimension = 'entity'"
                        ).fetchone()[0] == 3_000
    assert conn.execute("SELECT sum(mentions) FROM mention_counts WHERE dimension = 'party'"
                        ).fetchone()[0] == conn.execute(
        "SELECT count(*) FROM mentions WHERE party_id IS NOT NULL").fetchone()[0]
    conn.close()
    figures = bench_store.measure(path, tmp_path, repeat=1)
    assert figures["export_rows"] == 3_000
    assert figures["help_imports_spacy"] is False
    assert figures["mentions_imports_spacy"] is False
    for key in ("weekly_party_counts_ms", "mentions_limit50_query_ms", "tracker_help_ms",
                "tracker_mentions_limit50_ms", "tracker_stats_week_ms", "export_tracker_s",
                "export_sqlite_utils_s"):
        assert figures[key] > 0, key
    # Our export and sqlite-utils' on the same query read back as the same rows, but for
    # the formulas ours neutralises (1% of the generated surfaces start with "=").
    with (tmp_path / "export.csv").open(encoding="utf-8", newline="") as f:
        ours = list(csv.reader(f))
    with (tmp_path / "sqlite-utils.csv").open(encoding="utf-8", newline="") as f:
        theirs = [[neutralise(cell) for cell in row] for row in csv.reader(f)]
    assert len(ours) == 3_001 and ours == theirs
    assert any(row[7].startswith("'=") for row in ours)
