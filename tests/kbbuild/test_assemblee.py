"""The Assemblée nationale reader, on a small hand-written fixture in the source's format."""

from __future__ import annotations

import datetime as dt
import pathlib
import shutil

import pytest
import yaml

from tracker.kbbuild import assemblee, renamings
from tracker.kbbuild.records import ROLES, Office, Stint

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "assemblee"
KB = pathlib.Path(__file__).parents[2] / "tracker" / "kbdata" / "entities.yaml"
D = dt.date


@pytest.fixture(scope="module")
def result():
    return assemblee.read(FIXTURE)


@pytest.fixture(scope="module")
def people(result):
    return {p.source_key: p for p in result[0]}


def test_every_record_names_its_source_and_country(result):
    people, parties = result
    assert people and all(p.source == "assemblee" and p.country == "FR" for p in people)
    assert all(o.role in ROLES for p in people for o in p.offices)
    assert all(p.source == "assemblee" for p in parties)


def test_a_ump_deputy_follows_the_party_renaming_to_les_republicains(people):
    deputy = people["PA101"]
    assert deputy.name == "Hubert de Montclar"
    assert deputy.surname == "de Montclar"           # the particle belongs to the surname
    assert deputy.birth == D(1960, 3, 2)
    assert deputy.offices == [Office("legislator", "député", D(2012, 6, 20), D(2017, 6, 20))]
    assert deputy.affiliations == [Stint("ump", D(2012, 6, 26), D(2015, 5, 30)),
                                   Stint("lr", D(2015, 5, 30), D(2017, 6, 20))]


def test_party_declarations_win_and_the_group_fills_the_months_before(people):
    deputy = people["PA102"]
    assert deputy.surname is None                    # "Martin-Roux" is the last word
    # Group from 2012-06-26, then yearly PS declarations from 2012-12-01, merged into one stint.
    assert deputy.affiliations == [Stint("ps", D(2012, 6, 26), D(2017, 6, 20))]


def test_hand_kept_aliases_are_added(people):
    assert people["PA102"].aliases == ["Claire Roux"]


def test_a_funding_umbrella_is_no_party_so_the_group_stands_in(people):
    deputy = people["PA103"]
    # "Ensemble" is shared by several parties; the Renaissance group is used instead, and
    # cut at the renaming of La République en marche into Renaissance. Non-inscrits: no party.
    assert deputy.affiliations == [Stint("lrem", D(2022, 6, 28), D(2022, 9, 17)),
                                   Stint("renaissance", D(2022, 9, 17), D(2024, 6, 9))]


def test_the_president_of_the_assemblee_is_a_speaker(people):
    speakers = [o for o in people["PA103"].offices if o.role == "speaker"]
    assert speakers == [Office("speaker", "Président de l'Assemblée nationale",
                               D(2022, 6, 28), D(2024, 6, 9))]


def test_a_party_our_kb_lacks_becomes_a_new_party_and_apparentes_are_no_members(result,
                                                                                 people):
    _, parties = result
    assert [(p.id, p.name) for p in parties] == [("tahoeraa-huiraatira", "Tahoeraa Huiraatira")]
    # Only the declared party: being "apparenté" to the UMP group is no UMP membership.
    assert people["PA104"].affiliations == [
        Stint("tahoeraa-huiraatira", D(2012, 12, 1), D(2017, 6, 20))]


def test_a_minister_who_became_president(people):
    person = people["PA105"]
    # "en mission" is a deputy's mission for a minister, not an office; the source's repeated
    # presidential mandate without an end date gives way to the dated copy.
    assert person.offices == [
        Office("minister", "Ministre", D(2014, 8, 27), D(2016, 8, 30)),
        Office("head_of_state", "Président de la République", D(2017, 5, 14), D(2022, 5, 13)),
    ]
    assert person.affiliations == []


def test_a_senate_group_spanning_a_renaming_and_the_president_of_the_senate(people):
    senator = people["PA106"]
    assert Office("legislator", "sénateur", D(1998, 10, 1), D(2023, 10, 1)) in senator.offices
    assert Office("speaker", "Président du Sénat", D(2008, 10, 1), D(2011, 9, 30)) \
        in senator.offices
    assert senator.affiliations == [Stint("ump", D(2002, 12, 11), D(2015, 5, 30)),
                                    Stint("lr", D(2015, 5, 30), None)]


def test_people_without_an_office_since_2002_are_left_out(people):
    assert "PA107" not in people                     # senator until 1998
    assert "PA108" not in people                     # committee member only


def test_a_missing_folder_is_named(tmp_path):
    shutil.copytree(FIXTURE / assemblee.BASE / "organe", tmp_path / assemblee.BASE / "organe")
    with pytest.raises(FileNotFoundError, match="acteur"):
        assemblee.read(tmp_path)


def test_missing_optional_fields_do_not_crash(tmp_path):
    base = tmp_path / assemblee.BASE
    (base / "organe").mkdir(parents=True)
    (base / "acteur").mkdir()
    (base / "acteur" / "PA1.json").write_text(
        '{"uid": "PA1", "etatCivil": {"ident": {"prenom": "Anne", "nom": "Petit"}},'
        ' "mandats": {"mandat": {"typeOrgane": "ASSEMBLEE", "dateDebut": "2024-07-08",'
        ' "organes": {"organeRef": "PO404"}}}}', encoding="utf-8")
    (people, parties) = assemblee.read(tmp_path)     # no aliases file, no organes, no birth
    assert [(p.name, p.birth, p.offices) for p in people] == [
        ("Anne Petit", None, [Office("legislator", "député", D(2024, 7, 8), None)])]
    assert parties == []


def test_every_party_id_and_date_we_rely_on_matches_the_kb():
    kb = {p["id"]: p for p in yaml.safe_load(KB.read_text(encoding="utf-8"))["parties"]}
    used = {v for v in assemblee.PARPOL_MAP.values() if v} | set(assemblee.GROUP_MAP.values())
    assert used <= set(renamings.PARTY_LINEAGE) <= set(kb)
    for pid, (start, end, successor) in renamings.PARTY_LINEAGE.items():
        assert (kb[pid].get("start"), kb[pid].get("end"), kb[pid].get("successor")) == \
            (start, end, successor), pid


def test_a_group_is_not_taken_for_the_party_of_a_deputy_who_declared_another(people):
    deputy = people["PA109"]
    # Sits with the communist-led GDR group but declared Régions et peuples solidaires each
    # year: no pcf stint, and the yearly declarations make one stint.
    assert deputy.affiliations == [Stint("rps", D(2017, 12, 1), D(2022, 6, 21))]
