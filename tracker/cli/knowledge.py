"""Knowledge-base commands: the entities, candidates and discovered people, retagging,
building the open-data layer, accepting people into a user KB, scoring the tagger."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli import DATE, cli, common
from tracker.config import Config
from tracker.errors import ConfigError, TrackerError


@cli.command()
@common
@click.option("--type", "type_", type=click.Choice(["party", "politician"]))
@click.option("--party", help="Politicians ever affiliated to this party (id, name or alias).")
@click.option("--search", help="Names, aliases or ids containing this text (accent-insensitive).")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table",
              show_default=True)
def entities(config: Config, db: Path, type_: str | None, party: str | None,
             search: str | None, fmt: str) -> None:
    """List the knowledge base: parties and politicians, aliases, affiliations."""
    import json

    from tracker.kb import fold, load_kb

    kb = load_kb(config.entities)
    party_id = None
    if party:
        matches = [e.id for e in kb.parties() if fold(party) in
                   {fold(n) for n in (e.id, e.name, *e.aliases, *e.exact_case)}]
        if not matches:
            raise ConfigError(f"unknown party {party!r}: not an id, name or alias in the "
                              "knowledge base")
        party_id = matches[0]
    rows = []
    for e in kb.entities.values():
        names = (e.id, e.name, *e.aliases, *e.exact_case)
        if type_ and e.type != type_:
            continue
        if search and not any(fold(search) in fold(n) for n in names):
            continue
        if party_id and party_id not in {a.party for a in e.affiliations}:
            continue
        rows.append({"id": e.id, "type": e.type, "name": e.name, "country": e.country,
                     "wikidata": e.wikidata, "aliases": [*e.aliases, *e.exact_case],
                     "affiliations": [{"party": a.party, "start": str(a.start or ""),
                                       "end": str(a.end or "")} for a in e.affiliations],
                     "successor": e.successor})
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} entities (KB {kb.version})")
    for column in ("id", "type", "name", "aliases", "parties / successor"):
        table.add_column(column, overflow="fold")
    for r in rows:
        parties = ", ".join(f"{a['party']} {a['start'][:4]}-{a['end'][:4]}"
                            for a in r["affiliations"]) or (f"→ {r['successor']}"
                                                            if r["successor"] else "")
        table.add_row(r["id"], r["type"], r["name"], ", ".join(r["aliases"]), parties)
    Console().print(table)


@cli.command()
@common
@click.option("--since", type=DATE,
              help="Only documents published from this date.")
def retag(config: Config, db: Path, since) -> None:
    """Recompute stored mentions with the current knowledge base (after editing it), so
    history stays consistent; each mention records the KB and tagger version."""
    from tracker.kb import load_kb
    from tracker.pipeline import retag as run_retag
    from tracker.store import Store
    from tracker.tag import Tagger

    kb = load_kb(config.entities)
    with Store(db, create=False) as store:
        store.sync_entities(kb)
        documents, mentions = run_retag(store, Tagger(kb), since.date() if since else None)
    click.echo(f"{documents} documents retagged, {mentions} mentions (KB {kb.version})",
               err=True)


@cli.command()
@common
@click.option("--label", type=click.Choice(["PER", "ORG"]), help="Persons or organisations.")
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table",
              show_default=True)
def candidates(config: Config, db: Path, label: str | None, limit: int, fmt: str) -> None:
    """Names the model found that the knowledge base lacks, most frequent first, with an
    example sentence: new figures worth adding."""
    import json

    from tracker.store import Store

    with Store(db, create=False) as store:
        sql = "SELECT name, label, count, last_seen, example, example_url FROM candidates"
        params: list = []
        if label:
            sql += " WHERE label = ?"
            params.append(label)
        rows = list(store.db.query(sql + " ORDER BY count DESC, name LIMIT ?", [*params, limit]))
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for column in ("name", "label", "count", "example"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["name"], r["label"], str(r["count"]), r["example"][:160])
    Console().print(table)


@cli.group()
def kb() -> None:
    """Maintain the knowledge base."""


@kb.command("import")
@common
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, help="YAML file to write (list it under "
              "`entities:` in config.yaml).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def kb_import(config: Config, db: Path, source: Path, output: str, force: bool) -> None:
    """Turn a Wikidata SPARQL result (JSON or CSV with item, label, aliases, party, start,
    end) into a KB file: people not in the KB yet, with their dated parties."""
    import yaml

    from tracker.export import open_output
    from tracker.kb import load_kb
    from tracker.kbimport import read_rows, to_yaml

    kb = load_kb(config.entities)
    text, added, skipped = to_yaml(read_rows(source), kb)
    load_kb([*config.entities, yaml.safe_load(text)])  # it must load with the rest: check first
    with open_output(output, force=force) as out:
        out.write(text)
    click.echo(f"{added} entities written to {output}; {skipped} already in the KB", err=True)


@cli.command()
@common
@click.argument("gold", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table",
              show_default=True)
@click.option("--min-precision", type=float, help="Exit 1 if overall precision is lower.")
@click.option("--min-recall", type=float, help="Exit 1 if overall recall is lower.")
def evaluate(config: Config, db: Path, gold: Path, fmt: str, min_precision: float | None,
             min_recall: float | None) -> None:
    """Score the tagger against an annotated GOLD.jsonl: precision, recall and F1 per entity
    type, then every confusion (wrong entity), miss and false alarm."""
    import json

    from tracker.evaluate import evaluate as run_evaluation
    from tracker.evaluate import load_gold
    from tracker.kb import load_kb
    from tracker.tag import Tagger

    passages = load_gold(gold)
    kb = load_kb(config.entities)
    tagger = Tagger(kb)

    def type_of(entity_id: str) -> str:
        entity = kb.entities.get(entity_id)
        return entity.type if entity else "unknown"

    score = run_evaluation(passages, tagger.tag, type_of)
    types = sorted({*score.true_pos, *score.false_pos, *score.false_neg})
    summary = [{"type": t or "all", "true_pos": score._sum(score.true_pos, t),
                "false_pos": score._sum(score.false_pos, t),
                "false_neg": score._sum(score.false_neg, t),
                "precision": round(score.precision(t), 4), "recall": round(score.recall(t), 4),
                "f1": round(score.f1(t), 4)} for t in [*types, None]]
    from collections import Counter

    classes = Counter(e["class"] for e in score.errors if e["kind"] == "miss")
    by_class = {"type": "misses by class", **{c: classes.get(c, 0)
                                              for c in ("not in KB", "form", "ambiguity")}}
    if fmt == "jsonl":
        for row in [*summary, by_class, *score.errors]:
            click.echo(json.dumps(row, ensure_ascii=False))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{len(passages)} passages, {gold}")
        for column in ("type", "true_pos", "false_pos", "false_neg", "precision", "recall",
                       "f1"):
            table.add_column(column)
        for row in summary:
            table.add_row(*(str(row[c]) for c in row))
        console = Console()
        console.print(table)
        console.print("misses by class: " + ", ".join(
            f"{c} {n}" for c, n in by_class.items() if c != "type"), highlight=False)
        for error in score.errors:
            why = f", {error['class']}" if error.get("class") else ""
            console.print(f"{error['kind']:12} {error['passage']:8} {error['surface']!r}: "
                          f"found {error['found']}, gold {error['gold']} "
                          f"({error['case']}{why})", markup=False, highlight=False)
    if min_precision is not None and score.precision() < min_precision:
        raise TrackerError(f"precision {score.precision():.4f} is below {min_precision}")
    if min_recall is not None and score.recall() < min_recall:
        raise TrackerError(f"recall {score.recall():.4f} is below {min_recall}")


@kb.command("build")
@click.argument("sources", nargs=-1, required=True, metavar="NAME=FOLDER...")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="JSON lines file to write [default: the packaged layer, "
                                 "tracker/kbdata/opendata.jsonl].")
@click.option("--curated", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=Path("data/entities.yaml"), show_default=True,
              help="The hand-kept KB: its entries win, its ids are reused.")
def kb_build(sources: tuple[str, ...], output: Path | None, curated: Path) -> None:
    """Build the open-data layer of the KB from local copies of its sources, e.g.
    `tracker kb build assemblee=src/auto_archive_deputes_data congress=src/congress-legislators
    curated=.` (README: "Rebuilding the knowledge base" lists each source and its licence)."""
    from tracker.cli import Failure
    from tracker.kb import builtin_path, load_kb
    from tracker.kbbuild.build import merge, previous_ids, read_source, source_info, write

    try:
        out = output or builtin_path()
        kb = load_kb([curated], builtin=False)
        readings, infos = [], {}
        for item in sources:
            name, sep, folder = item.partition("=")
            if not sep or not folder:
                raise ConfigError(f"{item!r}: expected NAME=FOLDER (e.g. congress=src/cl)")
            root = Path(folder)
            readings.append(read_source(name, root))
            infos[name] = source_info(name, root)
            click.echo(f"{name}: {len(readings[-1][0])} people, {len(readings[-1][1])} parties "
                       f"({infos[name].get('date')})", err=True)
        built, stats = merge(kb, readings, previous_ids(out))
        write(out, built, infos, stats)
        load_kb([curated])  # the result must load with the curated file: validated whole
    except TrackerError as exc:
        raise Failure(exc) from None
    for key, value in sorted(stats.items()):
        click.echo(f"  {key}: {value}", err=True)
    click.echo(f"{len(built)} entities written to {out} (provenance.json beside it)", err=True)
