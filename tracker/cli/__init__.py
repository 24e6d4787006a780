"""The `tracker` command: a thin shell over the stages.

Exit codes: 0 success, 1 runtime failure, 2 usage or config error; errors are one line
on stderr. spaCy is imported only by the commands that tag (run, tag).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import logging
import os
import signal
import sys
import threading
from pathlib import Path

import click

from tracker import __version__
from tracker.config import Config, load_config
from tracker.errors import ConfigError, TrackerError

log = logging.getLogger("tracker")
FORMATS = click.Choice(["table", "csv", "jsonl"])
DELIMITERS = {",": ",", ";": ";", "|": "|", "tab": "\t", "\\t": "\t", "\t": "\t",
              "space": " ", " ": " "}


class _Date(click.DateTime):
    """A YYYY-MM-DD date between 1900 and 2100 (beyond, date arithmetic overflows and no
    article has such a date)."""

    def __init__(self) -> None:
        super().__init__(["%Y-%m-%d"])

    def convert(self, value, param, ctx):
        when = super().convert(value, param, ctx)
        if not 1900 <= when.year <= 2100:
            self.fail(f"{value!r} is not a date between 1900 and 2100", param, ctx)
        return when


DATE = _Date()


class Failure(click.ClickException):
    """A TrackerError on its way out: one line on stderr, the error's own exit code."""

    def __init__(self, error: TrackerError):
        super().__init__(str(error))
        self.exit_code = error.exit_code

    def show(self, file=None) -> None:
        click.echo(f"tracker: error: {self.message}", err=True)


def common(func):
    """--config and --db, taken by every command; errors become one line and an exit code."""
    @click.option("--config", "config_path", type=click.Path(dir_okay=False),
                  default=None, help="Config file [default: ./config.yaml].")
    @click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
                  help="SQLite database [default: the config's `database`, "
                       "else data/tracker.db].")
    @functools.wraps(func)
    def wrapper(*args, config_path, db_path, **kwargs):
        try:
            config = load_config(config_path or "config.yaml",
                                 must_exist=config_path is not None)
            db = Path(db_path) if db_path else config.database
            return func(*args, config=config, db=db, **kwargs)
        except TrackerError as exc:
            raise Failure(exc) from None
        except BrokenPipeError:  # `tracker mentions | head`: the reader has enough
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit
            raise click.exceptions.Exit(0) from None
    return wrapper


