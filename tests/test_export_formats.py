"""An analyst's story: search the stored articles, keep only parties or politicians, and
send a CSV that French Excel opens as is — where text written by strangers never runs as
a formula and a failed export never leaves half a file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from types import SimpleNamespace

import pytest

from tests.newsroom import build_newsroom
from tracker.export import open_output, write_csv_lines
from tracker.models import Article, Mention
from tracker.query import MentionFilter, csv_lines
from tracker.store import Store

HOSTILE = ["=1+2", "+33 6 12", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "=HYPERLINK(\"x\")"]


def _tracker(*args):
    return subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True,
                          timeout=60)


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory, kb):
    path = tmp_path_factory.mktemp("newsroom") / "tracker.db"
    build_newsroom(path, kb)
    return str(path)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, kb):
    """One document per hostile prefix, in its title and in the sentence; accents and a
    semicolon too, which Excel's separator must not split."""
    path = tmp_path_factory.mktemp("hostile") / "tracker.db"
    when = dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)
    with Store(path) as store:
        store.sync_entities(kb)
        store.sync_sources([SimpleNamespace(name="s", kind="feed", location="x",
                                            interval=60.0, lang=None)])
        for i, bad in enumerate(HOSTILE):
            text = f"{bad} selon Ségolène Royal ; réponse n°{i}."
            store.save(Article(source="s", url=f"https://s.example/{i}", text=text, lang="fr",
                               published_at=when + dt.timedelta(hours=i), date_source="feed",
                               fetched_at=when, title=bad),
                       [Mention("segolene-royal", "politician", "ps", "Ségolène Royal",
                                text.index("Ségolène"), text.index("Ségolène") + 14, text,
                                "alias")],
                       kb_version="k", tagger_version="t")
    return str(path)


def test_search_is_accent_insensitive_and_never_breaks(newsroom):
    found = _tracker("mentions", "--db", newsroom, "--search", "repond", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(found.stdout.decode())))
    assert {r["url"] for r in rows} == {"https://figaro.example/d2"}
    assert {r["entity"] for r in rows} == {"Jordan Bardella", "Emmanuel Macron"}
    phrase = _tracker("mentions", "--db", newsroom, "--search", '"budget est VOTÉ"',
                      "--format", "csv")
    assert len(list(csv.DictReader(io.StringIO(phrase.stdout.decode())))) == 2
    either = _tracker("mentions", "--db", newsroom, "--search", "ironise OR repond",
                      "--format", "csv")
    urls = {r["url"] for r in csv.DictReader(io.StringIO(either.stdout.decode()))}
    assert urls == {"https://figaro.example/d2", "https://lemonde.example/d6"}
    prefix = _tracker("mentions", "--db", newsroom, "--search", "gouvern*", "--format", "csv")
    assert len(list(csv.DictReader(io.StringIO(prefix.stdout.decode())))) == 4  # D3, D4
    for hostile_query in ('NEAR(', '"', 'a" OR "b', "title:x", "AND", "*", "(((", "x' --"):
        result = _tracker("mentions", "--db", newsroom, "--search", hostile_query,
                          "--format", "csv")
        assert result.returncode in (0, 2), hostile_query
        assert b"Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 1
    empty = _tracker("mentions", "--db", newsroom, "--search", '"')
    assert empty.returncode == 2 and empty.stderr.decode().startswith(
        "tracker: error: --search '\"': no word to search for")


def test_a_search_leaves_out_the_documents_holding_a_minus_word(newsroom):
    """`Farage -Trump` found the one Farage story that names Trump, and `Farage NOT
    Trump` found nothing, without a word: both were searched as words (dashboard
    audit). A Google Alerts user's `-word` and `NOT word` now leave documents out."""
    def urls(query: str) -> set[str]:
        found = _tracker("mentions", "--db", newsroom, "--search", query, "--format", "csv")
        assert found.returncode == 0, found.stderr
        return {r["url"][-2:] for r in csv.DictReader(io.StringIO(found.stdout.decode()))}

    assert urls("macron") == {"d1", "d2", "d5", "d6"}
    assert urls("macron -bardella") == urls("Macron NOT Bardella") == {"d1", "d5", "d6"}
    assert urls('macron -"le pen"') == {"d2", "d6"}
    assert urls("macron OR faure -gouvernement") == {"d1", "d2", "d5", "d6"}
    assert urls("faure -pen -ironise") == {"d3", "d4"}
    alone = _tracker("mentions", "--db", newsroom, "--search", "-macron")
    assert alone.returncode == 2 and alone.stderr.decode().startswith(
        "tracker: error: --search '-macron': give a word to find as well as the ones to "
        "leave out")


