"""Long run: does the daemon's memory stay flat while it stores 10,000 articles?

`tracker run` (the daemon, not --once) polls a loopback corpus of French political news
(bench/corpus.py) with short intervals: 50 feeds of 200 items (the most the tracker takes
from a feed in one pass) on 50 loopback sites by default. Every second this script reads
the resident memory (VmRSS in /proc/PID/status) of the daemon and of its tagging processes
and the number of documents in its database (read-only; WAL lets it read while the daemon
writes). It reports the RSS when --checkpoint documents are stored and when all are, and
the ratio of the medians of the last 15 samples at each point (target: within 10 %, i.e.
no growth with the number of documents; one sample swings with the batch in hand, so it is
shown but not judged), then stops the daemon with SIGTERM.

    python bench/longrun.py --articles 10000 --checkpoint 1000   # 15 to 30 minutes
    python bench/longrun.py --articles 2000 --checkpoint 200     # a few minutes
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/longrun.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import CorpusServer, feeds_needed, generate, write_config  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ITEMS_PER_PASS = 200  # tracker.pipeline.MAX_ITEMS_PER_PASS
TARGET_GROWTH = 0.10
# The tagging processes' memory swings by a hundred MB from batch to batch: besides the
# sample at each point, the median of the last WINDOW samples up to it is compared.
WINDOW = 15


def rss_mb(pid: int) -> float | None:
    """Resident memory of a live process (VmRSS), None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def pss_mb(pid: int) -> float | None:
    """Proportional memory of a live process: its own pages, plus its share of the pages
    it shares (a forked worker's with its fork server and siblings, which RSS counts in
    full in each). None once it is gone, or where the kernel gives no smaps_rollup."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return None


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants (the tracker's tagging processes among them)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                children = Path(f"/proc/{current}/task/{task}/children").read_text()
                todo.extend(int(child) for child in children.split())
        except OSError:
            continue  # gone meanwhile
    return found


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat's fields after the command name (which may hold spaces), the
    state first; None once the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a live process has used so far; None once it is gone."""
    fields = _stat(pid)
    return None if fields is None else \
        (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def minor_faults(pid: int) -> int | None:
    """Minor page faults a live process has taken so far (copy-on-write pages of the fork
    server's tagger, memory the allocator gives back and takes again): cheap on a plain
    kernel, dear in a sandbox that handles each one itself."""
    fields = _stat(pid)
    return None if fields is None else int(fields[7])


def tree_rss_mb(pid: int) -> tuple[float, float] | None:
    """(RSS of the whole process tree, RSS of the process itself); None once it is gone.
    The tracker tags in worker processes: memory that grows there counts too."""
    own = rss_mb(pid)
    if own is None:
        return None
    total = sum(rss_mb(p) or 0.0 for p in process_tree(pid) if p != pid)
    return total + own, own


class DocumentCounter:
    """Counts stored documents through a read-only connection opened once the file exists."""

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self.conn: sqlite3.Connection | None = None

    def __call__(self) -> int:
        if self.conn is None:
            if not self.db_path.exists():
                return 0
            self.conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)
        try:
            return self.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        except sqlite3.OperationalError:  # schema not created yet, or a busy moment
            return 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def run(*, articles: int = 10_000, checkpoint: int = 1000, feeds: int | None = None,
        hosts: int | None = None, interval: str = "5s", per_host_delay: str = "50ms",
        processes: int | None = None, every: float = 1.0, timeout: float = 3600.0,
        workdir: Path | None = None, keep: bool = False,
        say: Callable[[str], None] = print) -> dict:
    """The whole long run; returns the figures and the RSS samples."""
    if not 0 < checkpoint < articles:
        raise ValueError("--checkpoint must be between 0 and --articles")
    own_dir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="tracker-longrun-")) if own_dir else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    feeds = feeds_needed(articles, ITEMS_PER_PASS, feeds or 1)
    try:
        say(f"generating {articles} articles ...")
        corpus = generate(articles)
        with CorpusServer(corpus, feeds=feeds, hosts=hosts) as server:
            config = write_config(work, server.feed_urls, interval=interval,
                                  per_host_delay=per_host_delay, tag_processes=processes)
            say(f"tracker run (daemon) over {len(server.feed_urls)} feeds on "
                f"{len(server.bases)} loopback hosts, interval {interval} ({work}) ...")
            result = _watch(config, work, articles, checkpoint, every, timeout, say)
        result.update({
            "articles": articles, "checkpoint": checkpoint, "feeds": len(server.feed_urls),
            "hosts": len(server.bases), "interval": interval, "per_host_delay": per_host_delay,
            "tag_processes": processes,
            "workdir": str(work) if keep or not own_dir else None,
        })
        say(report(result))
        return result
    finally:
        if own_dir and not keep:
            shutil.rmtree(work, ignore_errors=True)