def filters(func):
    """The mention filters shared by `mentions` and `export`."""
    options = [
        click.option("--party", help="Party id, name or alias: its own mentions and its "
                                     "members' (at the article's date)."),
        click.option("--direct", is_flag=True, help="With --party: only the party's own names."),
        click.option("--politician", help="Politician: canonical name or any alias "
                                          "(case- and accent-insensitive)."),
        click.option("--source", help="Source name from config.yaml."),
        click.option("--since", type=DATE,
                     help="From this date (YYYY-MM-DD), inclusive."),
        click.option("--until", type=DATE,
                     help="Up to this date (YYYY-MM-DD), inclusive."),
        click.option("--lang", help="Language code of the documents (fr, en ...)."),
        click.option("--no-duplicates", is_flag=True,
                     help="Leave out copies (the same text, or the same agency dispatch, "
                          "already stored from another page)."),
        click.option("--no-discovered", is_flag=True,
                     help="Leave out people the knowledge base does not know yet (found "
                          "by the office the text gives them; see `tracker candidates`)."),
        click.option("--position", type=click.Choice(["title", "lead", "body"]),
                     help="Only mentions in the headline, the lead paragraph or the body."),
        click.option("--type", "type_", type=click.Choice(["party", "politician"]),
                     help="Only mentions of parties, or only of politicians."),
        click.option("--search", help='Only documents containing these words (all of them; '
                                      '"a phrase", word*, OR; case and accents ignored).'),
        click.option("--limit", type=click.IntRange(min=0), default=None,
                     help="At most this many mentions."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filter(kwargs: dict, default_limit: int | None = None):
    from tracker.query import MentionFilter

    limit = kwargs.pop("limit")
    since, until = kwargs.pop("since"), kwargs.pop("until")
    kwargs["type"] = kwargs.pop("type_")
    return MentionFilter(since=since.date() if since else None,
                         until=until.date() if until else None,
                         limit=default_limit if limit is None else limit, **kwargs)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tracker")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details to stderr.")
def cli(verbose: bool) -> None:
    """Watch what feeds and web pages say about parties and politicians.

    `tracker run` polls the sources of config.yaml, keeps each article's main text, finds
    the mentions of the knowledge base's parties and politicians (French and English) and
    stores them in SQLite; `mentions` and `export` query them.
    """
    from tracker.console import setup_logging

    setup_logging(verbose=verbose)


def _build(config: Config, db: Path, stop: threading.Event | None = None):
    """The long-lived parts, built once per process: KB, tagging processes (spaCy),
    fetcher, pipeline."""
    from tracker.kb import load_kb
    from tracker.pipeline import Pipeline, build_fetcher
    from tracker.store import Store
    from tracker.tagpool import TagPool

    kb = load_kb(config.entities)
    tags = TagPool(kb, config.entities, config.defaults.tag_processes)
    tags.start()  # load the models now: a broken setup fails here, not mid-pass
    try:
        with Store(db) as store:
            store.sync_entities(kb)
            store.sync_sources(config.sources)
    except BaseException:
        tags.close()
        raise
    return Pipeline(config, tags, build_fetcher(config), db, stop)


@contextlib.contextmanager
def _on_signals(stop: threading.Event):
    """SIGTERM and Ctrl-C ask the passes to stop between documents (the previous handlers
    come back afterwards)."""
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _selected(config: Config, only: tuple[str, ...]):
    sources = [config.source(name) for name in only] if only else list(config.sources)
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
    with run_lock(db), _on_signals(stop), \
            LiveProgress(console) if console else contextlib.nullcontext() as live:
        if once:
            pipeline = _build(config, db, stop)
            pipeline.on_progress = live.update if live else None
            try:
                results = run_once(pipeline, sources)
            finally:
                pipeline.close()
            if stop.is_set():
                click.echo("tracker: interrupted; what was stored is kept", err=True)
                raise SystemExit(130)
            failed = [r for r in results if r.failed]
            new = sum(r.new_documents for r in results)
            mentions = sum(r.mentions for r in results)
            click.echo(f"{new} new documents, {mentions} mentions, from {len(results)} "
                       f"sources into {db}", err=True)
            if failed:
                raise TrackerError(f"{len(failed)} of {len(results)} sources failed ("
                                   + ", ".join(r.source for r in failed)
                                   + "); the log above and `tracker sources` say why")
            return

        configs = iter([config])

        def build():
            """The config given at start, then config.yaml read again on each SIGHUP."""
            fresh = next(configs, None) or load_config(config.path)
            pipeline = _build(fresh, db, stop)
            pipeline.on_progress = live.update if live else None
            return pipeline, _selected(fresh, only)

        daemon = Daemon(build, stop=stop)
        signal.signal(signal.SIGHUP, lambda *_: daemon.reload_requested.set())
        clean = daemon.run()
    if not clean:
        logging.shutdown()
        os._exit(0)  # a fetch still hangs; every stored document is already committed


@cli.command()
@common
@filters
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True,
              help="table for people; csv or jsonl (the export columns) for programs.")