def test_type_and_table_with_highlighted_sentence_and_link(newsroom):
    parties = _tracker("mentions", "--db", newsroom, "--type", "party", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(parties.stdout.decode())))
    assert {r["entity_type"] for r in rows} == {"party"} and len(rows) == 5
    shown = _tracker("mentions", "--db", newsroom, "--type", "politician", "--search",
                     "ironise")
    text = shown.stdout.decode()
    squeezed = "".join(text.replace("│", "").split())  # the link may wrap in the cell
    assert "Macron ironise." in text and "https://lemonde.example/d6" in squeezed


def test_formulas_are_neutralised_in_every_format(hostile):
    out = _tracker("export", "--db", hostile, "-o", "-").stdout.decode()
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [r["title"] for r in rows] == ["'" + bad for bad in HOSTILE]
    assert all(r["sentence"].startswith("'") for r in rows)
    listed = _tracker("mentions", "--db", hostile, "--format", "csv").stdout.decode()
    assert sorted(r["title"] for r in csv.DictReader(io.StringIO(listed, newline=""))) == \
        sorted("'" + bad for bad in HOSTILE)


def test_excel_variant_reads_back_with_the_csv_module(hostile, tmp_path):
    plain, excel, tabbed = tmp_path / "plain.csv", tmp_path / "excel.csv", tmp_path / "t.tsv"
    assert _tracker("export", "--db", hostile, "-o", str(plain)).returncode == 0
    done = _tracker("export", "--db", hostile, "--excel", "-o", str(excel))
    assert done.returncode == 0, done.stderr
    raw = excel.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfpublished_at;source;url;title;entity;")
    with excel.open(encoding="utf-8-sig", newline="") as f:
        from_excel = list(csv.DictReader(f, delimiter=";"))
    with plain.open(encoding="utf-8", newline="") as f:
        from_plain = list(csv.DictReader(f))
    assert from_excel == from_plain and len(from_excel) == len(HOSTILE)
    assert "Ségolène Royal ; réponse" in from_excel[0]["sentence"]
    assert _tracker("export", "--db", hostile, "--delimiter", "tab", "-o",
                    str(tabbed)).returncode == 0
    with tabbed.open(encoding="utf-8", newline="") as f:
        assert list(csv.DictReader(f, delimiter="\t")) == from_plain
    to_stdout = _tracker("export", "--db", hostile, "--excel", "-o", "-")
    bom = b"\xef\xbb\xbf"
    assert to_stdout.stdout.startswith(bom) and to_stdout.stdout.count(bom) == 1
    bad = _tracker("export", "--db", hostile, "--delimiter", "ab", "-o", "-")
    assert bad.returncode == 2 and bad.stdout == b""


def test_a_failed_export_keeps_the_old_file_and_leaves_no_part(hostile, tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("the previous export\n", encoding="utf-8")

    class Failing:
        """The database cursor, failing after a first batch of lines was written."""

        def __init__(self, cursor):
            self.cursor, self.calls = cursor, 0

        def fetchmany(self, size):
            self.calls += 1
            if self.calls == 2:
                raise OSError("disk full")
            return self.cursor.fetchmany(3)

    with Store(hostile, create=False) as store, pytest.raises(OSError, match="disk full"), \
            open_output(str(target), force=True) as out:
        write_csv_lines(Failing(csv_lines(store.db, MentionFilter())), out)
    assert target.read_text(encoding="utf-8") == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "'"])
def test_cells_built_by_sqlite_read_back_as_the_neutralised_text(delimiter):
    """The CSV line SQLite builds parses, with Python's csv module, into exactly the text
    (formulas neutralised) — for nasty and for random cells, whatever the delimiter."""
    import random
    import sqlite3

    from tracker.export import neutralise
    from tracker.query import _csv_cell

    alphabet = ['"', ",", ";", "\t", "\r", "\n", "'", "=", "+", "-", "@", "é", "€", " ", "a"]
    rnd = random.Random(5)
    cells = ['', '"', '""', 'a,b', 'a;b', 'x\ny', '\r', '=cmd|" /C calc"!A0', "l'été", None,
             *("".join(rnd.choices(alphabet, k=rnd.randint(1, 12))) for _ in range(300))]
    conn = sqlite3.connect(":memory:")
    for column in ("sentence", "party"):  # page text (always quoted) and a name (when needed)
        expr = _csv_cell(column, delimiter)
        for cell in cells:
            line = conn.execute(f"SELECT {expr} FROM (SELECT ? AS {column})", [cell]).fetchone()[0]
            row = io.StringIO(f"{line}{delimiter}end\r\n", newline="")
            parsed = next(csv.reader(row, delimiter=delimiter))
            assert parsed == [neutralise(cell) if cell is not None else "", "end"], (cell, line)
