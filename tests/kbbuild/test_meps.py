"""Members of the European Parliament (TechToThePeople/mep) become Person and Party records."""

from __future__ import annotations

import datetime as dt
import pathlib
import shutil

import pytest

from tracker.kbbuild import meps
from tracker.kbbuild.records import Office, Stint

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "meps"
D = dt.date


def _people():
    people, parties = meps.read(FIXTURE)
    return {p.source_key: p for p in people}, {p.id: p for p in parties}


def test_a_former_mep_gets_a_dated_seat_her_party_and_her_last_group():
    people, _ = _people()
    lepen = people["9001"]
    assert lepen.name == "Marine Le Pen"
    assert lepen.surname == "Le Pen"
    assert lepen.country == "FR"
    assert lepen.source == "meps"
    assert lepen.wikidata == "Q12927"
    assert lepen.birth == D(1968, 8, 5)
    assert lepen.offices == [Office("legislator", "MEP", D(2004, 7, 20), D(2017, 6, 18))]
    # The national party first (undated: membership outlives the seat), then the group,
    # which ends with the seat.
    assert lepen.affiliations == [Stint("fn"), Stint("enf-group", None, D(2017, 6, 18))]


def test_a_sitting_mep_has_open_ended_seat_and_group():
    people, _ = _people()
    member = people["9002"]
    assert member.name == "Jean de Lamotte"          # French particle in lower case
    assert member.surname == "de Lamotte"
    assert member.offices == [Office("legislator", "MEP", D(2019, 7, 2), None)]
    assert member.affiliations == [Stint("renaissance"), Stint("renew-europe")]


def test_an_electoral_list_is_not_taken_for_a_party():
    people, parties = _people()
    assert people["9003"].affiliations == [Stint("renew-europe", None, D(2024, 7, 15))]
    assert "liste-renaissance" not in parties


def test_foreign_parties_known_to_the_kb_are_mapped_and_initials_dropped():
    people, _ = _people()
    muller = people["9004"]
    assert muller.name == "Hans Müller"
    assert "Hans J. Müller" in muller.aliases
    assert muller.country == "DE"
    assert muller.affiliations == [Stint("cdu"), Stint("epp-group", None, D(2009, 7, 13))]


def test_non_attached_members_get_no_group_and_the_uk_is_gb():
    people, _ = _people()
    farage = people["9005"]
    assert farage.country == "GB"
    assert farage.affiliations == [Stint("brexit-party")]


def test_meps_who_left_before_the_2004_term_are_skipped():
    people, _ = _people()
    assert "9006" not in people


def test_groups_and_french_parties_missing_from_the_kb_become_new_parties():
    people, parties = _people()
    assert people["9007"].affiliations == [
        Stint("mpf"), Stint("union-for-europe-of-the-nations", None, D(2009, 7, 13))]
    uen = parties["union-for-europe-of-the-nations"]
    assert (uen.name, uen.country, uen.source) == ("Union for Europe of the Nations", "EU", "meps")
    assert people["9008"].affiliations[0] == Stint("les-patriotes")
    assert parties["les-patriotes"].country == "FR"


def test_the_eps_capitals_are_fixed_by_country():
    assert meps.fix_case("DE SARNEZ", "FR") == "de Sarnez"
    assert meps.fix_case("DE MAGISTRIS", "IT") == "De Magistris"
    assert meps.fix_case("van der STOEP", "NL") == "van der Stoep"
    assert meps.fix_case("MCGUINNESS", "IE") == "McGuinness"
    assert meps.fix_case("DUPONT-AIGNAN", "FR") == "Dupont-Aignan"


def test_wikidata_is_optional(tmp_path):
    (tmp_path / "data").mkdir()
    shutil.copy(FIXTURE / "data" / "meps.all.csv", tmp_path / "data" / "meps.all.csv")
    people, _ = meps.read(tmp_path)
    lepen = next(p for p in people if p.source_key == "9001")
    assert lepen.wikidata is None
    assert lepen.name == "Marine Le Pen"


def test_a_missing_member_list_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="meps.all.csv"):
        meps.read(tmp_path)
