"""Run the pipeline over the sources: once, or on each source's schedule until stopped.

APScheduler 3.x (BackgroundScheduler) owns the timing: one job per source with an
explicit id, ``max_instances=1`` so a slow pass is never doubled, ``coalesce`` so missed
runs collapse into one, and a misfire grace of one interval so a late run still happens
rather than being dropped. The main thread only waits for a stop signal.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from apscheduler.executors.pool import ThreadPoolExecutor as JobPool
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tracker.config import Source
from tracker.pipeline import Pipeline, RunResult

log = logging.getLogger(__name__)


def run_once(pipeline: Pipeline, sources: Sequence[Source], *, workers: int = 4
             ) -> list[RunResult]:
    """One pass over every source, different sources in parallel (hosts wait politely)."""
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(sources)))) as pool:
        return list(pool.map(pipeline.run_source, sources))


class Daemon:
    """Polls each source on its own interval until ``stop`` is set (SIGTERM, Ctrl-C)."""

    def __init__(self, pipeline: Pipeline, sources: Sequence[Source], *, workers: int = 4):
        self.pipeline = pipeline
        self.sources = list(sources)
        self.stop = pipeline.stop
        self.runs = 0
        self._active = 0
        self._cond = threading.Condition()
        self.scheduler = BackgroundScheduler(
            executors={"default": JobPool(max_workers=workers)},
            job_defaults={"max_instances": 1, "coalesce": True},
            timezone=dt.timezone.utc,
        )

    def _job(self, source: Source) -> None:
        if self.stop.is_set():
            return
        with self._cond:
            self._active += 1
        try:
            next_run = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=source.interval)
            self.pipeline.run_source(source, next_run=next_run)
        finally:
            with self._cond:
                self._active -= 1
                self.runs += 1
                self._cond.notify_all()

    def run(self, *, grace: float = 10.0) -> bool:
        """Block until stopped; True when every running pass finished within ``grace``."""
        now = dt.datetime.now(dt.timezone.utc)
        for source in self.sources:
            self.scheduler.add_job(
                self._job, IntervalTrigger(seconds=source.interval, timezone=dt.timezone.utc),
                args=[source], id=f"source:{source.name}", name=source.name,
                next_run_time=now, misfire_grace_time=max(1, int(source.interval)),
                replace_existing=True,
            )
        self.scheduler.start()
        log.info("daemon started: %d sources", len(self.sources))
        while not self.stop.wait(0.5):
            pass
        log.info("stopping: waiting up to %.0fs for running passes", grace)
        self.scheduler.shutdown(wait=False)
        deadline = time.monotonic() + grace
        with self._cond:
            while self._active and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            clean = self._active == 0
        log.info("daemon stopped%s", "" if clean else " (a pass was still running)")
        return clean
