"""`tracker serve`: the dashboard and its JSON API."""

from __future__ import annotations

import os
from pathlib import Path

import click

from tracker.cli import cli, common
from tracker.config import Config


@cli.command()
@common
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Any other than loopback needs a token in "
                   "TRACKER_SERVE_TOKEN, which every request must then carry.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--read-only", is_flag=True, help="Refuse every write (no reviews).")
@click.option("--max-age", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="Once another program (tracker run) has committed, a figure this "
                   "many seconds old is computed again in the background, the kept one "
                   "shown meanwhile (never one 3 times as old); 0 computes afresh after "
                   "every commit. The server's own writes (reviews) show at once.")
def serve(config: Config, db: Path, host: str, port: int, read_only: bool,
          max_age: float) -> None:
    """Serve the database as a dashboard and a JSON API (/api/, schema at
    /api/openapi.json) while `tracker run` writes it.

    Pages: overview (trends, share of voice), mentions (search, review), each party's
    and politician's page, sources' health, candidates (people to add to your KB
    file), alerts, rules. Marking a mention wrong takes it out of every count, stat,
    export and report (--raw shows raw figures); a wrong one can become a rule the
    store applies to new text. The reviewer's name comes from the page, else from
    TRACKER_REVIEWER.
    """
    import uvicorn

    from tracker.candidates import user_kb_file
    from tracker.web import ServeOptions, check_bind, create_app
    from tracker.web.app import REVIEWER_ENV, default_token

    token = default_token()
    check_bind(host, token)
    options = ServeOptions(db=db, host=host, port=port, read_only=read_only, token=token,
                           reviewer=os.environ.get(REVIEWER_ENV) or None,
                           entities=tuple(config.entities),
                           kb_file=user_kb_file(config.entities),
                           alerts=tuple(config.alerts), max_age=max_age)
    app = create_app(options)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"tracker: serving {db} on http://{shown}:{port}/"
               + (" (read-only)" if read_only else "") + " - Ctrl-C stops", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                server_header=False)
