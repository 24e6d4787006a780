"""The congress reader: US legislators and the executive become people with dated parties."""

from __future__ import annotations

import datetime as dt
import pathlib
import shutil

import pytest

from tracker.kbbuild import congress
from tracker.kbbuild.records import ROLES, Office, Stint

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "congress"
D = dt.date


@pytest.fixture(scope="module")
def reading():
    skipped: dict = {}
    people, parties = congress.read(FIXTURES, skipped)
    return {p.source_key: p for p in people}, {p.id: p for p in parties}, skipped


def test_a_senator_is_known_by_nickname_with_the_official_name_as_alias(reading):
    people, _, _ = reading
    schumer = people["S000148"]
    assert schumer.name == "Chuck Schumer"
    assert schumer.aliases == ["Charles Schumer"]     # official name, middle initial dropped
    assert (schumer.country, schumer.source) == ("US", "congress")
    assert schumer.wikidata == "Q380900"
    assert schumer.birth == D(1950, 11, 23)
    assert schumer.surname is None


def test_consecutive_terms_of_one_party_make_one_stint_still_running(reading):
    people, _, _ = reading
    # House 1995-1999 then Senate from 1999: one Democratic stint; the current term's
    # scheduled end (2029) is not the end of the membership, so it is left open.
    assert people["S000148"].affiliations == [Stint("democratic-party", D(1995, 1, 4), None)]


def test_each_term_is_a_dated_office_and_chamber_leaders_are_kept(reading):
    people, _, _ = reading
    offices = people["S000148"].offices
    assert Office("legislator", "Representative", D(1995, 1, 4), D(1997, 1, 3)) in offices
    assert Office("legislator", "Senator", D(1999, 1, 6), D(2029, 1, 3)) in offices
    assert Office("party_leader", "Senate Majority Leader", D(2021, 1, 20),
                  D(2023, 1, 3)) in offices
    # a party-conference post is not an office of ours
    assert not any("Conference" in o.label for o in offices)
    assert all(o.role in ROLES for p in people.values() for o in p.offices)


def test_a_party_switch_within_a_term_splits_the_affiliations(reading):
    people, _, _ = reading
    van_drew = people["V000133"]
    assert van_drew.affiliations == [
        Stint("democratic-party", D(2019, 1, 3), D(2019, 12, 18)),
        Stint("republican-party", D(2019, 12, 19), None),
    ]
    assert van_drew.surname == "Van Drew"          # two-word surname


def test_an_independent_has_offices_but_no_party(reading):
    people, _, _ = reading
    sanders = people["S000033"]
    assert sanders.name == "Bernie Sanders"
    assert sanders.aliases == ["Bernard Sanders"]
    assert sanders.affiliations == []
    assert [o.label for o in sanders.offices] == ["Senator"]


def test_a_member_known_by_initial_and_middle_name(reading):
    people, _, _ = reading
    hill = people["H001072"]
    assert hill.name == "J. French Hill"             # suffix Jr. dropped
    assert hill.aliases == ["French Hill"]


def test_early_republicans_predate_the_party_and_get_no_stint(reading):
    people, _, skipped = reading
    burr = people["B001133"]          # Jefferson's "Republican" of 1791, not the GOP of 1854
    assert burr.affiliations == []
    assert burr.offices == [Office("legislator", "Senator", D(1791, 10, 24), D(1797, 3, 3))]
    assert skipped["Republican"] == 2    # Burr 1791 and Thorne 1853


def test_historic_parties_become_new_party_records(reading):
    people, parties, _ = reading
    thorne = people["T000000"]
    assert thorne.birth is None                      # "unknown" is not a date
    assert thorne.affiliations == [
        # two Whig terms months apart (sworn in late) are one stint
        Stint("whig-party-us", D(1849, 3, 4), D(1853, 3, 3)),
        # the 1853 "Republican" term predates the party: skipped
        Stint("republican-party", D(1855, 12, 3), D(1857, 3, 3)),
        # back six years later: a new stint, not a guess about the gap
        Stint("republican-party", D(1863, 3, 4), D(1869, 3, 3)),
        Stint("mugwump-reform-us", D(1875, 3, 4), D(1881, 3, 3)),
    ]
    assert parties["whig-party-us"].name == "Whig Party"
    assert parties["mugwump-reform-us"].name == "Mugwump Reform"   # unknown label, as written
    assert all(p.country == "US" and p.source == "congress" for p in parties.values())
    # the KB's own parties are not re-declared
    assert "democratic-party" not in parties and "republican-party" not in parties


def test_a_former_name_is_an_alias(reading):
    people, _, _ = reading
    bono = people["B001228"]
    assert bono.name == "Mary Bono Mack"
    assert bono.surname == "Bono Mack"
    assert bono.aliases == ["Mary Bono"]


def test_a_senator_who_became_vice_president_and_president_is_one_person(reading):
    people, _, _ = reading
    biden = people["B000444"]
    assert biden.name == "Joe Biden"
    assert biden.aliases == ["Joseph Biden"]
    assert biden.wikidata == "Q6279"
    assert [(o.role, o.label) for o in biden.offices] == [
        ("legislator", "Senator"), ("minister", "Vice President"),
        ("head_of_state", "President")]
    assert biden.affiliations == [
        Stint("democratic-party", D(2003, 1, 7), D(2017, 1, 20)),
        Stint("democratic-party", D(2021, 1, 20), D(2025, 1, 20)),
    ]


def test_presidents_outside_congress_are_keyed_by_govtrack(reading):
    people, _, _ = reading
    trump = people["govtrack:412733"]
    assert trump.name == "Donald Trump"
    assert trump.affiliations[-1] == Stint("republican-party", D(2025, 1, 20), None)
    washington = people["W000178"]
    assert washington.affiliations == []                       # "no party"
    assert washington.offices == [Office("head_of_state", "President", D(1789, 4, 30),
                                         D(1797, 3, 4))]


def test_presidents_get_the_names_the_press_gives_them(reading):
    people, parties, _ = reading
    adams = people["A000041"]
    assert adams.name == "John Quincy Adams"      # "John Adams" is his father
    assert "John Adams" not in adams.aliases
    assert adams.affiliations == [Stint("democratic-republican-party", D(1825, 3, 4),
                                        D(1829, 3, 4))]
    assert parties["democratic-republican-party"].name == "Democratic-Republican Party"
    truman = people["T000387"]
    assert truman.name == "Harry Truman"
    assert truman.aliases == ["Harry S. Truman"]
    # vice president, then president on the same day: one Democratic stint
    assert truman.affiliations == [Stint("democratic-party", D(1945, 1, 20), D(1949, 1, 20))]
    assert [o.role for o in truman.offices] == ["minister", "head_of_state"]


def test_people_with_nothing_dated_are_skipped(reading):
    people, _, _ = reading
    assert "Z999999" not in people
    assert len(people) == 13


def test_a_missing_file_is_named_and_the_historical_one_is_optional(tmp_path):
    shutil.copy(FIXTURES / "legislators-current.yaml", tmp_path / "legislators-current.yaml")
    with pytest.raises(FileNotFoundError, match="executive.yaml"):
        congress.read(tmp_path)
    shutil.copy(FIXTURES / "executive.yaml", tmp_path / "executive.yaml")
    people, _ = congress.read(tmp_path)  # past members then come from everypolitician
    assert people and len(people) < 13


def test_source_facts():
    assert congress.SOURCE["name"] == "congress"
    assert congress.SOURCE["repo"] == "unitedstates/congress-legislators"
    assert set(congress.SOURCE["paths"]) == set(congress.FILES)
