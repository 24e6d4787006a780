"""The writer's own cost: `Store.save` over real prepared pages, in-process, as the daemon's
writing thread calls it (several documents a transaction, no savepoints), timed alone.

`bench/ingest.py` measures the main process's CPU a page over a whole run, but a run's
noise on a 2-core machine (about 3 ms a page) hides a change of a few tenths of a
millisecond in storing. This script stores the pages `bench/ceiling.py` prepared with
real worker processes (`bench/out/ceiling-prepared-<articles>.pickle`; run that script
once first) into a fresh database, and reports CPU a document, best and median of a few
rounds. To compare two commits, run each from its own worktree, alternating.

    python bench/ceiling.py --articles 2000 --processes 2   # once: the prepared pages
    python bench/saving.py --articles 2000 --rounds 3
    python bench/saving.py --rounds 3 --into bench/out/store-1000000.db  # indexes at scale
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/saving.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import KB_FILE  # noqa: E402
from tracker.kbload import load_kb  # noqa: E402
from tracker.store import Store  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


@dataclasses.dataclass(frozen=True)
class _Source:
    name: str
    kind: str = "feed"
    location: str = "http://127.0.0.1/feed"
    interval: float = 900.0
    lang: str | None = "fr"


def one_round(items: list, per_transaction: int, folder: Path,
              into: Path | None = None) -> tuple[float, float]:
    """CPU and wall seconds a document to store ``items`` into a new database (``into``:
    a copy of that one, migrated before the clock starts)."""
    if into is not None:
        shutil.copyfile(into, folder / "saving.db")
    with Store(folder / "saving.db") as store:
        store.sync_entities(load_kb([str(KB_FILE)]))
        store.sync_sources([_Source(name) for name in sorted({r.article.source
                                                               for _, r in items})])
        store.savepoints = False  # as tracker.writer's shared transaction
        started, wall = time.process_time(), time.perf_counter()
        for first in range(0, len(items), per_transaction):
            with store.write():
                for path, ready in items[first:first + per_transaction]:
                    article = dataclasses.replace(ready.article, url="http://bench" + path)
                    if store.save(article, ready.mentions, kb_version="bench",
                                  tagger_version="bench", digest=ready.digest,
                                  print_=ready.print_):
                        store.count_candidates(ready.candidates, article.url)
        return ((time.process_time() - started) / len(items),
                (time.perf_counter() - wall) / len(items))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--per-transaction", type=int, default=40,
                        help="documents a transaction (the writer joins up to 16 batches)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--into", type=Path, help="store into a copy of this database "
                        "(e.g. bench/out/store-1000000.db: indexes at scale)")
    args = parser.parse_args()
    kept = OUT / f"ceiling-prepared-{args.articles}.pickle"
    if not kept.exists():
        sys.exit(f"{kept}: not there; run `python bench/ceiling.py --articles "
                 f"{args.articles} --processes 2` once first")
    prepared = pickle.loads(kept.read_bytes())
    items = [(path, ready) for path, ready in sorted(prepared.items())
             if ready.article is not None]
    mentions = sum(len(ready.mentions) for _, ready in items)
    figures, walls = [], []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="tracker-saving-") as folder:
            cpu, wall = one_round(items, args.per_transaction, Path(folder), args.into)
            figures.append(cpu * 1000)
            walls.append(wall * 1000)
    print(f"{len(items):,} documents ({mentions:,} mentions), {args.per_transaction} a "
          f"transaction: Store.save {min(figures):.2f} ms CPU a document at best, median "
          f"{statistics.median(figures):.2f} (rounds: "
          f"{', '.join(f'{f:.2f}' for f in figures)}); wall {min(walls):.2f} at best, "
          f"median {statistics.median(walls):.2f}" + (f", into a copy of {args.into}"
                                                      if args.into else ""))


if __name__ == "__main__":
    main()
