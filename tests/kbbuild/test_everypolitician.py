"""The everypolitician reader: per-term legislature CSVs become people with dated parties."""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest
import yaml

from tracker.kbbuild import everypolitician
from tracker.kbbuild.records import Office, Stint

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "everypolitician"
D = dt.date
A1 = "00000000-0000-0000-0000-0000000000a1"


@pytest.fixture(scope="module")
def reading():
    people, parties = everypolitician.read(FIXTURES)
    return {p.source_key: p for p in people}, {p.id: p for p in parties}


def test_source_contract():
    assert everypolitician.SOURCE["name"] == "everypolitician"
    assert set(everypolitician.SOURCE) == {"name", "repo", "url", "licence", "paths"}


def test_a_member_of_both_chambers_is_one_person_keyed_by_the_first_id(reading):
    people, _ = reading
    tester = people[A1]
    assert "00000000-0000-0000-0000-0000000000b1" not in people
    assert tester.name == "Samuel Tester"            # middle initial dropped
    assert tester.aliases == ["Samuel B. Tester"]
    assert (tester.country, tester.source, tester.wikidata) == ("US", "everypolitician",
                                                                 "Q1001")
    # the 98th Congress's end slip (1983) is mended with the 99th's start
    assert tester.offices == [Office("legislator", "Representative", D(1981, 1, 6),
                                     D(1985, 1, 6)),
                              Office("legislator", "Senator", D(1985, 1, 6), D(1987, 1, 3))]
    assert tester.affiliations == [Stint("democratic-party", D(1981, 1, 6), D(1987, 1, 3))]


def test_a_suffix_stays_only_when_two_people_would_share_a_name(reading):
    people, _ = reading
    son = people["00000000-0000-0000-0000-0000000000a2"]
    father = people["00000000-0000-0000-0000-0000000000b2"]
    assert son.name == "Barry Example, Jr."
    assert father.name == "Barry Example"
    assert father.affiliations == [Stint("republican-party", D(1985, 1, 6), D(1986, 6, 30)),
                                   Stint("democratic-party", D(1986, 7, 1), D(1987, 1, 3))]


def test_independents_and_speakers_sit_without_a_party(reading):
    people, _ = reading
    rosa = people["00000000-0000-0000-0000-0000000000a3"]
    assert rosa.affiliations == []
    assert rosa.offices == [Office("legislator", "Representative", D(1981, 1, 6),
                                   D(1983, 1, 3))]
    assert rosa.surname == "Van Dyke"
    speaker = people["00000000-0000-0000-0000-0000000000c3"]
    assert speaker.affiliations == []
    assert speaker.offices[0].label == "MP"


def test_a_uk_defection_and_a_running_term(reading):
    people, _ = reading
    doug = people["00000000-0000-0000-0000-0000000000c1"]
    assert (doug.country, doug.wikidata) == ("GB", "Q9001")
    assert doug.affiliations == [Stint("conservatives", D(2010, 5, 6), D(2014, 8, 29)),
                                 Stint("ukip", D(2014, 10, 10), D(2020, 5, 8))]
    # the dissolution-to-election gap is bridged; the term still running in the copy (May
    # 2015) ends when it must at the latest: five years after its start
    assert doug.offices == [Office("legislator", "MP", D(2010, 5, 6), D(2020, 5, 8))]


def test_labour_co_operative_is_labour_and_uk_minor_parties_use_parlparse_ids(reading):
    people, parties = reading
    mary = people["00000000-0000-0000-0000-0000000000c2"]
    assert mary.affiliations == [Stint("labour", D(2010, 5, 6), D(2020, 5, 8))]
    paisley = people["00000000-0000-0000-0000-0000000000c4"]
    assert paisley.affiliations == [Stint("democratic-unionist-party", D(2015, 5, 8),
                                          D(2020, 5, 8))]
    assert paisley.surname == "Paisley Example"
    assert {pid for pid, p in parties.items() if p.country == "GB"} == {
        "democratic-unionist-party"}
    assert parties["democratic-unionist-party"].aliases == ["DUP"]


def test_rows_without_any_date_are_skipped(reading):
    people, _ = reading
    assert "00000000-0000-0000-0000-0000000000c5" not in people
    assert sum(p.country in ("US", "GB") for p in people.values()) == 8


def test_a_missing_copy_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        everypolitician.read(tmp_path)


