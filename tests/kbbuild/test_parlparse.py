"""The parlparse reader: UK MPs, peers and ministers from mySociety's members data."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import shutil

import pytest

from tracker.kbbuild import parlparse
from tracker.kbbuild.records import ROLES, Office, Stint

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "parlparse"
P = "uk.org.publicwhip/person/"


@pytest.fixture(scope="module")
def result():
    return parlparse.read(FIXTURE)


@pytest.fixture(scope="module")
def by_key(result):
    persons, _ = result
    return {p.source_key: p for p in persons}


def test_source_describes_the_repository():
    assert parlparse.SOURCE["name"] == "parlparse"
    assert parlparse.SOURCE["repo"] == "mysociety/parlparse"
    assert "members/people.json" in parlparse.SOURCE["paths"]


def test_every_record_is_a_british_parlparse_record_with_known_roles(result):
    persons, parties = result
    assert persons
    for p in persons:
        assert p.country == "GB" and p.source == "parlparse"
        assert p.source_key.startswith(P)
        assert all(o.role in ROLES for o in p.offices)
    assert all(party.country == "GB" and party.source == "parlparse" for party in parties)


def test_an_mp_reelected_at_each_election_has_one_continuous_party_affiliation(by_key):
    starmer = by_key[P + "25353"]
    assert starmer.name == "Keir Starmer"          # no "Sir"
    assert starmer.wikidata == "Q6383689"
    assert starmer.birth == dt.date(1962, 9, 2)
    # Three Commons memberships separated by dissolutions: one Labour stint, still running.
    assert starmer.affiliations == [Stint("labour", dt.date(2015, 5, 7), None)]
    mps = [o for o in starmer.offices if o.role == "legislator"]
    assert [(o.label, o.start, o.end) for o in mps] == [
        ("MP", dt.date(2015, 5, 7), dt.date(2017, 5, 3)),
        ("MP", dt.date(2017, 6, 8), dt.date(2019, 11, 6)),
        ("MP", dt.date(2019, 12, 12), None),
    ]


def test_the_prime_minister_and_party_leaders_come_from_the_posts_file(by_key):
    offices = by_key[P + "25353"].offices
    assert Office("head_of_government", "The Prime Minister", dt.date(2024, 7, 5)) in offices
    assert Office("party_leader", "Leader of the Labour Party", dt.date(2020, 4, 4)) in offices
    # Shadow (opposition) posts are not offices.
    assert not any("Shadow" in o.label for o in offices)


def test_a_cabinet_minister_keeps_the_post_title_and_a_two_word_surname(by_key):
    ids = by_key[P + "10180"]
    assert ids.name == "Iain Duncan Smith"
    assert ids.surname == "Duncan Smith"
    assert Office("minister", "The Secretary of State for Work and Pensions",
                  dt.date(2010, 5, 12), dt.date(2016, 3, 18)) in ids.offices
    assert ids.affiliations == [Stint("conservatives", dt.date(1997, 5, 1),
                                      dt.date(2024, 5, 30))]
    # Misspelt "Alternate" names are not aliases; committee seats are not offices.
    assert ids.aliases == []
    assert len(ids.offices) == 2


def test_a_peer_is_named_as_the_press_does_with_the_title_as_alias(by_key):
    alli = by_key[P + "13765"]
    assert alli.name == "Waheed Alli"
    assert alli.aliases == ["Lord Alli"]
    assert alli.offices == [Office("legislator", "peer", dt.date(1998, 7, 23), None)]
    assert alli.affiliations == [Stint("labour", dt.date(1998, 7, 23), None)]


def test_an_mp_who_became_a_non_affiliated_peer(by_key):
    dodds = by_key[P + "11017"]
    assert dodds.name == "Nigel Dodds"
    assert dodds.aliases == ["Lord Dodds", "Lord Dodds of Duncairn"]
    # DUP in the Commons; no party stint for the non-affiliated Lords membership.
    assert dodds.affiliations == [Stint("democratic-unionist-party", dt.date(2001, 6, 7),
                                        dt.date(2019, 11, 6))]
    assert [o.label for o in dodds.offices] == ["MP", "peer"]
    # An assistant whip is in the government but is not a minister.
    assert not any(o.role == "minister" for o in dodds.offices)


def test_a_name_change_is_an_alias_and_the_speaker_has_no_party(by_key):
    anne = by_key[P + "24900"]
    assert anne.name == "Anne Newname"
    assert anne.aliases == ["Anne Oldname"]
    # Labour/Co-operative is Labour; the Speaker's membership gives no stint.
    assert anne.affiliations == [Stint("labour", dt.date(2005, 5, 5), dt.date(2010, 4, 12))]
    assert Office("speaker", "Speaker of the House of Commons",
                  dt.date(2010, 5, 6), dt.date(2015, 3, 30)) in anne.offices


def test_parties_missing_from_the_kb_become_new_party_records(result, by_key):
    _, parties = result
    assert {p.id: p.name for p in parties} == {
        "democratic-unionist-party": "Democratic Unionist Party",
        "green-party-of-england-and-wales": "Green Party of England and Wales",
    }
    assert by_key[P + "24910"].affiliations[0].party == "green-party-of-england-and-wales"


def test_a_bishop_without_a_personal_name_is_known_by_the_see_and_has_no_party(by_key):
    bishop = by_key[P + "13999"]
    assert bishop.name == "Bishop of Durham"
    assert bishop.affiliations == []
    assert bishop.offices == [Office("legislator", "peer", dt.date(2011, 10, 1),
                                     dt.date(2013, 12, 31))]


def test_people_outside_the_scope_are_left_out(by_key):
    assert P + "10500" not in by_key      # MP until 2001, minister in 1999
    assert P + "25900" not in by_key      # a Scottish Parliament member only
    assert P + "10501" not in by_key      # a redirect to another person id
    assert P + "13500" not in by_key      # a peer whose only date is "1992": nothing dated


def test_posts_and_birth_files_are_optional_but_people_json_is_required(tmp_path):
    (tmp_path / "members").mkdir()
    shutil.copy(FIXTURE / "members" / "people.json", tmp_path / "members" / "people.json")
    persons, _ = parlparse.read(tmp_path)
    starmer = next(p for p in persons if p.source_key == P + "25353")
    assert starmer.birth is None
    assert all(o.role == "legislator" for o in starmer.offices)

    (tmp_path / "members" / "people.json").unlink()
    with pytest.raises(FileNotFoundError, match="people.json"):
        parlparse.read(tmp_path)


def test_missing_optional_fields_do_not_crash(tmp_path):
    (tmp_path / "members").mkdir()
    data = {
        "persons": [{"id": P + "1", "other_names": [{"given_name": "Sole", "family_name": "Mp"}]},
                    {"id": P + "2"}],
        "memberships": [
            {"id": "m1", "person_id": P + "1", "post_id": "c1", "start_date": "2017-06-08",
             "on_behalf_of_id": "mystery-party"},
            {"id": "m2", "person_id": P + "2", "post_id": "c1"},
            {"id": "m3", "person_id": P + "404", "post_id": "c1", "start_date": "2017-06-08"},
        ],
        "posts": [{"id": "c1", "organization_id": "house-of-commons"}],
    }
    (tmp_path / "members" / "people.json").write_text(json.dumps(data))
    persons, parties = parlparse.read(tmp_path)
    assert [p.name for p in persons] == ["Sole Mp"]
    # An unknown party keeps its label, slugged, as a new party.
    assert persons[0].affiliations == [Stint("mystery-party", dt.date(2017, 6, 8), None)]
    assert [p.id for p in parties] == ["mystery-party"]


def test_tony_blairs_premiership_comes_from_the_pre_2010_posts_file(by_key):
    blair = by_key[P + "10047"]
    assert Office("head_of_government", "Prime Minister", dt.date(1997, 5, 2),
                  dt.date(2007, 6, 28)) in blair.offices
    # Only Prime Minister posts are read there: its other roles are not offices.
    assert [o.role for o in blair.offices] == ["head_of_government", "legislator"]
    assert not any("Shadow" in o.label for o in by_key[P + "10180"].offices)
