"""The `tracker` command: a thin shell over the stages.

Exit codes: 0 success, 1 runtime failure, 2 usage or config error; errors are one line
on stderr. spaCy is imported only by the commands that tag (run, tag).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
from pathlib import Path

import click

from tracker import __version__
from tracker.config import load_config
from tracker.errors import ConfigError, TrackerError

log = logging.getLogger("tracker")
FORMATS = click.Choice(["table", "csv", "jsonl"])
# How many rows an option may ask for: SQLite's integers stop at 2**63, and a number past
# them was an "unexpected error" rather than a usage error.
MOST = 1_000_000_000


def count_of(least: int) -> click.IntRange:
    """A count option's type: ``least`` up to ``MOST``."""
    return click.IntRange(least, MOST)


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


class _Lang(click.ParamType):
    """A two-letter language code, as config.yaml takes it: "FR" is fr, and "french"
    is refused (it matched nothing, silently)."""

    name = "code"

    def convert(self, value, param, ctx):
        code = str(value).strip().lower()
        if not re.fullmatch(r"[a-z]{2}", code):
            self.fail(f"{value!r} is not a two-letter language code (fr, en ...)", param, ctx)
        return code


LANG = _Lang()


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


def needs_config(config) -> None:
    """Commands about sources need a config file: say where one comes from."""
    if not config.path.exists():
        raise ConfigError(f"{config.path}: no config file here; `tracker init` writes a "
                          "commented starter (or pass --config PATH)")


def single_value(ctx: click.Context, param: click.Parameter, values: tuple):
    """One value per filter: `--party PS --party UMP` kept UMP alone, silently, and an
    empty `--party ""` (an unset shell variable) meant every party."""
    if len(values) > 1:
        compare = " (`tracker stats` compares several)" \
            if param.name in ("party", "politician", "source") \
            and ctx.command.name in ("mentions", "export") else ""
        raise click.BadParameter(f"given {len(values)} times; one value only{compare}")
    value = values[0] if values else None
    if isinstance(value, str) and not value.strip():
        raise click.BadParameter("empty value")
    return value


def filters(func):
    """The mention filters shared by `mentions` and `export`."""
    once = {"multiple": True, "callback": single_value}
    options = [
        click.option("--party", **once, help="Party id, name or alias: its own mentions and "
                                             "its members' (at the article's date)."),
        click.option("--direct", is_flag=True, help="With --party: only the party's own names."),
        click.option("--politician", **once, help="Politician: canonical name or any alias "
                                                  "(case- and accent-insensitive)."),
        click.option("--source", **once, help="Source name from config.yaml."),
        click.option("--since", type=DATE, **once,
                     help="From this date (YYYY-MM-DD), inclusive."),
        click.option("--until", type=DATE, **once,
                     help="Up to this date (YYYY-MM-DD), inclusive."),
        click.option("--lang", type=LANG, **once,
                     help="Language code of the documents (fr, en ...)."),
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
        click.option("--search", **once,
                     help='Only documents containing these words (all of them; '
                          '"a phrase", word*, OR; case and accents ignored).'),
        click.option("--raw", is_flag=True,
                     help="Keep mentions a reviewer marked wrong (in `tracker serve`)."),
        click.option("--review", type=click.Choice(["right", "wrong", "none"]),
                     help="Only mentions a reviewer confirmed (right), marked wrong, or "
                          "has not reviewed yet (none)."),
        click.option("--limit", type=count_of(0), default=None,
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


# The command groups register themselves on `cli`.
from tracker.cli import alerts, collect, knowledge, queries, setup, web  # noqa: E402, F401


def main() -> None:
    """Entry point: run the CLI and turn errors into one line and an exit code."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("tracker: aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx:  # bare `tracker`
            click.echo(exc.ctx.get_help())
            sys.exit(0)
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
    except PermissionError as exc:  # a file or folder this user may not write or read
        if os.environ.get("TRACKER_DEBUG"):
            raise
        click.echo(f"tracker: error: permission denied: {exc.filename or exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user
        if os.environ.get("TRACKER_DEBUG"):
            raise
        click.echo(f"tracker: unexpected error: {type(exc).__name__}: {exc} "
                   "(set TRACKER_DEBUG=1 for details)", err=True)
        sys.exit(1)
    else:
        sys.exit(0)

