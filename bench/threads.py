"""Where the threads of one Python process spend their wall time, without py-spy.

A profiler of CPU time says little about a daemon whose threads mostly wait: on fetches,
on the host's delay, on the workers' results, on the database's write lock, or on the
GIL itself. This samples every thread's stack every few milliseconds from a thread of
the same process (``sys._current_frames``), so it needs no ptrace and runs in sandboxes
where py-spy cannot attach, and counts, per kind of thread, where each one was: its
innermost frame and the innermost frame of the tracker's own code that led there.

It also measures the GIL's hand-over: the sampler asks to wake every ``interval``; how
late it wakes (the sleep is exact, the GIL is not) is how long a thread that becomes
ready waits for the interpreter.

    python bench/threads.py --out bench/out/threads.txt -- run --once --config c.yaml

runs ``tracker`` (the rest of the command line) with the sampler on and writes the
report when it ends; ``bench/ingest.py --sample FILE`` runs the measured daemon so.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
OWN = str(ROOT / "tracker")


class ThreadSampler:
    """Samples every other thread's stack every ``interval`` seconds while running."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.places: Counter[tuple[str, str, str]] = Counter()  # (role, where, via)
        self.roles: Counter[str] = Counter()  # samples per kind of thread
        self.late: list[float] = []  # seconds each wake-up came after it was due
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)
        self.started = self.seconds = 0.0

    def __enter__(self) -> ThreadSampler:
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.seconds = time.perf_counter() - self.started

    def _run(self) -> None:
        own = threading.get_ident()
        due = time.perf_counter() + self.interval
        while not self._stop.is_set():
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            now = time.perf_counter()
            self.late.append(max(0.0, now - due))
            due = max(due + self.interval, now)
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident == own:
                    continue
                role = _role(names.get(ident, "?"))
                self.roles[role] += 1
                self.places[(role, *_where(frame))] += 1
            self.samples += 1

    def report(self, top: int = 40) -> dict:
        """Per kind of thread, the share of its samples at each place (the top ones)."""
        late = sorted(self.late) or [0.0]
        roles = {}
        for role, count in self.roles.most_common():
            rows = [(where, via, n) for (r, where, via), n in self.places.most_common()
                    if r == role][:top]
            roles[role] = {
                "threads": round(count / max(1, self.samples), 1),
                "places": [{"share": round(n / count, 4), "where": where, "via": via}
                           for where, via, n in rows]}
        return {"seconds": round(self.seconds, 2), "samples": self.samples,
                "interval_ms": self.interval * 1000,
                "gil_wait_ms": {"median": round(1000 * late[len(late) // 2], 2),
                                "p90": round(1000 * late[int(len(late) * 0.9)], 2),
                                "p99": round(1000 * late[int(len(late) * 0.99)], 2),
                                "mean": round(1000 * sum(late) / len(late), 2)},
                "roles": roles}


def _role(name: str) -> str:
    """A thread's kind: its name without the numbers (ThreadPoolExecutor-0_13 and its
    siblings are one kind)."""
    return re.sub(r"\d+", "N", name)


def _where(frame: FrameType) -> tuple[str, str]:
    """(innermost frame, innermost frame of the tracker's code under it)."""
    inner = _name(frame)
    via = ""
    f: FrameType | None = frame
    while f is not None:
        if f.f_code.co_filename.startswith(OWN):
            via = _name(f)
            break
        f = f.f_back
    return inner, via


def _name(frame: FrameType) -> str:
    path = frame.f_code.co_filename
    short = path[len(str(ROOT)) + 1:] if path.startswith(str(ROOT)) else Path(path).name
    return f"{short}:{frame.f_lineno} {frame.f_code.co_name}"


def text(report: dict, top: int = 12) -> str:
    """The report as lines a person reads."""
    gil = report["gil_wait_ms"]
    lines = [f"{report['samples']} samples in {report['seconds']} s, every "
             f"{report['interval_ms']:g} ms; waking late (GIL): median {gil['median']} ms, "
             f"p90 {gil['p90']} ms, p99 {gil['p99']} ms, mean {gil['mean']} ms"]
    for role, part in report["roles"].items():
        lines.append(f"{role} (on average {part['threads']} threads)")
        for place in part["places"][:top]:
            via = f"  <- {place['via']}" if place["via"] and place["via"] != place["where"] \
                else ""
            lines.append(f"  {100 * place['share']:5.1f} %  {place['where']}{via}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True,
                        help="the report: .json for every figure, else text")
    parser.add_argument("--interval", type=float, default=0.005)
    parser.add_argument("args", nargs=argparse.REMAINDER,
                        help="-- then the tracker's command line")
    args = parser.parse_args()
    command = args.args[1:] if args.args[:1] == ["--"] else args.args
    sys.path.insert(0, str(ROOT))
    from tracker.cli import main as tracker

    sys.argv = ["tracker", *command]
    code: object = 0
    with ThreadSampler(args.interval) as sampler:
        try:
            tracker()
        except SystemExit as exc:
            code = exc.code
    report = sampler.report()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) if args.out.suffix == ".json"
                        else text(report) + "\n", "utf-8")
    sys.exit(code)


if __name__ == "__main__":
    main()
