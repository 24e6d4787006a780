"""What a new version of a watched page or file adds to the ones stored before it.

A press page edited ten times counted its unchanged sentences ten times: a new version
keeps only the mentions its earlier versions did not hold, the same entity in the same
sentence, or in one edited a little (a typo fixed, a word added).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

from tracker.models import Mention

_WORD = re.compile(r"\w+")
SAME_SENTENCE = 0.8  # share of words two versions of a sentence have in common


def new_in_version(conn: sqlite3.Connection, doc_id: str, url: str,
                   mentions: Sequence[Mention]) -> Sequence[Mention]:
    """The mentions of ``doc_id`` that no earlier document of ``url`` held (earlier:
    stored before it; a feed's article has one version, and nothing is left out). A
    file's earlier versions include those stored under the paths it had before it was
    moved or renamed."""
    exact: set[tuple[str, str]] = set()
    said: dict[str, list[frozenset[str]]] = {}
    urls = _paths_of(conn, url) if url.startswith("file:") else [url]
    marks = ", ".join("?" * len(urls))
    for entity, sentence in conn.execute(
            "SELECT m.entity_id, m.sentence FROM documents d "
            f"JOIN mentions m ON m.document_id = d.id WHERE d.url IN ({marks}) AND d.rowid < "
            "(SELECT rowid FROM documents WHERE id = ?)", [*urls, doc_id]):
        exact.add((entity, sentence))
        said.setdefault(entity, []).append(_words(sentence))
    if not said:
        return mentions
    return [m for m in mentions if (m.entity_id, m.sentence) not in exact
            and not any(_alike(_words(m.sentence), earlier)
                        for earlier in said.get(m.entity_id, ()))]


def _paths_of(conn: sqlite3.Connection, url: str) -> list[str]:
    """A file's path and the paths it was stored under before (``Store.same_file``
    remembers each move as an alias of the document stored there)."""
    urls = [url]
    while len(urls) < 100:
        row = conn.execute("SELECT d.url FROM seen_urls s JOIN documents d "
                           "ON d.id = s.document_id WHERE s.url = ?", [urls[-1]]).fetchone()
        if row is None or row[0] in urls:
            break
        urls.append(row[0])
    return urls


def _words(sentence: str | None) -> frozenset[str]:
    return frozenset(_WORD.findall((sentence or "").casefold()))


def _alike(a: frozenset[str], b: frozenset[str]) -> bool:
    """One sentence edited: most of its words kept (Jaccard), as a typo fix or a word
    added keeps them; another sentence naming the same person does not."""
    return bool(a and b) and len(a & b) >= SAME_SENTENCE * len(a | b)
