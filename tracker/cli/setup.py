"""Setting up and looking after a tracker: `init`, and the `db` group (backup, upgrade)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from tracker.cli import cli, common
from tracker.config import Config
from tracker.errors import ConfigError, TrackerError

STARTERS = ("config.yaml", "my-entities.yaml")


@cli.command()
@click.argument("directory", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace config.yaml if it exists (the old one goes to config.yaml.bak); "
                   "your my-entities.yaml is always kept.")
def init(directory: Path, force: bool) -> None:
    """Write a commented starter config.yaml (and my-entities.yaml, your own KB file
    over the shipped one) into DIRECTORY [default: here], with an inbox/ folder for
    local files."""
    targets = [directory / name for name in STARTERS]
    config = directory / "config.yaml"
    # Your own KB file is kept, --force or not (it replaced the people you had accepted
    # with the empty starter, and kept no copy); the starter config lists it.
    kept = [t for t in targets if t.exists() and (t != config or not force)]
    if config in kept:
        raise TrackerError(f"{', '.join(map(str, kept))} already "
                           f"exist{'s' if len(kept) == 1 else ''}; pass --force to replace "
                           "config.yaml (nothing was written)")
    targets = [t for t in targets if t not in kept]
    backed_up = config.exists()  # --force: the config replaced is kept beside the new one
    try:
        (directory / "inbox").mkdir(parents=True, exist_ok=True)
        if backed_up:
            config.replace(config.with_name("config.yaml.bak"))
        for target in targets:
            text = resources.files("tracker").joinpath("templates", target.name).read_text(
                encoding="utf-8")
            target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise TrackerError(f"{directory}: cannot write the starter files "
                           f"({exc.strerror})") from None
    where = "" if directory == Path(".") else f" in {directory}"
    wrote = ", ".join([t.name for t in targets] + ["inbox/"])
    notes = ([f"kept your {', '.join(t.name for t in kept)}"] if kept else []) + (
        ["the old config.yaml is config.yaml.bak"] if backed_up else [])
    also = f" ({'; '.join(notes)})" if notes else ""
    click.echo(f"wrote {wrote}{where}{also}. Next: drop .html or .txt articles into inbox/ "
               "(or uncomment feeds in config.yaml), then `tracker run --once`, then "
               "`tracker mentions`.", err=True)


@cli.group()
def db() -> None:
    """Look after the database: a consistent backup, a schema upgrade."""


@db.command("backup")
@common
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def db_backup(config: Config, db: Path, output: Path, force: bool) -> None:
    """Copy the database to OUTPUT through SQLite's online backup: a consistent copy,
    taken while `tracker run` keeps writing."""
    from tracker.backup import backup
    from tracker.store import Store

    if output.exists() and not force:
        raise TrackerError(f"{output}: already exists (pass --force to replace it)")
    if output.resolve() == db.resolve():
        raise ConfigError(f"{output}: that is the database itself; name another file")
    with Store(db, read_only=True) as store:
        pages = backup(store, output)
    click.echo(f"{db} backed up to {output} ({pages} pages, checked)", err=True)


@db.command("upgrade")
@common
def db_upgrade(config: Config, db: Path) -> None:
    """Apply the schema changes a newer tracker needs (each `tracker run` does too)."""
    from tracker.store import Store, migrations

    with Store(db, read_only=True, check_current=False) as store:
        pending = [m.name for m in migrations.pending(store.db)]
    if not pending:
        click.echo(f"{db}: schema already current", err=True)
        return
    with Store(db, create=False):
        pass
    click.echo(f"{db}: applied {', '.join(pending)}", err=True)
