"""Run the pipeline over the sources: once, or on each source's schedule until stopped.

APScheduler 3.x (BackgroundScheduler) owns the timing: one job per source with an
explicit id, its interval (with jitter) or cron expression, ``max_instances=1`` so a slow
pass is never doubled, ``coalesce`` so missed runs collapse into one, a misfire grace of
one interval so a late run still happens, and a log line for every run that was missed.
A failing source is backed off (its interval doubled per consecutive failure, capped);
schedules resume from the database after a restart; SIGHUP reloads config.yaml. The main
thread only waits for a stop or reload request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor as JobPool
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tracker import pairs
from tracker.config import Source
from tracker.errors import TrackerError
from tracker.pipeline import Pipeline, RunResult
from tracker.store import Store

log = logging.getLogger(__name__)
BACKOFF_CAP = 24 * 3600.0
UTC = dt.timezone.utc


@contextlib.contextmanager
def run_lock(db_path: Path) -> Iterator[None]:
    """One `tracker run` per database: a second one is refused, not left to race.

    The lock is an flock on ``DB.lock``, which holds the pid. The kernel drops it when its
    process dies, so a stale file (a killed run) is simply taken over, with a note; a
    clean exit removes the file."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise TrackerError(f"{db_path}: another `tracker run` (pid {holder}) is using this "
                               "database; stop it first or pass another --db") from None
        try:
            same = os.stat(lock_path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()  # a run that was exiting removed the file we locked: lock anew
    try:
        handle.seek(0)
        previous = handle.read().strip()
        if previous and previous != str(os.getpid()):
            log.warning("event=stale_lock path=%s pid=%s note=%s", lock_path, previous,
                        "a run that did not exit cleanly left it; taken over")
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            lock_path.unlink()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def run_once(pipeline: Pipeline, sources: Sequence[Source]) -> list[RunResult]:
    """One pass over every source, different sources in parallel (hosts wait politely)."""
    workers = max(1, min(pipeline.parallel_sources, len(sources)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(pipeline.run_source, sources))


def trigger_for(source: Source) -> BaseTrigger:
    if source.cron:
        return CronTrigger.from_crontab(source.cron, timezone=UTC)
    return IntervalTrigger(seconds=source.interval, jitter=source.jitter or None, timezone=UTC)


def backoff(source: Source, failures: int) -> float:
    """Seconds before retrying a source that failed ``failures`` times in a row."""
    base = source.interval if not source.cron else 3600.0
    return min(base * 2 ** max(0, failures - 1), max(BACKOFF_CAP, base))


class Daemon:
    """Polls each source on its schedule until ``stop`` is set (SIGTERM, Ctrl-C).

    ``build`` returns the pipeline and sources from the config file; it is called at start
    and again on each reload, so a SIGHUP picks up edited sources and knowledge base."""

    def __init__(self, build: Callable[[], tuple[Pipeline, list[Source]]], *,
                 stop: threading.Event):
        self.build = build
        self.stop = stop
        self.reload_requested = threading.Event()
        self.pipeline, self.sources = build()
        self.runs = 0
        self.failure: str | None = None  # why the daemon stopped by itself
        self._active = 0
        self._cond = threading.Condition()
        self._uncounted = True  # documents whose co-mentions may be uncounted (a backlog)
        self._idle = threading.Event()  # no pass running and something to count
        self.scheduler = BackgroundScheduler(
            executors={"default": JobPool(max_workers=self.pipeline.parallel_sources)},
            job_defaults={"max_instances": 1, "coalesce": True},
            timezone=UTC,
        )
        self.scheduler.add_listener(self._missed, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)

    def _missed(self, event: JobEvent) -> None:
        why = ("the previous pass is still running" if event.code == EVENT_JOB_MAX_INSTANCES
               else "the daemon was busy or asleep")
        log.warning("run skipped", extra={"source": event.job_id.removeprefix("source:"),
                                          "due": getattr(event, "scheduled_run_time", ""),
                                          "reason": why})

    def _job(self, name: str) -> None:
        if self.stop.is_set():
            return
        pipeline = self.pipeline
        source = next((s for s in self.sources if s.name == name), None)
        if source is None:
            return
        with self._cond:
            self._active += 1
        try:
            result = pipeline.run_source(source)
            if result.interrupted:  # stopping: the next start polls it at once
                return
            job = self.scheduler.get_job(f"source:{name}")  # None once shutting down
            when = (job.next_run_time if job else None) or (
                dt.datetime.now(UTC) + dt.timedelta(seconds=source.interval))
            if result.failed:
                delay = backoff(source, result.failures)
                when = dt.datetime.now(UTC) + dt.timedelta(seconds=delay)
                if job:
                    job.modify(next_run_time=when)
                log.warning("source backed off", extra={
                    "source": name, "failures": result.failures, "retry_in_s": int(delay)})
            with Store(pipeline.db_path) as store:
                store.set_next_run(name, when)
            if result.new_documents:
                self._uncounted = True
        finally:
            with self._cond:
                self._active -= 1
                self.runs += 1
                if self._active == 0 and self._uncounted:
                    self._idle.set()  # the co-mention counter's turn
                self._cond.notify_all()

    def _count_pairs(self) -> None:
        """Count the co-mentions of the documents stored since the last count (a backlog
        at start too), in one thread, whenever no pass is running: `tracker stats`,
        `report` and the dashboard then read them kept, not from every mention. A pass
        that starts stops it after its batch (200 documents, about half a second); it
        goes on at the next idle moment. Never fatal."""
        while not self.stop.is_set():
            if not self._idle.wait(1.0) or self.stop.is_set():
                continue
            self._idle.clear()
            self._uncounted = False
            try:
                with Store(self.pipeline.db_path) as store:
                    done = pairs.cover(store, self.stop, go_on=self._still_idle)
            except Exception as exc:  # noqa: BLE001 - a locked file: try at the next turn
                log.warning("counting co-mentions failed", extra={"error": str(exc)})
                self._uncounted = True
                continue
            if self._active:  # a pass came: what is left waits for the next idle moment
                self._uncounted = True
            if done:
                log.info("co-mentions counted", extra={"documents": done})

    def _still_idle(self) -> bool:
        """Between two batches of the count: a breath for the sources' writes, and on
        only while no pass runs."""
        return not self.stop.wait(0.05) and self._active == 0

    def _schedule(self) -> None:
        """(Re)create one job per source, resuming each from its stored next run."""
        with Store(self.pipeline.db_path) as store:
            due = {r["name"]: r["next_run_at"] for r in store.source_rows()}
        now = dt.datetime.now(UTC)
        wanted = {f"source:{s.name}" for s in self.sources}
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
        for source in self.sources:
            stored = due.get(source.name)
            first = dt.datetime.fromisoformat(stored.replace("Z", "+00:00")) if stored else now
            if not source.cron:  # an interval shortened in the config takes effect now
                first = min(first, now + dt.timedelta(seconds=source.interval))
            self.scheduler.add_job(
                self._job, trigger_for(source), args=[source.name], id=f"source:{source.name}",
                name=source.name, next_run_time=max(first, now),
                misfire_grace_time=max(1, int(source.interval)), replace_existing=True,
            )

    def _reload(self) -> None:
        try:
            pipeline, sources = self.build()
        except Exception as exc:  # noqa: BLE001 - a bad edit must never stop the daemon
            log.error("reload refused, keeping the running config", extra={"error": str(exc)})
            return
        old, self.pipeline, self.sources = self.pipeline, pipeline, sources
        self._schedule()
        old.close()  # its tagging processes finish the batches already sent, then exit
        log.info("config reloaded", extra={"sources": len(sources)})

    def run(self, *, grace: float = 10.0) -> bool:
        """Block until stopped; True when every running pass finished within ``grace``."""
        self._schedule()
        self.scheduler.start()
        counter = threading.Thread(target=self._count_pairs, name="co-mentions", daemon=True)
        counter.start()
        log.info("daemon started", extra={"sources": len(self.sources)})
        while not self.stop.wait(0.5):
            if self.pipeline.workers.failure:  # nothing could ever be stored: say why, stop
                self.failure = self.pipeline.workers.failure
                log.error("stopping", extra={"error": self.failure})
                self.stop.set()
                break
            if self.reload_requested.is_set():
                self.reload_requested.clear()
                self._reload()
        log.info("stopping", extra={"waiting_for_passes_s": round(grace)})
        self.scheduler.shutdown(wait=False)
        deadline = time.monotonic() + grace
        with self._cond:
            while self._active and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            clean = self._active == 0
        self._idle.set()  # the counter sees the stop now, or ends its batch
        counter.join(timeout=max(1.0, deadline - time.monotonic()))
        self.pipeline.close()
        log.info("daemon stopped", extra={"passes_cut": 0 if clean else self._active})
        return clean
