"""Who the knowledge base lacks, and confirming them: the people the linker discovered by
their office, the other names the model found, and writing accepted people into the
user's own KB file (`tracker candidates`, `tracker kb accept`, the dashboard's
candidates page)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import yaml
from sqlite_utils import Database

from tracker.errors import ConfigError
from tracker.kb import fold
from tracker.kbload import INLINE_ORIGIN, load_kb


def discovered_people(db: Database, limit: int | None = None, ids: Sequence[str] = ()
                      ) -> list[dict]:
    """Discovered people with their mentions' count, the party their cues gave most
    often, and the first sentence that introduced them (the evidence)."""
    where = "e.discovered = 1"
    params: list = []
    if ids:
        where += f" AND e.id IN ({', '.join('?' * len(ids))})"
        params += list(ids)
    sql = f"""
        SELECT e.id, e.name, 'discovered' AS label, count(*) AS count,
               max(m.published_at) AS last_seen,
               (SELECT m2.sentence FROM mentions m2 WHERE m2.entity_id = e.id
                 ORDER BY m2.rule != 'discovered', m2.published_at LIMIT 1) AS example,
               (SELECT d.url FROM mentions m2 JOIN documents d ON d.id = m2.document_id
                 WHERE m2.entity_id = e.id ORDER BY m2.published_at LIMIT 1) AS example_url,
               (SELECT m3.party_id FROM mentions m3 WHERE m3.entity_id = e.id
                 AND m3.party_id IS NOT NULL GROUP BY m3.party_id
                 ORDER BY count(*) DESC LIMIT 1) AS party
        FROM entities e JOIN mentions m ON m.entity_id = e.id
        WHERE {where} GROUP BY e.id ORDER BY count(*) DESC, e.name"""
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return list(db.query(sql, params))


def other_names(db: Database, label: str | None = None, limit: int = 30) -> list[dict]:
    """Person and organisation names the model found outside every KB mention."""
    sql = "SELECT name, label, count, last_seen, example, example_url FROM candidates"
    params: list = []
    if label:
        sql += " WHERE label = ?"
        params.append(label)
    return list(db.query(sql + " ORDER BY count DESC, name LIMIT ?", [*params, limit]))


_ACCEPTING = threading.Lock()  # two clicks on the dashboard must not write over each other


def in_file(rows: Sequence[dict], output: Path | None) -> set[str]:
    """The ids of those ``rows`` (discovered people) the KB file ``output`` already holds,
    by id or by name: added, and waiting for `tracker retag` to make them known. An
    unreadable file holds none (adding says why)."""
    if output is None or not output.exists():
        return set()
    try:
        doc = yaml.safe_load(output.read_text("utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return set()
    if not isinstance(doc, dict) or not isinstance(doc.get("politicians") or [], list):
        return set()
    ids, names = _held(doc)
    return {r["id"] for r in rows if r["id"] in ids or fold(r["name"]) in names}


def _held(doc: dict) -> tuple[set[str], set[str]]:
    """The ids, and the folded names and aliases, of a KB file's politicians."""
    people = [e for e in doc.get("politicians") or [] if isinstance(e, dict)]
    return ({e.get("id") for e in people},
            {fold(str(n)) for e in people for n in [e.get("name"), *(e.get("aliases") or [])]
             if n})


def accept(rows: Sequence[dict], output: Path, entities: Sequence) -> list[dict]:
    """Write discovered people into the KB file ``output`` (created, or extended with the
    people not yet in it), with the party their office cue gave; the file must load with
    the config's other ``entities``. Returns the entries added."""
    with _ACCEPTING:
        return _accept(rows, output, entities)


