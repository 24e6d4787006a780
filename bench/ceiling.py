"""The main process's ceiling: how many pages a second one daemon can fetch and store when
the worker processes cost nothing.

`tracker run --once`'s pass (the same ``Pipeline`` and ``run_once``: sources in parallel
threads, polite per-host fetching, batches stored in order) runs here in-process over
`bench/corpus.py`'s loopback sites, served from a separate process so that serving takes
no share of this one's GIL. The worker pool is replaced by one that answers every batch
at once with the results real workers gave for the same pages (computed once, in
processes, and kept in ``bench/out/``); feeds are parsed in a process of its own, as the
workers parse them. What is left is the main process alone (scheduling, HTTP, known-URL
checks) and the writing process (storing); with ``--steps`` the writing runs as a thread
of this process instead, so that its steps can be clocked.

On a 16-core machine `tracker run` gives 14 workers 28 source threads; if this ceiling
sits below what 14 workers tag (about 165 pages/s of plain NER there), the main process,
not spaCy, is what caps the daemon.

    python bench/ceiling.py --articles 2000 --processes 2 14
    python bench/ceiling.py --articles 2000 --processes 2 --steps   # CPU by step
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import yaml  # noqa: E402

from bench.corpus import generate  # noqa: E402
from bench.longrun import cpu_seconds  # noqa: E402
from bench.steps import clocked, report  # noqa: E402
from bench.threads import ThreadSampler, text  # noqa: E402
from tracker.models import Fetched, Prepared  # noqa: E402
from tracker.sources import canonical_url, parse_feed  # noqa: E402
from tracker.workers import WorkerPool  # noqa: E402

OUT = ROOT / "bench" / "out"


class InstantPool(WorkerPool):
    """Answers each batch at once, with the prepared result kept for each page's path."""

    def __init__(self, kb, processes: int, prepared: dict[str, Prepared]):
        super().__init__(kb, [], processes)
        self.prepared = prepared
        self._feeds: ProcessPoolExecutor | None = None

    def start(self) -> None:
        self._created.set()
        # Feeds are parsed out of the main process, as real workers parse them.
        self._feeds = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))

    def parse_feed(self, body: bytes, base_url: str, content_type: str):
        assert self._feeds is not None
        return self._feeds.submit(parse_feed, body, base_url, content_type).result()

    def _submit(self, pages: list[Fetched]) -> Future:
        future: Future = Future()
        future.set_result([self._one(page) for page in pages])
        return future

    def _one(self, page: Fetched) -> Prepared:
        ready = self.prepared[_path(page.url)]
        if ready.article is None:
            return ready
        article = dataclasses.replace(ready.article, url=page.url, source=page.source,
                                      fetched_at=page.fetched_at)
        return dataclasses.replace(ready, article=article)

    def close(self) -> None:
        if self._feeds is not None:
            self._feeds.shutdown()


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def serve(articles: int, folder: Path) -> tuple[subprocess.Popen, Path]:
    """`bench/corpus.py --serve` in its own process; returns it and its config.yaml."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "corpus.py"), "--articles",
                             str(articles), "--serve", str(folder)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("serving"):
            return proc, folder / "config.yaml"
    raise RuntimeError("the corpus server did not start")


def _prepare_chunk(pages: list[Fetched]) -> list[Prepared]:
    from tracker.kbload import load_kb
    from tracker.prepare import prepare_many
    from tracker.workerprocess import build_tagger

    global _TAGGER
    if "_TAGGER" not in globals():
        from bench.corpus import KB_FILE

        _TAGGER = build_tagger(load_kb([str(KB_FILE)]))
    out: list[Prepared] = []
    for start in range(0, len(pages), 8):
        out.extend(prepare_many(pages[start:start + 8], _TAGGER, ("fr",)))
    return out


def prepared_for(articles: int, config: dict) -> dict[str, Prepared]:
    """Every page's real result, by path: from ``bench/out/`` when kept, else computed
    in one process per core (minutes) and kept."""
    cache = OUT / f"ceiling-prepared-{articles}.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    pages: list[Fetched] = []
    now = dt.datetime.now(dt.timezone.utc)
    for source in config["sources"]:
        feed = requests.get(source["url"], timeout=30)
        items, _ = parse_feed(feed.content, source["url"], "application/rss+xml")
        for item in items:
            body = requests.get(item.url, timeout=30).content
            pages.append(Fetched(source["name"], canonical_url(item.url), body, now,
                                 charset="utf-8", lang_hint="fr", feed_item=item))
    print(f"preparing {len(pages)} pages once, in {os.cpu_count()} processes ...")
    chunks = [pages[i::os.cpu_count() or 1] for i in range(os.cpu_count() or 1)]
    with multiprocessing.get_context("spawn").Pool(len(chunks)) as pool:
        results = pool.map(_prepare_chunk, chunks)
    prepared = {_path(page.url): ready for chunk, done in zip(chunks, results, strict=True)
                for page, ready in zip(chunk, done, strict=True)}
    OUT.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(prepared))
    return prepared


def one_pass(config_path: Path, processes: int, prepared: dict[str, Prepared],
             work: Path, sample: Path | None = None, steps: bool = False) -> dict:
    from tracker.config import load_config
    from tracker.kbload import load_kb
    from tracker.pipeline import Pipeline, build_fetcher
    from tracker.scheduler import run_once
    from tracker.store import Store
    from tracker.writer import Writer

    raw = yaml.safe_load(config_path.read_text("utf-8"))
    raw["database"] = str(work / "tracker.db")
    raw["defaults"]["tag_processes"] = processes
    path = work / "config.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), "utf-8")
    config = load_config(path)
    kb = load_kb(config.entities)
    db = Path(raw["database"])
    with Store(db) as store:
        store.sync_entities(kb)
        store.sync_sources(config.sources)
    pool = InstantPool(kb, processes, prepared)
    pool.start()
    pipeline = Pipeline(config, pool, build_fetcher(config), db)
    if steps:  # the writing thread in this process, where bench/steps.py can clock it
        pipeline.writer.close()
        pipeline.writer = Writer(db)
    writer_pid = getattr(pipeline.writer, "pid", None)
    time.sleep(1.0 if writer_pid else 0.0)  # the writing process's imports, not timed
    writer_cpu = (cpu_seconds(writer_pid) or 0.0) if writer_pid else 0.0
    started, cpu = time.perf_counter(), time.process_time()
    spent = None
    if sample:
        with ThreadSampler() as sampler:
            results = run_once(pipeline, config.sources)
        sample.write_text(text(sampler.report()) + "\n", "utf-8")
    elif steps:
        with clocked() as spent:
            results = run_once(pipeline, config.sources)
    else:
        results = run_once(pipeline, config.sources)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if writer_pid:
        writer_cpu = (cpu_seconds(writer_pid) or writer_cpu) - writer_cpu
    pipeline.close()
    pages = sum(r.new_documents for r in results)
    errors = sum(len(r.errors) for r in results) + sum(1 for r in results if r.failed)
    return {"processes": processes, "source_threads": pipeline.parallel_sources,
            "pages": pages, "errors": errors, "seconds": round(seconds, 2),
            "pages_per_s": round(pages / seconds, 1),
            "cpu_ms_per_page": round(1000 * cpu / max(1, pages), 2),
            "cores_busy": round(cpu / seconds, 2),
            "writer_cpu_ms_per_page": round(1000 * writer_cpu / max(1, pages), 2),
            "steps": report(spent, pages) if spent is not None else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--processes", type=int, nargs="+", default=[2, 14],
                        help="the tag_processes each pass pretends to have (it sets the "
                             "source threads and the batches in flight)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--steps", action="store_true",
                        help="the main process's CPU by step (bench/steps.py)")
    parser.add_argument("--sample", type=Path,
                        help="where the threads wait (bench/threads.py), one file a pass: "
                             "NAME-pN.txt")
    args = parser.parse_args()
    generate(1)  # fail early on a broken checkout
    folder = Path(tempfile.mkdtemp(prefix="tracker-ceiling-"))
    server, config_path = serve(args.articles, folder / "site")
    try:
        config = yaml.safe_load(config_path.read_text("utf-8"))
        prepared = prepared_for(args.articles, config)
        rows = []
        for processes in args.processes:
            work = folder / f"p{processes}"
            work.mkdir()
            sample = args.sample.with_name(f"{args.sample.stem}-p{processes}.txt") \
                if args.sample else None
            row = one_pass(config_path, processes, prepared, work, sample, args.steps)
            rows.append(row)
            print(f"{processes:>3} processes ({row['source_threads']} source threads): "
                  f"{row['pages']:,} pages in {row['seconds']} s = {row['pages_per_s']} "
                  f"pages/s; main process {row['cpu_ms_per_page']} ms CPU a page, "
                  f"{row['cores_busy']} cores; writing process "
                  f"{row['writer_cpu_ms_per_page']} ms a page; {row['errors']} errors")
            if row["steps"]:
                print(row["steps"])
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2) + "\n", "utf-8")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
