"""The psephology reader: UK election results become MPs with dated seats and parties.

The fixture is cut from ukparliament/psephology's db/data: a few seats of the 2017 and
2019 elections (files without a header row) and of the 2024 one (with a header), the 2021
Hartlepool and 2025 Runcorn and Helsby by-elections, and matching maiden-speech rows.
"""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest

from tracker.kbbuild import psephology
from tracker.kbbuild.build import merge, read_source, source_info
from tracker.kbbuild.records import Office, Person, Stint
from tracker.kbload import load_kb

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "psephology"
D = dt.date
MP = "MP"


@pytest.fixture(scope="module")
def reading():
    people, parties = psephology.read(FIXTURES)
    return {p.source_key: p for p in people}, {p.id: p for p in parties}


def test_source_contract_and_provenance():
    assert psephology.SOURCE["name"] == "psephology"
    assert set(psephology.SOURCE) == {"name", "repo", "url", "licence", "paths"}
    info = source_info("psephology", FIXTURES)
    assert info["repo"] == "ukparliament/psephology"
    assert "Open Parliament Licence v3.0" in info["licence"]
    # The copy has no SOURCE.json: its PROVENANCE.txt gives the commit and its date.
    assert info["commit"] == "774c93e64c4d69a5094d0518aef68060c4d74df0"
    assert info["date"] == "2026-08-20"


def test_only_seat_winners_are_read_and_keyed_by_their_mnis_id(reading):
    people, _ = reading
    # 5 seats in 2017, 8 in 2019 (one by-election), 7 in 2024 (one by-election), many
    # repeat winners; runners-up (Paul Williams, a former MP with an MNIS id) are not MPs.
    assert len(people) == 14
    assert all(p.country == "GB" and p.source == "psephology" for p in people.values())
    assert "4666" not in people
    assert people["4786"].name == "Zarah Sultana"


def test_a_new_2019_mp_re_elected_in_2024_in_a_redrawn_seat_has_one_open_term(reading):
    people, _ = reading
    sultana = people["4786"]
    # Coventry South has a new ONS id in 2024: the MNIS id keeps her one person, and the
    # dissolution-to-election gap is bridged.
    assert sultana.wikidata == "Q63929279"
    assert sultana.offices == [Office("legislator", MP, D(2019, 12, 12), None)]
    assert sultana.affiliations == [Stint("labour", D(2019, 12, 12), None)]


def test_a_member_who_left_mid_term_ends_at_the_writ_and_the_by_election_winner_follows(
        reading):
    people, _ = reading
    hill, mortimer = people["4644"], people["4916"]
    # Mike Hill (2017, 2019) left; the Hartlepool writ was moved on 25 March 2021.
    assert hill.offices == [Office("legislator", MP, D(2017, 6, 8), D(2021, 3, 25))]
    assert hill.affiliations == [Stint("labour", D(2017, 6, 8), D(2021, 3, 25))]
    # Jill Mortimer won the by-election of 6 May 2021 and lost the seat in 2024.
    assert mortimer.offices == [Office("legislator", MP, D(2021, 5, 6), D(2024, 5, 30))]
    assert mortimer.affiliations == [Stint("conservatives", D(2021, 5, 6), D(2024, 5, 30))]
    assert people["5045"].offices == [Office("legislator", MP, D(2024, 7, 4), None)]


def test_a_by_election_winner_with_full_forenames_takes_the_name_parliament_uses(reading):
    people, _ = reading
    pochin = people["5403"]      # "Sarah Joanne Pochin" in the by-election file
    assert pochin.name == "Sarah Pochin"
    assert pochin.aliases == ["Sarah Joanne Pochin"]
    assert pochin.affiliations == [Stint("reform-uk", D(2025, 5, 1), None)]
    assert people["4667"].offices == [Office("legislator", MP, D(2024, 7, 4), D(2025, 3, 26))]


def test_the_speaker_and_independents_sit_without_a_party(reading):
    people, _ = reading
    hoyle, corbyn = people["467"], people["185"]
    # Labour in 2017, the Speaker from 2019: the seat runs on, the party stops.
    assert hoyle.offices == [Office("legislator", MP, D(2017, 6, 8), None)]
    assert hoyle.affiliations == [Stint("labour", D(2017, 6, 8), D(2019, 11, 5))]
    # Labour in 2017 and 2019, an independent in 2024.
    assert corbyn.offices == [Office("legislator", MP, D(2017, 6, 8), None)]
    assert corbyn.affiliations == [Stint("labour", D(2017, 6, 8), D(2024, 5, 30))]


def test_northern_irish_parties_use_the_parlparse_ids(reading):
    people, parties = reading
    assert people["650"].affiliations == [Stint("democratic-unionist-party", D(2017, 6, 8),
                                                D(2024, 5, 30))]
    # "Social Democratic & Labour Party" (2019) and "Sinn Fein" without its accent (2024)
    assert people["4846"].affiliations[0].party == "social-democratic-and-labour-party"
    assert people["5292"].affiliations[0].party == "sinn-fein"
    assert set(parties) == {"democratic-unionist-party", "social-democratic-and-labour-party",
                            "sinn-fein"}
    assert parties["democratic-unionist-party"].aliases == ["DUP"]


def test_middle_initials_leave_the_name_for_an_alias(reading):
    people, _ = reading
    donaldson = people["650"]
    assert donaldson.name == "Jeffrey Donaldson"
    assert donaldson.aliases == ["Jeffrey M. Donaldson"]


def test_wikidata_ids_come_from_the_maiden_speech_list_when_unambiguous(reading):
    people, _ = reading
    # Fiona Bruce's MNIS id also carries Jason McCartney's row: the row naming her wins.
    assert people["3958"].wikidata == "Q266078"
    # One QID listed for both Dominic Raab and Mark Reckless: trusted for neither.
    assert people["4007"].wikidata is None
    # Sinn Féin members make no maiden speech: no QID.
    assert people["5292"].wikidata is None


def test_a_folder_of_a_parliament_without_dates_is_skipped(reading):
    people, _ = reading
    # 60/ holds Lindsay Hoyle's 2024 row again in another format; parliament_periods.csv
    # has no Parliament 60, so it adds nothing (his seat runs from 2017, open).
    assert len(people["467"].offices) == 1


def test_the_build_merges_an_mp_with_everypolitician_by_qid_and_adds_new_ones():
    people, parties = read_source("psephology", FIXTURES)
    # EveryPolitician's 2015 copy knew Jeremy Corbyn, with his QID, under another name form.
    ep = Person("Jeremy Bernard Corbyn", "GB", "everypolitician", "ep-corbyn",
                wikidata="Q291169",
                offices=[Office("legislator", MP, D(2015, 5, 8), None)],
                affiliations=[Stint("labour", D(2015, 5, 8), None)])
    curated = load_kb([{"parties": [{"id": "labour", "name": "Labour Party", "country": "GB"},
                                    {"id": "conservatives", "name": "Conservative Party",
                                     "country": "GB"},
                                    {"id": "reform-uk", "name": "Reform UK",
                                     "country": "GB"}]}], builtin=False)
    built, stats = merge(curated, [([ep], []), (people, parties)], {})
    by_source = {s: b for b in built for s in b.sources}
    corbyn = by_source["psephology:185"]
    assert corbyn.sources == ["everypolitician:ep-corbyn", "psephology:185"]
    assert Office("legislator", MP, D(2017, 6, 8), None) in corbyn.offices
    assert by_source["psephology:4786"].id == "zarah-sultana"
    assert stats["people merged across sources"] == 1
