"""The store at scale: a database of 1,000,000 mentions over two years, and the questions
users ask of it, timed against the limits of SQLite itself.

    python bench/store.py --mentions 1000000            # builds bench/out/store.db once
    python bench/store.py --mentions 1000000 --rebuild  # builds it again

The database is generated through the tracker's own schema (``Store`` applies the
migrations; triggers keep the full-text index and counts up to date as in real use),
with realistic skew: a few politicians and parties take most mentions, 8% of documents
are copies of an earlier one, dates spread over two years.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
END = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
WORDS = (
    "gouvernement", "budget", "réforme", "retraites", "Assemblée", "nationale", "sondage",
    "élection", "campagne", "ministre", "député", "sénateur", "majorité", "opposition",
    "motion", "censure", "vote", "loi", "finances", "économie", "écologie", "santé",
    "éducation", "sécurité", "immigration", "pouvoir", "achat", "région", "département",
    "municipales", "européennes", "présidentielle", "législatives", "débat", "meeting",
    "programme", "alliance", "coalition", "candidat", "électeurs", "circonscription",
    "Paris", "Lyon", "Marseille", "Lille", "Toulouse", "Bordeaux", "Nantes", "Strasbourg",
    "préfet", "réunion", "déclaration", "interview", "télévisée", "radio", "matinale",
    "tribune", "communiqué", "porte-parole",
)


def build(path: Path, mentions: int, seed: int = 7) -> dict:
    """Generate the database; returns what was built."""
    from tracker.kbload import load_kb
    from tracker.store import Store

    rnd = random.Random(seed)
    kb = load_kb([ROOT / "tracker" / "kbdata" / "entities.yaml"])
    if path.exists():
        path.unlink()
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    store = Store(path)
    store.sync_entities(kb)
    sources = [f"source-{i:02d}" for i in range(40)]
    store.sync_sources([_Src(name) for name in sources])
    politicians = kb.politicians()
    parties = kb.parties()
    # Zipf-like popularity: the first few entities take most mentions.
    pol_weights = [1 / (i + 1) for i in range(len(politicians))]
    party_weights = [1 / (i + 1) for i in range(len(parties))]
    main_party = {}
    for e in politicians:
        main_party[e.id] = e.affiliations[-1].party if e.affiliations else None
    per_doc = 10
    docs = mentions // per_doc
    conn = store.db.conn
    started = time.perf_counter()
    conn.execute("BEGIN")
    doc_rows, mention_rows, originals = [], [], []
    for d in range(docs):
        when = END - dt.timedelta(seconds=rnd.randrange(2 * 365 * 86400))
        published = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        words = rnd.choices(WORDS, k=120)
        sentences = [" ".join(words[i:i + 20]).capitalize() + "." for i in range(0, 120, 20)]
        text = "\n".join(sentences)
        doc_id = f"doc{d:08d}"
        duplicate_of = rnd.choice(originals) if originals and rnd.random() < 0.08 else None
        if duplicate_of is None:
            originals.append(doc_id)
        doc_rows.append((doc_id, rnd.choice(sources), f"https://example.org/{d}",
                         f"Titre {d} {words[0]} {words[1]}", published, "feed",
                         "fr" if rnd.random() < 0.8 else "en", text, f"h{d}", published,
                         duplicate_of, kb.version, "4"))
        for k in range(per_doc):
            if rnd.random() < 0.7:
                ent = rnd.choices(politicians, pol_weights)[0]
                party = main_party[ent.id]
            else:
                ent = rnd.choices(parties, party_weights)[0]
                party = ent.id
            sentence = sentences[k % len(sentences)]
            surface = ent.name if rnd.random() < 0.5 else (ent.surname or ent.name)
            if rnd.random() < 0.01:
                surface = "=" + surface  # a formula-looking cell, to neutralise
            start = k * 100
            mention_rows.append((f"{doc_id}:{start}:{start + len(surface)}", doc_id, ent.id,
                                 party, surface, start, start + len(surface),
                                 f"{surface} : {sentence}", "alias",
                                 ("title", "lead", "body", "body", "body")[k % 5], "rule",
                                 0.99, kb.version, "4", published))
        if len(mention_rows) >= 50_000:
            _flush(conn, doc_rows, mention_rows)
    _flush(conn, doc_rows, mention_rows)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    built = time.perf_counter() - started
    store.close()
    return {"documents": docs, "mentions": docs * per_doc, "build_s": round(built, 1),
            "size_mb": round(path.stat().st_size / 1e6, 1)}


class _Src:
    def __init__(self, name: str):
        self.name, self.kind, self.location = name, "feed", f"https://{name}.example/rss"
        self.interval, self.lang = 900.0, None


def _flush(conn, doc_rows: list, mention_rows: list) -> None:
    """Documents and mentions counted as the store counts them: the mentions inserted
    with counting paused, then each document's counts and pairs at once (m009, m012)."""
    from tracker.store import DOCUMENT_COUNTS

    conn.executemany(
        "INSERT INTO documents (id, source, url, title, published_at, date_source, lang, "
        "text, text_hash, fetched_at, duplicate_of, kb_version, tagger_version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", doc_rows)
    conn.execute("INSERT OR REPLACE INTO counts_paused (paused) VALUES (1)")
    conn.executemany(
        'INSERT INTO mentions (id, document_id, entity_id, party_id, surface, start, "end", '
        "sentence, rule, position, method, confidence, kb_version, tagger_version, "
        "published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", mention_rows)
    conn.execute("DELETE FROM counts_paused")
    for row in doc_rows:
        for statement in DOCUMENT_COUNTS:
            conn.execute(statement, [row[0]])
    doc_rows.clear()
    mention_rows.clear()