def mentions(config: Config, db: Path, fmt: str, **kwargs) -> None:
    """List stored mentions, newest first (50 by default in a table)."""
    from tracker.export import write_csv_lines, write_jsonl, write_table
    from tracker.query import csv_lines, mention_rows
    from tracker.store import Store

    flt = _filter(kwargs, default_limit=50 if fmt == "table" else None)
    with Store(db, create=False) as store:
        if fmt == "csv":
            write_csv_lines(csv_lines(store.db, flt, newest_first=True), sys.stdout)
            return
        rows = mention_rows(store.db, flt)
        if fmt == "jsonl":
            write_jsonl(rows, sys.stdout)
        else:
            from rich.console import Console

            if not write_table(rows, Console()):
                click.echo("no mentions match", err=True)


@cli.command()
@common
@filters
@click.option("-o", "--output", default="-", show_default=True,
              help="File to write; '-' for stdout.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True)
@click.option("--excel", is_flag=True,
              help="CSV for Excel: UTF-8 with a byte-order mark, semicolons between cells "
                   "(what French Excel expects).")
@click.option("--delimiter", help="CSV cell separator, one character ('tab' for a tab) "
                                  "[default: ',' or ';' with --excel].")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def export(config: Config, db: Path, output: str, fmt: str, excel: bool,
           delimiter: str | None, force: bool, **kwargs) -> None:
    """Write matching mentions, oldest first, as CSV (UTF-8, header row) or JSON lines.

    Columns: published_at, source, url, title, entity, entity_type, party, surface,
    sentence, lang.
    """
    from tracker.export import check_output, open_output, write_csv_lines, write_jsonl
    from tracker.query import csv_lines, mention_rows
    from tracker.store import Store

    if fmt != "csv" and (excel or delimiter):
        raise ConfigError("--excel and --delimiter apply to CSV, not --format jsonl")
    sep = _delimiter(delimiter, excel)
    flt = _filter(kwargs)
    check_output(output, force=force)
    encoding = "utf-8-sig" if excel else "utf-8"
    with Store(db, create=False) as store:
        # The query is checked (names resolved, search parsed) before any file is opened.
        rows = (csv_lines(store.db, flt, delimiter=sep) if fmt == "csv"
                else mention_rows(store.db, flt, newest_first=False))
        with open_output(output, force=force, encoding=encoding) as out:
            if fmt == "csv":
                count = write_csv_lines(rows, out, delimiter=sep)
            else:
                count = write_jsonl(rows, out)
    if output != "-":
        click.echo(f"{count} mentions written to {output}", err=True)


@cli.command()
@common
@click.option("--since", type=DATE,
              help="From this date (YYYY-MM-DD), inclusive [default: 4 weeks before --until].")
@click.option("--until", type=DATE,
              help="Up to this date (YYYY-MM-DD), inclusive [default: today].")
@click.option("--interval", type=click.Choice(["day", "week", "month"]),
              help="Trend step [default: day up to 45 days, week up to 400, else month].")
@click.option("--top", type=click.IntRange(1, 10), default=8, show_default=True,
              help="How many parties the charts draw (the rest are 'Other parties').")
@click.option("--latest", type=click.IntRange(min=0), default=30, show_default=True,
              help="How many of the newest mentions the report lists.")
@click.option("--no-duplicates", is_flag=True, help="Leave out copies of earlier documents.")
@click.option("-o", "--output", required=True, help="HTML file to write ('-' for stdout).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def report(config: Config, db: Path, since, until, interval: str | None, top: int,
           latest: int, no_duplicates: bool, output: str, force: bool) -> None:
    """Write one self-contained HTML report: mentions over time per party, share of
    voice, top politicians and sources, co-mentions, the latest mentions with their
    sentence and link. It opens offline (no script, no CDN) and prints well."""
    from tracker.export import check_output, open_output
    from tracker.report import ReportQuery, build_report
    from tracker.store import Store

    end = until.date() if until else dt.date.today()
    start = since.date() if since else end - dt.timedelta(days=27)
    if start > end:
        raise ConfigError(f"--since {start} is after --until {end}")
    query = ReportQuery(since=start, until=end, interval=interval, top=top, latest=latest,
                        no_duplicates=no_duplicates)
    check_output(output, force=force)  # before the work, not after it
    with Store(db, create=False) as store:
        html = build_report(store.db, query)
    with open_output(output, force=force) as out:
        out.write(html)
    if output != "-":
        click.echo(f"report for {start} to {end} written to {output}", err=True)


def _delimiter(value: str | None, excel: bool) -> str:
    if value is None:
        return ";" if excel else ","
    if value not in DELIMITERS:
        raise ConfigError(f"--delimiter {value!r}: choose ',', ';', '|', 'tab' or 'space'")
    return DELIMITERS[value]


@cli.command()
@common
@click.option("--by", type=click.Choice(["party", "politician", "source", "lang"]),
              default="party", show_default=True, help="What to count mentions of.")
@click.option("--interval", type=click.Choice(["day", "week", "month"]), default="week",
              show_default=True, help="Trend step (weeks start on Monday; UTC days).")
@click.option("--since", type=DATE,
              help="From this date (YYYY-MM-DD), inclusive.")
@click.option("--until", type=DATE,
              help="Up to this date (YYYY-MM-DD), inclusive.")
@click.option("--direct", is_flag=True, help="--by party: only the party's own names, not "
                                             "its members' mentions.")
@click.option("--source", help="Only this source.")
@click.option("--lang", help="Only documents in this language.")
@click.option("--type", "type_", type=click.Choice(["party", "politician"]),
              help="Only mentions of parties, or only of politicians.")
@click.option("--search", help="Only documents containing these words.")
@click.option("--position", type=click.Choice(["title", "lead", "body"]),
              help="Only mentions in the headline, the lead or the body.")
@click.option("--no-duplicates", is_flag=True, help="Leave out copies of earlier documents.")
@click.option("--no-discovered", is_flag=True,
              help="Leave out people the knowledge base does not know yet.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many entities, pairs and sources the rankings show.")
@click.option("--view", type=click.Choice(["counts", "totals", "co-mentions", "sources",
                                           "all"]),
              help="Which figures: counts per interval with share of voice, totals over "
                   "the window, co-mentions, top sources [default: all for a table, "
                   "counts for csv and jsonl].")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def stats(config: Config, db: Path, by: str, interval: str, since, until, type_: str | None,
          top: int, view: str | None, fmt: str, **kwargs) -> None:
    """Trends and rankings: mentions per party (or politician, source, language) per
    day, week or month, with share of voice; totals; co-mentions; top sources.

    Each figure comes raw and without copies of earlier documents (`_dedup`) side by
    side. A party counts its own names and its members' mentions at the article's date;
    a share of voice is a part of all mentions of its kind in the same interval.
    """
    from tracker import stats as st
    from tracker.store import Store

    view = view or ("all" if fmt == "table" else "counts")
    if fmt == "csv" and view == "all":
        raise ConfigError("a CSV holds one view: choose --view counts, totals, co-mentions "
                          "or sources")
    q = st.StatsQuery(by=by, interval=interval, since=since.date() if since else None,
                      until=until.date() if until else None, type=type_, top=top, **kwargs)
    with Store(db, create=False) as store:
        span = st.window(store.db, q)  # every view covers the same days
        if span:
            q = dataclasses.replace(q, since=span[0], until=span[1])
        figures = {name: fn(store.db, q) for name, fn in (
            ("counts", st.counts), ("totals", st.totals),
            ("co-mentions", st.co_mentions), ("sources", st.top_sources))
            if view in (name, "all")}
    if fmt == "table":
        from rich.console import Console

        from tracker.export import write_stats_tables

        write_stats_tables(figures, q, Console())
    elif fmt == "csv":
        from tracker.export import write_records_csv

        write_records_csv([st.as_dict(r) for r in next(iter(figures.values()))], sys.stdout)
    else:
        from tracker.export import write_jsonl

        for name, rows in figures.items():
            write_jsonl(({"view": name, **st.as_dict(r)} for r in rows), sys.stdout)


@cli.command()
@common
@click.argument("target")
@click.option("--lang", help="Language of the text (default: detected).")
@click.option("--date", "day", type=DATE, default=None,
              help="The document's date, for party affiliations [default: today].")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def tag(config: Config, db: Path, target: str, lang: str | None, day, fmt: str) -> None:
    """Print the mentions in one file, URL or stdin ('-'), without storing anything."""
    from tracker.export import write_csv, write_jsonl
    from tracker.kb import load_kb
    from tracker.pipeline import article_from_body, build_fetcher
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
                                   is_html=is_html, lang_hint=lang)
    if lang:
        article = dataclasses.replace(article, lang=lang)
    when = day.date() if day else dt.date.today()
    found = Tagger(kb).tag(article.text, article.lang, when)
    rows = [{
        "published_at": when.isoformat(), "source": "tag", "url": url, "title": article.title,
        "entity": kb.entities[m.entity_id].name, "entity_type": m.entity_type,
        "party": kb.entities[m.party_id].name if m.party_id else None,
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


def _tag_table(rows: list[dict], article) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} mentions ({article.lang}, {len(article.text)} chars)")
    for column in ("surface", "entity", "type", "party", "rule", "sentence"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["surface"], r["entity"], r["entity_type"], r["party"] or "", r["rule"],
                      r["sentence"][:160])
    Console().print(table)


@cli.command()
@common
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def sources(config: Config, db: Path, fmt: str) -> None:
    """Each source: last fetch, status, documents stored, next run, last error."""
    from tracker.export import write_jsonl
    from tracker.store import Store

    with Store(db) as store:
        store.sync_sources(config.sources)
        known = {s.name for s in config.sources}
        rows = [r for r in store.source_rows() if r["name"] in known]
    columns = ("name", "kind", "last_status", "consecutive_failures", "last_fetch_at",
               "last_success_at", "last_new_at", "documents", "not_modified_rate",
               "next_run_at", "last_error", "location")
    rows = [{c: r.get(c) for c in columns} for r in rows]
    if fmt == "jsonl":
        write_jsonl(rows, sys.stdout)
    elif fmt == "csv":
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        _sources_table(rows)


def _sources_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for column in ("name", "kind", "health", "last fetch", "last new item", "documents",
                   "304 rate", "next run", "last error"):
        table.add_column(column, overflow="fold")
    for r in rows:
        failures = r["consecutive_failures"] or 0
        health = ("never run" if r["last_status"] is None else
                  f"[red]failing ×{failures}[/]" if failures else "[green]ok[/]")
        rate = r["not_modified_rate"]
        table.add_row(r["name"], r["kind"], health, _when(r["last_fetch_at"]),
                      _when(r["last_new_at"]), str(r["documents"]),
                      "-" if rate is None else f"{rate:.0%}",
                      _when(r["next_run_at"]) if r["next_run_at"] else "-",
                      (r["last_error"] or "")[:70] if failures else "")
    Console().print(table)


def _when(value: str | None) -> str:
    return value.replace("T", " ").removesuffix("Z")[:16] if value else "never"


# The command groups register themselves on `cli`.
from tracker.cli import knowledge  # noqa: E402, F401


def main() -> None:
    """Entry point: run the CLI and turn errors into one line and an exit code."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("tracker: aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "tracker"
        click.echo(f"tracker: error: {exc.format_message()} (see `{command} --help`)",
                   err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except TrackerError as exc:
        click.echo(f"tracker: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user
        if os.environ.get("TRACKER_DEBUG"):
            raise
        click.echo(f"tracker: unexpected error: {type(exc).__name__}: {exc} "
                   "(set TRACKER_DEBUG=1 for details)", err=True)
        sys.exit(1)
    else:
        sys.exit(0)