def _accept(rows: Sequence[dict], output: Path, entities: Sequence) -> list[dict]:
    doc: dict = {"parties": [], "politicians": []}
    original = None
    if output.exists():
        try:
            original = output.read_text("utf-8")
            doc = yaml.safe_load(original) or doc
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ConfigError(f"{output}: cannot read ({_one_line(exc)})") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("politicians") or [], list):
            raise ConfigError(f"{output}: expected 'parties:' and 'politicians:' lists")
    others = [e for e in entities
              if not (isinstance(e, Path) and e.resolve() == output.resolve())]
    # Already in this file, or in another KB file of the config: accepted before; or by
    # name, under an id of the user's own ("hv: Honorine Vasseur"): the file would not
    # load with the name twice, and nobody at all was written.
    known, names = _held(doc)
    mine = [e for e in load_kb(others).entities.values() if not e.builtin]
    known |= {e.id for e in mine}
    names |= {fold(n) for e in mine for n in (e.name, *e.aliases)}
    added = []
    for r in rows:
        if r["id"] in known or fold(r["name"]) in names:
            continue
        entry: dict = {"id": r["id"], "name": r["name"]}
        if r["party"]:
            entry["affiliations"] = [{"party": r["party"]}]
        added.append(entry)
    if not added:
        return added
    wanted = {**doc, "politicians": [*(doc.get("politicians") or []), *added]}
    text = _appended(original, added) if original is not None else None
    if text is None or yaml.safe_load(text) != wanted:
        # A new file, or one whose list is written in a way no line can be added to
        # (a flow list "[...]"): written whole, the old one kept beside it.
        if original is not None:
            output.with_name(output.name + ".bak").write_text(original, "utf-8")
        text = ("# People accepted with `tracker kb accept` (evidence: tracker "
                "candidates).\n" + yaml.safe_dump(wanted, allow_unicode=True, sort_keys=False))
    try:
        load_kb([*others, yaml.safe_load(text)])  # the new file must load with the rest
    except ConfigError as exc:
        raise ConfigError(str(exc).replace(INLINE_ORIGIN, str(output))) from None
    _write(output, text)
    return added


def _write(output: Path, text: str) -> None:
    """Replace the file whole (a temporary beside it, renamed): through a symbolic link
    to the file it names (the link was replaced, the real file left as it was), with the
    file's own mode (a private 0600 file came back readable by all) and its line endings;
    a missing folder or a read-only file is one line."""
    target = output.resolve() if output.is_symlink() else output
    if not target.parent.is_dir():
        raise ConfigError(f"{target.parent}: folder not found")
    mode = None
    if target.exists():
        mode = target.stat().st_mode & 0o7777
        if not os.access(target, os.W_OK) or not mode & 0o200:
            raise ConfigError(f"{output}: read-only, not written")
        with target.open("rb") as fh:
            if b"\r\n" in fh.read(65536):
                text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_bytes(text.encode("utf-8"))
        if mode is not None:
            os.chmod(tmp, mode)
        tmp.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise ConfigError(f"{output}: cannot be written ({exc.strerror or exc})") from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _appended(text: str, added: list[dict]) -> str | None:
    """``text`` with ``added`` written at the end of its ``politicians:`` list, every
    other line as it was (the user's comments and layout stay); None when the list is
    not a block list this can extend."""
    lines = text.splitlines()
    at = next((i for i, line in enumerate(lines)
               if line.split("#")[0].rstrip() in ("politicians:", "politicians: []")), None)
    if at is None:
        if any(line.startswith("politicians") for line in lines):
            return None
        lines = [*lines, "politicians:"]
        block, indent = len(lines), "  "
    elif lines[at].split("#")[0].rstrip() == "politicians: []":
        comment = lines[at][len(lines[at].split("#")[0]):]
        lines[at] = "politicians:" + (f"  {comment}" if comment else "")
        block, indent = at + 1, "  "
    else:
        # The list runs to the next top-level key; comments and blank lines after its
        # last entry stay after the new ones.
        indent, block = None, at + 1
        for i in range(at + 1, len(lines)):
            line = lines[i]
            bare = line.lstrip()
            if not bare or bare.startswith("#"):
                continue
            if not line[:1].isspace() and not line.startswith("- "):
                break
            if indent is None and bare.startswith("- "):
                indent = line[:len(line) - len(bare)]
            block = i + 1
        indent = "  " if indent is None else indent
    items = [indent + line for line in
             yaml.safe_dump(added, allow_unicode=True, sort_keys=False).splitlines()]
    joined = [*lines[:block], *items, *lines[block:]]
    return "\n".join(joined) + "\n"


def user_kb_file(entities: Sequence) -> Path | None:
    """The user's own KB file: the first file the config lists under ``entities:``."""
    return next((e for e in entities if isinstance(e, Path)), None)