def timed(fn, repeat: int = 5) -> float:
    """Best wall time of ``repeat`` calls, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def run_cmd(args: list[str], stdout=subprocess.DEVNULL) -> tuple[float, None]:
    """Wall time (ms) of one command."""
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=stdout, stderr=subprocess.PIPE)
    return (time.perf_counter() - started) * 1000, None


def tracker_peak_rss(args: list[str]) -> float:
    """Peak RSS (MB) of one `tracker` command, read by the process itself at exit from
    /proc (VmHWM: ru_maxrss would carry over the benchmark's own peak across fork)."""
    code = ("import atexit, sys\n"
            "def peak():\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmHWM:'):\n"
            "            print(line.split()[1], file=sys.stderr)\n"
            "atexit.register(peak)\n"
            f"sys.argv = ['tracker', *{args!r}]\n"
            "from tracker.cli import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True)
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def measure(path: Path, out_dir: Path, repeat: int = 5) -> dict:
    """Every figure of the store benchmark on an existing database."""
    from tracker.query import MentionFilter, mention_rows
    from tracker.stats import StatsQuery, counts
    from tracker.store import Store

    bin_dir = Path(sys.executable).parent
    tracker = [str(bin_dir / "tracker")]
    db_opt = ["--db", str(path)]
    figures: dict = {}
    store = Store(path, create=False)
    db = store.db
    top_party = db.execute("SELECT party_id, count(*) c FROM mentions GROUP BY party_id "
                           "ORDER BY c DESC LIMIT 1").fetchone()[0]
    year_since, year_until = dt.date(2025, 11, 1), dt.date(2026, 10, 31)
    query = StatsQuery(by="party", interval="week", since=year_since, until=year_until)
    figures["weekly_party_counts_ms"] = timed(lambda: counts(db, query), repeat)
    figures["mentions_limit50_query_ms"] = timed(
        lambda: list(mention_rows(db, MentionFilter(party=top_party, limit=50))), repeat)
    store.close()
    # Process start-up, then the whole command as a user runs it.
    figures["python_startup_ms"] = min(run_cmd([sys.executable, "-c", "pass"])[0]
                                       for _ in range(repeat))
    figures["tracker_help_ms"] = min(run_cmd([*tracker, "--help"])[0] for _ in range(repeat))
    figures["tracker_mentions_limit50_ms"] = min(
        run_cmd([*tracker, "mentions", *db_opt, "--party", top_party, "--limit", "50",
                 "--format", "csv"])[0] for _ in range(repeat))
    figures["help_imports_spacy"] = spacy_imported(["--help"])
    figures["mentions_imports_spacy"] = spacy_imported(
        ["mentions", "--db", str(path), "--limit", "1"])
    figures["tracker_stats_week_ms"] = min(
        run_cmd([*tracker, "stats", *db_opt, "--by", "party", "--interval", "week", "--since",
                 year_since.isoformat(), "--until", year_until.isoformat(),
                 "--format", "csv"])[0] for _ in range(repeat))
    # Export of every mention: ours, sqlite-utils on the same join, the sqlite3 tool.
    sql = _export_sql()
    target = out_dir / "export.csv"
    target.unlink(missing_ok=True)
    ours = run_cmd([*tracker, "export", *db_opt, "-o", str(target), "--force"])
    figures["export_rows"] = sum(1 for _ in target.open(encoding="utf-8")) - 1
    figures["export_tracker_s"] = ours[0] / 1000
    # Constant memory: past the first rows (SQLite's page cache fills up to its 64 MB cap),
    # the whole export peaks where a tenth of it does.
    again = out_dir / "export-rss.csv"
    figures["export_peak_rss_mb"] = tracker_peak_rss(
        ["export", *db_opt, "-o", str(again), "--force"])
    tenth = max(1, figures["export_rows"] // 10)
    figures["export_tenth_peak_rss_mb"] = tracker_peak_rss(
        ["export", *db_opt, "--limit", str(tenth), "-o", str(again), "--force"])
    with (out_dir / "sqlite-utils.csv").open("w") as out:
        figures["export_sqlite_utils_s"] = run_cmd(
            [str(bin_dir / "sqlite-utils"), "query", str(path), sql, "--csv"], out)[0] / 1000
    if shutil.which("sqlite3"):
        with (out_dir / "sqlite3.csv").open("w") as out:
            figures["export_sqlite3_s"] = run_cmd(
                ["sqlite3", "-csv", "-header", str(path), sql], out)[0] / 1000
        figures["export_vs_sqlite3"] = figures["export_sqlite3_s"] / figures["export_tracker_s"]
    figures["export_vs_sqlite_utils"] = (figures["export_sqlite_utils_s"]
                                         / figures["export_tracker_s"])
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}


def _export_sql() -> str:
    """The export's query (the same view, order and columns), without the formula check,
    as a user of sqlite-utils or of the sqlite3 tool would write it."""
    return ("SELECT published_at, source, url, title, entity, entity_type, party, surface, "
            "sentence, lang FROM mention_rows ORDER BY published_at, document_id, start")


def spacy_imported(args: list[str]) -> bool:
    """Whether a command imports spaCy (`python -X importtime` lists every import)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "tracker", *args],
                          capture_output=True, text=True)
    return any(line.split("|")[-1].strip() == "spacy" for line in done.stderr.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"store-{args.mentions}.db"
    figures: dict = {}
    if args.rebuild or not path.exists():
        figures["build"] = build(path, args.mentions)
    figures.update(measure(path, args.out, args.repeat))
    for key, value in figures.items():
        print(f"{key:32} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    os.sync()


if __name__ == "__main__":
    main()