def test_slips_of_the_canadian_copy_are_mended(reading):
    """Canada's 41st Parliament in the Nov. 2015 copy: start and end columns swapped, and
    names with one letter too many ("Jack Laytoni", "Justin Trudeaup")."""
    people, _ = reading
    # The file's rows start on their member's day of death: its columns are swapped.
    gone = people["00000000-0000-0000-0000-0000000000d3"]
    assert gone.name == "Paul Example"                # the Popolo file's English name
    assert gone.affiliations == [Stint("new-democratic-party", D(2011, 6, 2), D(2012, 8, 22))]
    elected = people["00000000-0000-0000-0000-0000000000d4"]
    assert elected.offices == [Office("legislator", "MP", D(2013, 11, 25), D(2015, 8, 2))]
    # One letter more than the member of the same seat in the next term: that member.
    assert "00000000-0000-0000-0000-0000000000d1" not in people
    jeanne = people["00000000-0000-0000-0000-0000000000d2"]
    assert jeanne.name == "Jeanne Tremblay" and "Jeanne Tremblayx" not in jeanne.aliases
    assert jeanne.affiliations == [Stint("liberal-party-canada", D(2011, 6, 2), D(2015, 8, 2)),
                                   Stint("liberal-party-canada", D(2015, 11, 16),
                                         D(2020, 11, 16))]
    # Another English name, or one letter more in another seat: left as they are.
    assert people["00000000-0000-0000-0000-0000000000d5"].name == "Luc Steady"
    assert people["00000000-0000-0000-0000-0000000000d6"].name == "Luc Steadyx"


@pytest.mark.parametrize("key, name, aliases, surname", [
    # Italy: the family name first, in capitals; a final accent written as an apostrophe
    ("e1", "Lucia Di Esempio", [], "Di Esempio"),
    ("e2", "Niccolò Caprà", [], None),
    ("e3", "Anna Rossetti", [], None),                   # the Popolo file's English name
    # Greece: the family name first, then the given name and the nickname
    ("f1", "Dimitrios Paradeigmatou", ["Mimis Paradeigmatou"], None),
    ("f2", "Evdoxia-Eva Dokimi-Elegchou", ["Eva Dokimi-Elegchou"], None),
    ("f3", "Eleni Dokimou", ["Lena Dokimou"], None),   # "Dokimou - (Palaia)": née Palaia
    # Austria: degrees and titles; a disambiguation in brackets
    ("a9", "Grete Beispiel-Huber", [], None),
    ("aa", "Karl Probe", [], None),
])
def test_names_written_for_a_register_become_the_names_the_press_writes(
        reading, key, name, aliases, surname):
    person = reading[0][f"00000000-0000-0000-0000-0000000000{key}"]
    assert (person.name, person.aliases, person.surname) == (name, aliases, surname)


def test_group_labels_map_to_the_kbs_parties_and_their_founding_dates():
    """A Greek MP of "N.D. (New Democracy)" counts for the KB's Nea Dimokratia: every party
    the labels map to is one the hand-kept files know, founded when KB_START says."""
    kb = {}
    for path in [pathlib.Path("tracker/kbdata/entities.yaml"),
                 *sorted(pathlib.Path("data/kb").glob("*.yaml"))]:
        for party in (yaml.safe_load(path.read_text("utf-8")) or {}).get("parties") or []:
            kb[party["id"]] = party
    mapped = {pid for table in everypolitician.PARTIES.values() for pid in table.values()
              if pid and pid in everypolitician.KB_PARTY_IDS}
    assert mapped <= set(kb)
    for pid, founded in everypolitician.KB_START.items():
        assert kb[pid].get("start") == founded, pid


def test_a_term_begun_before_its_party_counts_from_the_founding(reading):
    # "Popolo della Libertà" senators elected in April 2008: the PdL was founded in March 2009
    senator = reading[0]["00000000-0000-0000-0000-0000000000e4"]
    assert senator.affiliations == [Stint("pdl", D(2009, 3, 29), D(2013, 3, 14))]


def test_a_greek_mp_counts_for_the_kbs_party_not_for_a_label_of_the_copy(reading):
    people, parties = reading
    mp = people["00000000-0000-0000-0000-0000000000f1"]
    assert mp.affiliations == [Stint("pasok", D(2015, 2, 5), None)]
    assert not any(p.country == "GR" for p in parties.values())
