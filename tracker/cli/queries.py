"""Reading what is stored: `mentions`, `export`, `stats`, `report`, `sources`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path

import click

from tracker.cli import (
    DATE,
    DELIMITERS,
    FORMATS,
    LANG,
    _filter,
    cli,
    common,
    count_of,
    filters,
    needs_config,
    single_value,
)
from tracker.config import Config
from tracker.display import plural
from tracker.errors import ConfigError


@cli.command()
@common
@filters
@click.option("--format", "fmt", type=click.Choice(["table", "tsv", "csv", "jsonl"]),
              help="table for people (the words around the name, a short link); tsv, "
                   "one line each; csv or jsonl (the export columns) for programs "
                   "[default: table in a terminal, tsv when piped].")
@click.option("--wide", is_flag=True, help="In a table: the whole sentence, not the words "
                                           "around the name.")
def mentions(config: Config, db: Path, fmt: str | None, wide: bool, **kwargs) -> None:
    """List stored mentions, newest first (50 by default in a table or tsv)."""
    from tracker.display import plural, shown, write_mentions, write_tsv
    from tracker.export import write_csv_lines, write_jsonl
    from tracker.query import count_mentions, csv_lines, mention_rows
    from tracker.store import Store

    fmt = fmt or ("table" if sys.stdout.isatty() else "tsv")
    capped = kwargs["limit"] is None and fmt in ("table", "tsv")
    flt = _filter(kwargs, default_limit=50 if capped else None)
    with Store(db, read_only=True) as store:
        if fmt == "csv":
            write_csv_lines(csv_lines(store.db, flt, newest_first=True), sys.stdout)
            return
        rows = mention_rows(store.db, flt)
        if fmt == "jsonl":
            write_jsonl(rows, sys.stdout)
            return
        if fmt == "tsv":
            count = write_tsv(rows, sys.stdout)
        else:
            from rich.console import Console

            count = write_mentions(rows, Console(highlight=False), wide=wide)
        # A full page, by default or --limit: the footer says of how many (a footer of
        # "3 mentions" after --limit 3 read as the count of the search).
        total = count_mentions(store.db, dataclasses.replace(flt, limit=None)) \
            if flt.limit is not None and count == flt.limit else count
    if flt.limit == 0:  # a count alone: "no mentions match" would say there were none
        verb = "matches" if total == 1 else "match"
        click.echo(f"{plural(total, 'mention')} {verb} (--limit 0 shows none)", err=True)
    elif not count:
        click.echo("no mentions match", err=True)
    elif note := shown(count, total, "mention"):
        click.echo(note, err=True)
    elif fmt == "table":
        click.echo(plural(count, "mention"), err=True)


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
    with Store(db, read_only=True) as store:
        # The query is checked (names resolved, search parsed) before any file is opened.
        rows = (csv_lines(store.db, flt, delimiter=sep) if fmt == "csv"
                else mention_rows(store.db, flt, newest_first=False))
        with open_output(output, force=force, encoding=encoding) as out:
            if fmt == "csv":
                count = write_csv_lines(rows, out, delimiter=sep)
            else:
                count = write_jsonl(rows, out)
    if output != "-":
        click.echo(f"{plural(count, 'mention')} written to {output}", err=True)


@cli.command()
@common
@click.option("--since", type=DATE, multiple=True, callback=single_value,
              help="From this date (YYYY-MM-DD), inclusive [default: as `tracker stats`, a "
                   "year of weeks (a season of days, three years of months) before --until].")
@click.option("--until", type=DATE, multiple=True, callback=single_value,
              help="Up to this date (YYYY-MM-DD), inclusive [default: the last day with "
                   "mentions, as `tracker stats`].")
@click.option("--interval", type=click.Choice(["day", "week", "month"]),
              help="Trend step [default: day up to 45 days, week up to 400, else month].")
@click.option("--top", type=click.IntRange(1, 10), default=8, show_default=True,
              help="How many parties the charts draw (the rest are 'Other parties').")
@click.option("--latest", type=count_of(0), default=30, show_default=True,
              help="How many of the newest mentions the report lists (0: no list).")
@click.option("--no-duplicates", is_flag=True, help="Leave out copies of earlier documents.")
@click.option("--raw", is_flag=True,
              help="Count mentions a reviewer marked wrong too (raw figures).")
@click.option("-o", "--output", required=True, help="HTML file to write ('-' for stdout).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def report(config: Config, db: Path, since, until, interval: str | None, top: int,
           latest: int, no_duplicates: bool, raw: bool, output: str, force: bool) -> None:
    """Write one self-contained HTML report: mentions over time per party, share of
    voice, top politicians and sources, co-mentions, the latest mentions with their
    sentence and link. It opens offline (no script, no CDN) and prints well."""
    from tracker.export import check_output, open_output
    from tracker.query import MentionFilter, count_mentions
    from tracker.report import MAX_POINTS, ReportQuery, build_report
    from tracker.stats import StatsQuery, window
    from tracker.store import Store

    start, end = (since.date() if since else None), (until.date() if until else None)
    if start and end and start > end:
        raise ConfigError(f"--since {start} is after --until {end}")
    check_output(output, force=force)  # before the work, not after it
    with Store(db, read_only=True) as store:
        # The window `tracker stats` shows for the same step, up to the last mention.
        span = window(store.db, StatsQuery(interval=interval or "week", since=start,
                                           until=end))
        if span is None:
            end = end or dt.date.today()
            span = (start or end - dt.timedelta(days=364), end)
        start, end = span
        query = ReportQuery(since=start, until=end, interval=interval, top=top,
                            latest=latest, no_duplicates=no_duplicates, raw=raw)
        if interval and query.step != interval:
            click.echo(f"tracker: note: per {query.step}, not per {interval}: a {interval} "
                       f"step would draw more than {MAX_POINTS} points", err=True)
        found = count_mentions(store.db, MentionFilter(since=start, until=end,
                                                       no_duplicates=no_duplicates, raw=raw))
        if not found:
            click.echo(f"tracker: warning: no mentions from {start} to {end}; the report is "
                       "empty (see `tracker stats` for the dates that have some)", err=True)
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
@click.option("--since", type=DATE, multiple=True, callback=single_value,
              help="From this date (YYYY-MM-DD), inclusive.")
@click.option("--until", type=DATE, multiple=True, callback=single_value,
              help="Up to this date (YYYY-MM-DD), inclusive.")
@click.option("--direct", is_flag=True, help="--by party: only the party's own names, not "
                                             "its members' mentions.")
@click.option("--source", multiple=True, callback=single_value, help="Only this source.")
@click.option("--lang", type=LANG, multiple=True, callback=single_value,
              help="Only documents in this language.")
@click.option("--type", "type_", type=click.Choice(["party", "politician"]),
              help="Only mentions of parties, or only of politicians.")
@click.option("--search", multiple=True, callback=single_value,
              help="Only documents containing these words.")
@click.option("--position", type=click.Choice(["title", "lead", "body"]),
              help="Only mentions in the headline, the lead or the body.")
@click.option("--no-duplicates", is_flag=True, help="Leave out copies of earlier documents.")
@click.option("--no-discovered", is_flag=True,
              help="Leave out people the knowledge base does not know yet.")
@click.option("--raw", is_flag=True,
              help="Count mentions a reviewer marked wrong too (raw figures).")
@click.option("--top", type=count_of(1), default=10, show_default=True,
              help="How many entities, pairs and sources the rankings show (the totals "
                   "view too, in every format).")
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
    from tracker.figures import figures
    from tracker.store import Store

    view = view or ("all" if fmt == "table" else "counts")
    if fmt == "csv" and view == "all":
        raise ConfigError("a CSV holds one view: choose --view counts, totals, co-mentions "
                          "or sources")
    q = st.StatsQuery(by=by, interval=interval, since=since.date() if since else None,
                      until=until.date() if until else None, type=type_, top=top, **kwargs)
    with Store(db, read_only=True) as store:
        q, found = figures(store.db, q, view, table=fmt == "table")
    if fmt == "table":
        from rich.console import Console

        from tracker.export import write_stats_tables

        write_stats_tables(found, q, Console())
    elif fmt == "csv":
        from tracker.export import write_records_csv
        from tracker.figures import columns

        write_records_csv([st.as_dict(r) for r in found[view]], sys.stdout, columns(view))
    else:
        from tracker.export import write_records_jsonl

        write_records_jsonl(found, sys.stdout)


@cli.command()
@common
@click.option("--format", "fmt", type=click.Choice(["table", "tsv", "csv", "jsonl"]),
              help="[default: table in a terminal, tsv when piped]")
def sources(config: Config, db: Path, fmt: str | None) -> None:
    """Each source: last fetch, status, documents stored, next run, last error."""
    from tracker.export import write_jsonl
    from tracker.store import Store

    needs_config(config)
    with Store(db, read_only=True) as store:
        stored = {r["name"]: r for r in store.source_rows()}
    # The config's sources, as configured now; those never run have no row yet.
    rows = [{**stored.get(s.name, {"documents": 0}), "name": s.name, "kind": s.kind,
             "location": s.location} for s in config.sources]
    # A source taken out of config.yaml (or renamed) keeps its documents in every count:
    # shown, so that those counts have a name here.
    configured = {s.name for s in config.sources}
    rows += [{**row, "last_status": "removed", "consecutive_failures": 0, "next_run_at": None}
             for name, row in stored.items() if name not in configured and row["documents"]]
    columns = ("name", "kind", "last_status", "consecutive_failures", "last_fetch_at",
               "last_success_at", "last_new_at", "documents", "not_modified_rate",
               "next_run_at", "last_error", "location")
    rows = [{c: r.get(c) for c in columns} for r in rows]
    fmt = fmt or ("table" if sys.stdout.isatty() else "tsv")
    if fmt == "jsonl":
        write_jsonl(rows, sys.stdout)
    elif fmt == "csv":
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    elif fmt == "tsv":
        from tracker.display import write_tsv

        write_tsv(rows, sys.stdout, columns)
    else:
        from rich.console import Console

        from tracker.display import write_sources

        write_sources(rows, Console(highlight=False))
