"""Knowledge-base commands: the entities, candidates and discovered people, retagging,
building the open-data layer, accepting people into a user KB, the rules made from
reviews, scoring the tagger."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracker.cli import DATE, cli, common, count_of, single_value
from tracker.config import Config
from tracker.display import plural
from tracker.errors import ConfigError, TrackerError


@cli.command()
@common
@click.option("--type", "type_", type=click.Choice(["party", "politician"]))
@click.option("--party", help="Politicians ever affiliated to this party (id, name or alias).")
@click.option("--search", help="Names, aliases or ids containing this text (accent-insensitive).")
@click.option("--limit", type=count_of(0), default=None,
              help="At most this many entities [default: 100 in a table, all in jsonl].")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table",
              show_default=True)
def entities(config: Config, db: Path, type_: str | None, party: str | None,
             search: str | None, limit: int | None, fmt: str) -> None:
    """List the knowledge base: parties and politicians, aliases, affiliations."""
    import json

    from tracker.kb import fold
    from tracker.kbload import load_kb

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
    total = len(rows)
    limit = limit if limit is not None else (None if fmt == "jsonl" else 100)
    rows = rows[:limit] if limit is not None else rows
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    shown = (f"{len(rows):,} of {plural(total, 'entity', 'entities')} shown (narrow with "
             "--search, --type, --party, or --limit)" if len(rows) < total
             else plural(total, "entity", "entities"))
    table = Table(title=f"{shown} (KB {kb.version})")
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
@click.option("--since", type=DATE, multiple=True, callback=single_value,
              help="Only documents published from this date.")
def retag(config: Config, db: Path, since) -> None:
    """Recompute stored mentions with the current knowledge base (after editing it), so
    history stays consistent; each mention records the KB and tagger version."""
    from tracker.kbload import load_kb
    from tracker.pipeline import retag as run_retag
    from tracker.store import Store
    from tracker.tag import Tagger

    kb = load_kb(config.entities)
    with Store(db, create=False) as store:
        store.sync_entities(kb)
        documents, mentions = run_retag(store, Tagger(kb), since.date() if since else None)
        store.forget_entities_gone(kb)  # an id changed: its old row names nothing now
    click.echo(f"{plural(documents, 'document')} retagged, {plural(mentions, 'mention')} "
               f"(KB {kb.version})",
               err=True)


@cli.command()
@common
@click.option("--label", type=click.Choice(["discovered", "PER", "ORG"]),
              help="Discovered people (introduced with an office), or other person or "
                   "organisation names.")
@click.option("--limit", type=count_of(1), default=30, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table",
              show_default=True)
def candidates(config: Config, db: Path, label: str | None, limit: int, fmt: str) -> None:
    """Who the knowledge base lacks, most frequent first, with an example sentence:
    people discovered by the office the text gives them (`tracker kb accept` adds them to
    your KB), then other names the model found."""
    import json

    from tracker.candidates import discovered_people, other_names
    from tracker.store import Store

    with Store(db, read_only=True) as store:
        rows = []
        if label in (None, "discovered"):
            rows += discovered_people(store.db, limit)
        if label != "discovered":
            rows += other_names(store.db, label, limit)
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    # The id is what `tracker kb accept ID` takes (only --format jsonl gave it).
    for column in ("name", "id", "label", "count", "example"):
        table.add_column(column, overflow="fold")
    for r in rows:
        label_ = r["label"] + (f" ({r['party']})" if r.get("party") else "")
        table.add_row(r["name"], r.get("id") or "", label_, str(r["count"]),
                      (r["example"] or "")[:160])
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
    from tracker.kbimport import read_rows, to_yaml
    from tracker.kbload import INLINE_ORIGIN, load_kb

    kb = load_kb(config.entities)
    text, added, skipped, namesakes = to_yaml(read_rows(source), kb)
    try:  # it must load with the rest: checked before anything is written
        load_kb([*config.entities, yaml.safe_load(text)])
    except ConfigError as exc:
        raise ConfigError(str(exc).replace(INLINE_ORIGIN, f"{source} (imported)")) from None
    with open_output(output, force=force) as out:
        out.write(text)
    also = f"; {plural(namesakes, 'namesake')} of KB people left out" if namesakes else ""
    click.echo(f"{added} entities written to {output}; {skipped} already in the KB{also}",
               err=True)


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
    from tracker.evaluate import load_gold, slugs_of
    from tracker.kbload import load_kb
    from tracker.tag import Tagger

    passages = load_gold(gold)
    kb = load_kb(config.entities)
    tagger = Tagger(kb)

    def type_of(entity_id: str) -> str:
        entity = kb.entities.get(entity_id)
        return entity.type if entity else "unknown"

    score = run_evaluation(passages, tagger.tag, type_of, names_of=slugs_of(kb))
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
    accuracy = score.party_accuracy()
    parties = [] if accuracy is None else [{
        "type": "party attribution", "scored": sum(score.parties.values()),
        **{k: score.parties.get(k, 0) for k in ("right", "missing", "wrong")},
        "accuracy": round(accuracy, 4)}]
    if fmt == "jsonl":
        for row in [*summary, by_class, *parties, *score.errors]:
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
        for row in parties:
            console.print(f"party attribution: {row['accuracy']:.4f} ({row['right']} of "
                          f"{row['scored']} found mentions with a gold party; missing "
                          f"{row['missing']}, wrong {row['wrong']})", highlight=False)
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
              default=None, help="The hand-kept KB: its entries win, its ids are reused "
                                 "[default: the packaged tracker/kbdata/entities.yaml].")
def kb_build(sources: tuple[str, ...], output: Path | None, curated: Path | None) -> None:
    """Build the open-data layer of the KB from local copies of its sources, e.g.
    `tracker kb build assemblee=src/auto_archive_deputes_data congress=src/congress-legislators
    curated=.` (README: "Rebuilding the open-data layer" lists each source and its licence)."""
    from tracker.cli import Failure
    from tracker.kb import builtin_path, handkept_path
    from tracker.kbbuild.build import merge, previous_ids, read_source, source_info, write
    from tracker.kbload import load_kb

    try:
        out = output or builtin_path()
        curated = curated or handkept_path()
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
        load_kb([curated], layer=out)  # the result must load with the curated file
    except TrackerError as exc:
        raise Failure(exc) from None
    for key, value in sorted(stats.items()):
        click.echo(f"  {key}: {value}", err=True)
    click.echo(f"{len(built)} entities written to {out} (provenance.json beside it)", err=True)


@kb.command("accept")
@common
@click.argument("people", nargs=-1, metavar="[ID...]")
@click.option("--all", "all_", is_flag=True, help="Every discovered person.")
@click.option("--min-count", type=count_of(1), default=1, show_default=True,
              help="With --all: only people mentioned at least this often.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Your KB file (YAML): created, or extended with the people not yet in it.")
def kb_accept(config: Config, db: Path, people: tuple[str, ...], all_: bool, min_count: int,
              output: Path) -> None:
    """Confirm discovered people (see `tracker candidates --label discovered`): write them
    to your KB file, with the party their office cue gave. List the file under `entities:`
    in config.yaml and run `tracker retag`: their mentions become ordinary ones."""
    from tracker.candidates import accept, discovered_people
    from tracker.store import Store

    if not people and not all_:
        raise ConfigError("name the people to accept (ids from `tracker candidates`) or "
                          "pass --all")
    if people and all_:
        raise ConfigError("either ids or --all, not both")
    if min_count != 1 and not all_:  # it was ignored: a person seen once was accepted
        raise ConfigError("--min-count goes with --all")
    with Store(db, read_only=True) as store:
        rows = discovered_people(store.db, ids=people)
    if all_:
        rows = [r for r in rows if r["count"] >= min_count]
    missing = set(people) - {r["id"] for r in rows}
    if missing:
        raise ConfigError(f"not discovered people in {db}: {', '.join(sorted(missing))} "
                          "(see `tracker candidates --label discovered`)")
    added = accept(rows, output, config.entities)
    listed = any(isinstance(e, Path) and e.resolve() == output.resolve()
                 for e in config.entities)
    hint = "" if listed else "; list it under `entities:` in config.yaml"
    click.echo(f"{plural(len(added), 'person', 'people')} written to {output}{hint}, then "
               "run `tracker retag`", err=True)


@kb.command("rules")
@common
@click.option("--delete", "delete_id", type=count_of(1), metavar="ID", help="Remove this rule.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table",
              show_default=True)
def kb_rules(config: Config, db: Path, delete_id: int | None, fmt: str) -> None:
    """The rules made from reviews in `tracker serve` ("this name is never this entity",
    "nothing inside this phrase is a mention"): the store applies them to every new
    document; `tracker retag` applies them to stored ones."""
    from tracker import rules
    from tracker.export import write_jsonl
    from tracker.store import Store

    if delete_id is not None:
        with Store(db, create=False) as store:
            rules.delete(store.db, delete_id)
        click.echo(f"rule {delete_id} removed (`tracker retag` counts what it stopped)",
                   err=True)
        return
    with Store(db, read_only=True) as store:
        found = rules.load(store.db)
    if fmt == "jsonl":
        write_jsonl((r.as_dict() for r in found), sys.stdout)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "rule", "reason", "made by", "on", box=None)
    for r in found:
        table.add_row(str(r.id), r.describe(), r.reason or "", r.reviewer or "",
                      (r.created_at or "")[:10])
    Console().print(table)
    click.echo(plural(len(found), "rule"), err=True)