def _watch(config: Path, work: Path, articles: int, checkpoint: int, every: float,
           timeout: float, say: Callable[[str], None]) -> dict:
    """Start the daemon, sample it until every article is stored, stop it with SIGTERM."""
    count = DocumentCounter(work / "tracker.db")
    # (seconds since start, documents, RSS of the process tree MB, RSS of the main process)
    samples: list[tuple[float, int, float, float]] = []
    at: dict[str, tuple[float, int, float, float]] = {}
    windows: dict[str, float] = {}  # median RSS of the samples up to each point
    with open(work / "tracker.stderr", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "run", "--config", str(config),
             "--log-file", str(work / "tracker.log")],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        started = time.monotonic()
        try:
            while time.monotonic() - started < timeout:
                time.sleep(every)
                rss = tree_rss_mb(proc.pid)
                if proc.poll() is not None or rss is None:
                    tail = (work / "tracker.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"daemon exited with {proc.returncode}: {tail}")
                sample = (round(time.monotonic() - started, 1), count(), round(rss[0], 1),
                          round(rss[1], 1))
                samples.append(sample)
                for key, due in (("checkpoint", checkpoint), ("end", articles)):
                    if sample[1] >= due and key not in at:
                        at[key] = sample
                        windows[key] = statistics.median(s[2] for s in samples[-WINDOW:])
                        say(f"  {sample[1]} documents after {sample[0]:.0f} s: RSS "
                            f"{sample[2]:.1f} MB ({sample[3]:.1f} MB in the main process)")
                if "end" in at:
                    break
            stopping = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=120)
            stop_s = time.monotonic() - stopping
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            count.close()
    result: dict = {
        "documents": samples[-1][1] if samples else 0, "seconds": samples[-1][0] if samples else 0,
        "sigterm_exit": code, "sigterm_seconds": round(stop_s, 2),
        "rss_max_mb": max((s[2] for s in samples), default=None),
        "samples": samples[:: max(1, len(samples) // 60)] + samples[-1:],
        "complete": "end" in at,
    }
    if "checkpoint" in at and "end" in at:
        (t0, n0, rss0, main0), (t1, n1, rss1, main1) = at["checkpoint"], at["end"]
        result.update({
            "rss_at_checkpoint_mb": rss0, "documents_at_checkpoint": n0,
            "rss_at_end_mb": rss1, "documents_at_end": n1, "rss_ratio": rss1 / rss0,
            "main_rss_at_checkpoint_mb": main0, "main_rss_at_end_mb": main1,
            "main_rss_ratio": main1 / main0,
            "rss_median_at_checkpoint_mb": windows["checkpoint"],
            "rss_median_at_end_mb": windows["end"],
            "rss_median_ratio": windows["end"] / windows["checkpoint"],
            # The verdict: the medians' growth within TARGET_GROWTH (single samples swing).
            "target_met": abs(windows["end"] / windows["checkpoint"] - 1) <= TARGET_GROWTH,
            "pages_per_s": (n1 - n0) / (t1 - t0) if t1 > t0 else None,
        })
    return result


def report(r: dict) -> str:
    if "rss_ratio" not in r:
        return (f"incomplete: {r['documents']} of {r['articles']} documents stored in "
                f"{r['seconds']:.0f} s (raise --timeout?)")
    def verdict(ratio: float) -> str:
        growth = ratio - 1
        met = "met" if abs(growth) <= TARGET_GROWTH else "missed"
        return f"{growth:+.1%} (target within {TARGET_GROWTH:.0%}: {met})"

    pages = f"{r['pages_per_s']:.2f}" if r["pages_per_s"] else "-"
    return "\n".join([
        f"stored {r['documents']:,} documents in {r['seconds']:.0f} s from {r['feeds']} feeds "
        f"on {r['hosts']} hosts ({pages} pages/s after the checkpoint)",
        f"RSS (daemon and its worker processes), single samples: "
        f"{r['rss_at_checkpoint_mb']:.1f} MB at {r['documents_at_checkpoint']:,} documents, "
        f"{r['rss_at_end_mb']:.1f} MB at {r['documents_at_end']:,} "
        f"({r['rss_ratio'] - 1:+.1%}; a sample swings with the batch in hand: not the check)",
        f"the check, the median of the last {WINDOW} samples: "
        f"{r['rss_median_at_checkpoint_mb']:.1f} MB, then {r['rss_median_at_end_mb']:.1f} MB: "
        f"{verdict(r['rss_median_ratio'])}",
        f"main process alone: {r['main_rss_at_checkpoint_mb']:.1f} MB, then "
        f"{r['main_rss_at_end_mb']:.1f} MB ({r['main_rss_ratio'] - 1:+.1%}); max of all "
        f"{r['rss_max_mb']:.1f} MB",
        f"SIGTERM: exit {r['sigterm_exit']} in {r['sigterm_seconds']:.1f} s",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--checkpoint", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=None,
                        help=f"default: articles / {ITEMS_PER_PASS}")
    parser.add_argument("--hosts", type=int, default=None, help="default: one per feed")
    parser.add_argument("--interval", default="5s", help="polling interval of every feed")
    parser.add_argument("--per-host-delay", default="50ms")
    parser.add_argument("--processes", type=int, default=None,
                        help="tagging processes (tag_processes; default: the tracker's)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds, at most")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args()
    result = run(articles=args.articles, checkpoint=args.checkpoint, feeds=args.feeds,
                 hosts=args.hosts, interval=args.interval, per_host_delay=args.per_host_delay,
                 processes=args.processes, timeout=args.timeout, keep=args.keep)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    if not result["complete"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
