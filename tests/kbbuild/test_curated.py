"""The hand-typed KB files (data/kb/*.yaml) become Person and Party records."""

from __future__ import annotations

import datetime as dt
import pathlib
import shutil

import pytest

from tracker.kbbuild import curated
from tracker.kbbuild.records import Office, Party, Stint

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "curated"
D = dt.date


def _people():
    people, parties = curated.read(FIXTURE)
    return {p.name: p for p in people}, parties


def test_a_typed_leader_becomes_a_person_with_dated_office_and_party():
    people, _ = _people()
    scholz = people["Olaf Scholz"]
    assert scholz.country == "DE"
    assert scholz.source == "curated"
    assert scholz.source_key == "olaf-scholz-de"
    assert scholz.wikidata == "Q61053"
    assert scholz.birth == D(1958, 6, 14)
    assert scholz.surname is None
    assert scholz.affiliations == [Stint("spd", D(1975, 1, 1))]
    assert scholz.offices == [Office("head_of_government", "Chancellor of Germany",
                                     D(2021, 12, 8), D(2025, 5, 6))]


def test_a_surname_with_particles_and_press_aliases_are_kept():
    people, _ = _people()
    assert people["Ursula von der Leyen"].surname == "von der Leyen"
    assert people["Benjamin Netanyahu"].aliases[0] == "Bibi Netanyahu"


def test_repeated_terms_in_one_office_stay_separate_and_an_open_term_has_no_end():
    people, _ = _people()
    terms = [o for o in people["Benjamin Netanyahu"].offices if o.role == "head_of_government"]
    assert [(o.start, o.end) for o in terms] == [
        (D(1996, 6, 18), D(1999, 7, 6)), (D(2009, 3, 31), D(2021, 6, 13)), (D(2022, 12, 29), None)]


def test_a_party_missing_from_the_kb_is_added_under_parties():
    people, parties = _people()
    assert parties == [Party("likud", "Likud", "IL", "curated", ["Likud"])]
    assert people["Benjamin Netanyahu"].affiliations == [Stint("likud")]


def test_every_file_is_read_and_someone_with_no_date_at_all_is_skipped():
    people, _ = _people()
    assert sorted(people) == ["Arnold Schwarzenegger", "Benjamin Netanyahu", "Olaf Scholz",
                              "Ursula von der Leyen"]
    governor = people["Arnold Schwarzenegger"]
    assert governor.offices[0].role == "governor"
    assert governor.affiliations[0].party == "republican-party"


def test_a_person_typed_in_two_topic_files_becomes_one_record():
    people, _ = _people()
    bibi = people["Benjamin Netanyahu"]
    # the repeated 2022 term is kept once
    assert [o.label for o in bibi.offices] == ["Prime Minister of Israel"] * 3 + [
        "Chairman of Likud"]
    assert bibi.aliases == ["Bibi Netanyahu", "Bibi"]
    assert bibi.affiliations == [Stint("likud")]


def test_two_files_disagreeing_on_a_fact_are_refused(tmp_path):
    root = _kb(tmp_path, "people:\n  - {name: A B, country: DE, wikidata: Q1, offices: "
                         "[{role: minister, label: M, start: 2000-01-01}]}\n")
    (root / "data" / "kb" / "other.yaml").write_text(
        "source: curated\ntopic: t\npeople:\n  - {name: A B, country: DE, wikidata: Q2}\n")
    with pytest.raises(ValueError, match=r"^data/kb/other.yaml: A B \(DE\): wikidata Q2 differs "
                                         r"from Q1 in data/kb/bad.yaml$"):
        curated.read(root)


def test_source_describes_the_licence():
    assert curated.SOURCE["name"] == "curated"
    assert curated.SOURCE["licence"] == "CC0-1.0 (facts typed by the tracker maintainers)"


def test_a_missing_folder_is_named():
    with pytest.raises(FileNotFoundError, match="data/kb"):
        curated.read(FIXTURE / "nowhere")


def _kb(tmp_path, body: str, entities: bool = True) -> pathlib.Path:
    (tmp_path / "data" / "kb").mkdir(parents=True)
    if entities:
        kbdata = tmp_path / "tracker" / "kbdata"
        kbdata.mkdir(parents=True)
        shutil.copy(FIXTURE / "tracker" / "kbdata" / "entities.yaml", kbdata / "entities.yaml")
    (tmp_path / "data" / "kb" / "bad.yaml").write_text(
        "source: curated\ntopic: t\n" + body, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("body, message", [
    ("people:\n  - {name: A B, country: DE, party: spd}\n",
     r"^data/kb/bad.yaml: people\[0\] \(A B\): unknown key\(s\) party$"),
    ("people:\n  - {name: A B}\n", r"^data/kb/bad.yaml: people\[0\] \(A B\): missing country$"),
    ("people:\n  - {name: A B, country: Germany}\n",
     r"people\[0\] \(A B\): country must be an ISO 3166 alpha-2 code, got 'Germany'$"),
    ("people:\n  - {name: A B, country: DE, wikidata: 61053}\n", r"wikidata must be a QID"),
    ("people:\n  - {name: Harald V, country: NO}\n", r"country False is a YAML boolean: quote"),
    ("people:\n  - {name: A B, country: DE, offices: [{role: king, label: K, "
     "start: 2000-01-01}]}\n",
     r"^data/kb/bad.yaml: people\[0\] \(A B\) offices\[0\]: role must be one of .*got 'king'$"),
    ("people:\n  - {name: A B, country: DE, offices: [{role: minister, label: M, "
     "start: 2005-01-01, end: 2001-01-01}]}\n", r"offices\[0\]: end 2001-01-01 is before start"),
    ("people:\n  - {name: A B, country: DE, affiliations: [{party: spd, start: 2000-13-01}]}\n",
     r"affiliations\[0\]: start must be a date YYYY-MM-DD"),
    ("people:\n  - {name: A B, country: DE, affiliations: [{party: sdp, start: 2000-01-01}]}\n",
     r"^data/kb/bad.yaml: A B \(DE\): unknown party 'sdp'"),
    ("people:\n  - {name: A B, country: DE, offices: [{role: minister, label: M, "
     "start: 2000-01-01}]}\n  - {name: A B, country: DE}\n",
     r"A B \(DE\) is typed twice in this file"),
    ("parties:\n  - {id: Likud!, name: Likud, country: IL}\n",
     r"^data/kb/bad.yaml: parties\[0\]: id must be a lowercase ascii slug"),
    ("people: [\n", r"^data/kb/bad.yaml: line \d+: not valid YAML"),
    ("chapters: []\n", r"^data/kb/bad.yaml: unknown key\(s\) chapters$"),
])
def test_a_typing_mistake_is_refused_with_a_one_line_error(tmp_path, body, message):
    root = _kb(tmp_path, body)
    with pytest.raises(ValueError, match=message) as caught:
        curated.read(root)
    assert "\n" not in str(caught.value)


def test_a_file_must_say_it_is_curated(tmp_path):
    root = _kb(tmp_path, "")
    (root / "data" / "kb" / "bad.yaml").write_text("source: wikidata\ntopic: t\n")
    with pytest.raises(ValueError, match="source must be 'curated'"):
        curated.read(root)


def test_the_real_curated_files_are_valid():
    root = pathlib.Path(__file__).resolve().parents[2]
    if not (root / "data" / "kb").is_dir():
        pytest.skip("no data/kb in this checkout")
    people, _ = curated.read(root)
    assert people
