"""A maintainer's story: rebuild the open-data layer of the KB (`tracker kb build`).

Readers turn local copies of open data into Person and Party records; the build merges
them across sources, lets the hand-kept file win, keeps ids stable from one build to the
next, writes JSON lines with a provenance file, and the result loads under the curated KB.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import KB_FILE
from tracker.cli import cli
from tracker.kb import slug
from tracker.kbbuild.build import merge, previous_ids, read_source, source_info, write
from tracker.kbbuild.records import Office, Party, Person, Stint
from tracker.kbload import load_kb

D = dt.date
FIXTURES = Path(__file__).parent / "kbbuild" / "fixtures"

# A small hand-kept KB: two French parties, a president known by QID, a party leader known
# only by name, and an MEP whose name is typed with and without its accent.
CURATED = {
    "parties": [
        {"id": "ps", "name": "Parti socialiste", "country": "FR",
         "aliases": ["PS", "Parti socialiste"]},
        {"id": "lr", "name": "Les Républicains", "country": "FR", "aliases": ["LR"]},
    ],
    "politicians": [
        {"id": "francois-hollande", "name": "François Hollande", "country": "FR",
         "wikidata": "Q2105", "surname_alone": "always",
         "affiliations": [{"party": "ps", "start": D(1979, 1, 1)}]},
        {"id": "olivier-faure", "name": "Olivier Faure", "country": "FR",
         "affiliations": [{"party": "ps"}]},
        {"id": "eva-joly", "name": "Eva Joly", "country": "FR",
         "aliases": ["Eva Joly", "Éva Joly"]},
    ],
}


def curated_kb():
    return load_kb([CURATED], builtin=False)


def built_by_name(built):
    return {b.name: b for b in built}


# 1. One person, many sources; namesakes stay apart ---------------------------------------

def test_the_same_wikidata_qid_from_two_readers_is_one_person_with_both_offices():
    deputy = Person("Yaël Braun-Pivet", "FR", "assemblee", "PA721908", wikidata="Q28942285",
                    birth=D(1970, 12, 7),
                    offices=[Office("legislator", "député", D(2017, 6, 21), D(2022, 6, 20))])
    # The second source spells her without the diaeresis: the QID still makes her one.
    speaker = Person("Yael Braun-Pivet", "FR", "everypolitician", "ep-42", wikidata="Q28942285",
                     aliases=["Yaël Braun-Pivet", "Y. Braun-Pivet"],
                     offices=[Office("speaker", "Présidente de l'Assemblée nationale",
                                     D(2022, 6, 28))])
    built, stats = merge(curated_kb(), [([deputy], []), ([speaker], [])], {})

    assert len(built) == 1
    person = built[0]
    assert person.id == "yael-braun-pivet"
    assert person.sources == ["assemblee:PA721908", "everypolitician:ep-42"]
    assert [o.role for o in person.offices] == ["legislator", "speaker"]
    assert person.birth == D(1970, 12, 7)
    assert person.aliases == ["Y. Braun-Pivet"]   # the name itself is no extra alias
    assert stats["people merged across sources"] == 1


def test_namesakes_with_different_birth_dates_stay_two_people_with_distinct_ids():
    elder = Person("John Smith", "GB", "parlparse", "uk.org.publicwhip/person/10544",
                   birth=D(1938, 9, 13), offices=[Office("party_leader", "Leader of Labour")])
    younger = Person("John Smith", "GB", "everypolitician", "ep-smith", birth=D(1951, 4, 17),
                     offices=[Office("legislator", "MP", D(1997, 5, 1))])
    # A third source naming the elder one with his birth date joins him, not the younger.
    elder_again = Person("John Smith", "GB", "meps", "9999", birth=D(1938, 9, 13),
                         offices=[Office("legislator", "MEP")])
    built, _ = merge(curated_kb(), [([elder], []), ([younger], []), ([elder_again], [])], {})

    people = {b.birth: b for b in built}
    assert len(built) == 2
    assert people[D(1938, 9, 13)].id == "john-smith"
    assert people[D(1938, 9, 13)].sources == ["parlparse:uk.org.publicwhip/person/10544",
                                             "meps:9999"]
    assert people[D(1951, 4, 17)].id == "john-smith-1951"
    assert people[D(1951, 4, 17)].sources == ["everypolitician:ep-smith"]


# 2. The hand-kept KB wins ----------------------------------------------------------------

def test_a_person_of_the_curated_kb_keeps_its_id_and_is_written_as_a_supplement():
    by_qid = Person("Francois Hollande", "FR", "assemblee", "PA1", wikidata="Q2105",
                    offices=[Office("head_of_state", "Président de la République",
                                    D(2012, 5, 15), D(2017, 5, 14))])
    by_name = Person("Olivier Faure", "FR", "assemblee", "PA2",
                     offices=[Office("legislator", "député", D(2012, 6, 20))])
    # The same name in another country is somebody else: a new id, the curated one taken.
    abroad = Person("Olivier Faure", "CA", "everypolitician", "ep-of", birth=D(1960, 1, 1),
                    offices=[Office("local", "maire")])
    built, stats = merge(curated_kb(), [([by_qid, by_name], []), ([abroad], [])], {})

    rows = {b.id: b.row() for b in built}
    assert set(rows) == {"francois-hollande", "olivier-faure", "olivier-faure-1960"}
    hollande = rows["francois-hollande"]
    assert hollande["supplement"] is True
    assert hollande["offices"] == [["head_of_state", "Président de la République",
                                    "2012-05-15", "2017-05-14"]]
    assert rows["olivier-faure"]["supplement"] is True
    assert rows["olivier-faure"]["sources"] == ["assemblee:PA2"]
    assert "supplement" not in rows["olivier-faure-1960"]
    assert stats["people matched to curated entries"] == 2


def test_a_curated_person_whose_aliases_differ_only_by_accents_is_still_matched_by_name():
    mep = Person("Eva Joly", "FR", "meps", "96883", birth=D(1943, 12, 5),
                 offices=[Office("legislator", "MEP", D(2009, 7, 14), D(2019, 7, 1))])
    built, _ = merge(curated_kb(), [([mep], [])], {})

    assert [(b.id, b.supplement) for b in built] == [("eva-joly", True)]


def test_a_readers_party_named_like_a_curated_one_is_merged_and_a_nameless_one_dropped():
    parties = [
        Party("parti-socialiste-an", "Parti Socialiste", "FR", "assemblee"),   # alias of ps
        Party("sans-etiquette", "-", "FR", "assemblee"),                       # no letters
        Party("horizons", "Horizons", "FR", "assemblee", aliases=["HOR", "?"]),
        Party("ps-be", "Parti Socialiste", "BE", "everypolitician"),           # another country
    ]
    deputy = Person("Boris Vallaud", "FR", "assemblee", "PA3",
                    affiliations=[Stint("parti-socialiste-an", D(2017, 6, 21)),
                                  Stint("sans-etiquette", D(2012, 1, 1), D(2017, 1, 1))])
    other = Person("Édouard Philippe", "FR", "assemblee", "PA4",
                   affiliations=[Stint("horizons", D(2021, 10, 9))])
    built, stats = merge(curated_kb(), [([deputy, other], parties)], {})

    by_id = {b.id: b for b in built}
    assert sorted(b.id for b in built if b.type == "party") == ["horizons", "ps-be"]
    assert by_id["horizons"].aliases == ["HOR"]
    assert by_id["boris-vallaud"].affiliations == [Stint("ps", D(2017, 6, 21))]
    assert by_id["edouard-philippe"].affiliations == [Stint("horizons", D(2021, 10, 9))]
    assert stats["parties merged with a known one"] == 1
    assert stats["parties without a usable name dropped"] == 1
    assert stats["affiliations to unknown parties dropped"] == 1


# 3. Ids never move ----------------------------------------------------------------------

def _first_build(tmp_path):
    readings = [
        ([Person("Jean Dupont", "FR", "assemblee", "PA10", birth=D(1960, 3, 1),
                 offices=[Office("legislator", "député")]),
          Person("Jean Dupont", "FR", "assemblee", "PA11", birth=D(1972, 8, 9),
                 offices=[Office("legislator", "député")])], []),
        ([Person("Jean Dupont", "BE", "everypolitician", "ep-jd",
                 offices=[Office("legislator", "député fédéral")]),
          Person("Anne Martin", "FR", "everypolitician", "ep-am",
                 offices=[Office("local", "maire")])], []),
    ]
    built, stats = merge(curated_kb(), readings, {})
    out = tmp_path / "opendata.jsonl"
    write(out, built, {}, stats)
    first = {s: b.id for b in built for s in b.sources}
    assert first == {"assemblee:PA10": "jean-dupont", "assemblee:PA11": "jean-dupont-1972",
                     "everypolitician:ep-jd": "jean-dupont-ep-jd",
                     "everypolitician:ep-am": "anne-martin"}
    assert previous_ids(out) == first
    return readings, first, previous_ids(out)


def test_a_rebuild_in_another_order_with_a_new_namesake_keeps_every_earlier_id(tmp_path):
    readings, first, previous = _first_build(tmp_path)
    newcomer = Person("Jean Dupont", "FR", "meps", "124000", birth=D(1985, 1, 2),
                      offices=[Office("legislator", "MEP")])
    again = [(list(reversed(people)), parties) for people, parties in reversed(readings)]
    built, _ = merge(curated_kb(), [*again, ([newcomer], [])], previous)

    ids = {s: b.id for b in built for s in b.sources}
    assert {s: ids[s] for s in first} == first
    assert ids["meps:124000"] == "jean-dupont-1985"
    assert len({b.id for b in built}) == len(built)


def test_a_new_namesake_read_first_does_not_take_an_earlier_persons_id(tmp_path):
    readings, first, previous = _first_build(tmp_path)
    newcomer = Person("Jean Dupont", "FR", "meps", "124000", birth=D(1985, 1, 2),
                      offices=[Office("legislator", "MEP")])
    built, _ = merge(curated_kb(), [([newcomer], []), *readings], previous)

    ids = {s: b.id for b in built for s in b.sources}
    assert {s: ids[s] for s in first} == first
    assert ids["meps:124000"] == "jean-dupont-1985"


# 4. What is written ---------------------------------------------------------------------

def test_write_gives_sorted_json_lines_and_a_provenance_naming_each_source(tmp_path):
    curated_root, congress_root = FIXTURES / "curated", FIXTURES / "congress"
    readings = [read_source("curated", curated_root), read_source("congress", congress_root)]
    infos = {"curated": source_info("curated", curated_root),
             "congress": source_info("congress", congress_root)}
    # The fixture's curated party, kept out of the hand-kept file here (which now names
    # the Likud as the French press does): a party only the curated files have is written.
    kept = load_kb([KB_FILE], builtin=False)
    kept.entities.pop("likud", None)
    built, stats = merge(kept, readings, {})
    out = tmp_path / "kb" / "opendata.jsonl"
    write(out, built, infos, stats)

    lines = out.read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [(r["type"], r["id"]) for r in rows] == sorted((r["type"], r["id"]) for r in rows)
    assert all(list(r) == sorted(r) for r in rows)
    assert len({r["id"] for r in rows}) == len(rows)
    assert {"likud"} <= {r["id"] for r in rows if r["type"] == "party"}
    scholz = next(r for r in rows if r["name"] == "Olaf Scholz")
    assert scholz["id"] == "olaf-scholz" and scholz["sources"] == ["curated:olaf-scholz-de"]
    assert scholz["affiliations"] == [["spd", "1975-01-01", None]]

    provenance = json.loads((tmp_path / "kb" / "provenance.json").read_text("utf-8"))
    assert provenance["file"] == "opendata.jsonl"
    assert provenance["built"] == D.today().isoformat()
    assert set(provenance["sources"]) == {"congress", "curated"}
    for name, info in provenance["sources"].items():
        assert info["licence"] and info["date"] and info["name"] == name
        keys = [s for r in rows for s in r["sources"] if s.startswith(name + ":")]
        assert info["records"] == len(keys) > 0
    assert provenance["sources"]["congress"]["date"] == "2026-06-15"   # its SOURCE.json
    assert provenance["sources"]["congress"]["licence"].startswith("CC0")
    counts = provenance["entities"]
    assert counts["parties"] == sum(r["type"] == "party" for r in rows)
    assert counts["politicians"] + counts["supplements to curated entries"] == sum(
        r["type"] == "politician" for r in rows)


def test_slug_is_the_ascii_lowercase_form_of_a_name():
    assert slug("Yaël Braun-Pivet") == "yael-braun-pivet"
    assert slug("  Gérard   Larcher ") == "gerard-larcher"
    assert slug("Ursula von der Leyen") == "ursula-von-der-leyen"
    # Letters without an accent to drop are not dropped: "Władysław Kosiniak-Kamysz" was
    # discovered as "w-adys-aw-kosiniak-kamysz".
    assert slug("Władysław Kosiniak-Kamysz") == "wladyslaw-kosiniak-kamysz"
    assert slug("Jonas Gahr Støre") == "jonas-gahr-store" and slug("Strauß") == "strauss"


# 5. The command -------------------------------------------------------------------------

X_YAML = """\
source: curated
topic: "A test topic"
people:
  - name: Nicolas Sarkozy
    country: FR
    wikidata: Q329
    offices:
      - {role: head_of_state, label: Président de la République, start: 2007-05-16,
         end: 2012-05-15}
  - name: Zoé Essai
    country: FR
    affiliations: [{party: ps, start: 2020-01-01}]
    offices: [{role: local, label: maire, start: 2020-07-03}]
"""


def test_kb_build_writes_the_layer_and_its_provenance(tmp_path):
    root = tmp_path / "src"
    (root / "data" / "kb").mkdir(parents=True)
    (root / "data" / "kb" / "x.yaml").write_text(X_YAML, "utf-8")
    out = tmp_path / "opendata.jsonl"
    result = CliRunner().invoke(cli, ["kb", "build", f"curated={root}", "-o", str(out),
                                      "--curated", str(KB_FILE)])

    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert set(rows) == {"nicolas-sarkozy", "zoe-essai"}
    assert rows["nicolas-sarkozy"]["supplement"] is True
    assert rows["zoe-essai"]["affiliations"] == [["ps", "2020-01-01", None]]
    provenance = json.loads((tmp_path / "provenance.json").read_text("utf-8"))
    assert provenance["sources"]["curated"]["records"] == 2
    assert "curated: 2 people, 0 parties" in result.stderr
    assert f"2 entities written to {out}" in result.stderr


@pytest.mark.parametrize("argument", ["nonsense", "unknown=folder", "curated={missing}"])
def test_kb_build_refuses_a_bad_source_argument_with_one_line_and_exit_2(tmp_path, argument):
    out = tmp_path / "opendata.jsonl"
    argument = argument.format(missing=tmp_path / "no-such-folder")
    result = CliRunner().invoke(cli, ["kb", "build", argument, "-o", str(out),
                                      "--curated", str(KB_FILE)])

    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: error:"), result.stderr
    assert result.stdout == ""
    assert not out.exists() and not (tmp_path / "provenance.json").exists()


# 6. The packaged layer under the curated file -------------------------------------------

def test_the_packaged_layer_covers_more_than_15000_politicians_with_dated_parties(kb):
    dated = [e for e in kb.politicians() if any(a.start or a.end for a in e.affiliations)]
    assert len(dated) > 15_000   # the coverage floor of issue 11
    for eid in ("yael-braun-pivet", "gerard-larcher", "chuck-schumer", "keir-starmer",
                "nancy-pelosi"):
        assert eid in kb.entities, eid
    yael = kb.entities["yael-braun-pivet"]
    assert yael.builtin and yael.birth == D(1970, 12, 7)
    assert "speaker" in {o.role for o in yael.offices}
    assert kb.party_at("gerard-larcher", D(2010, 1, 1)) == "ump"


def test_a_hand_kept_entity_keeps_its_fields_and_gains_the_layers_offices(kb):
    sarkozy = kb.entities["nicolas-sarkozy"]
    assert not sarkozy.builtin
    assert sarkozy.origin == str(KB_FILE)
    assert sarkozy.surname_alone == "always" and sarkozy.surname == "Sarkozy"
    assert sarkozy.aliases == ("Nicolas Sarkozy",)
    assert kb.party_at("nicolas-sarkozy", D(2010, 1, 1)) == "ump"
    presidency = [o for o in sarkozy.offices if o.role == "head_of_state"]
    assert [(o.start, o.end) for o in presidency] == [(D(2007, 5, 16), D(2012, 5, 15))]
    assert sarkozy.prominence(D(2008, 1, 1)) == 1
    # The hand-kept file types only his local offices (Neuilly, the Hauts-de-Seine): the
    # presidency and the ministries come from the layer, added to them.
    typed = load_kb([KB_FILE], builtin=False).entities["nicolas-sarkozy"].offices
    assert {o.role for o in typed} == {"local"}
    assert set(typed) < set(sarkozy.offices)


def test_a_membership_one_source_dates_inside_anothers_is_kept_once():
    """EveryPolitician's copy of 2015 ends a sitting MP's term when it must at the latest
    (2020); the election results say she still sits: one membership, still running."""
    copy = Person("Ann Example", "GB", "everypolitician", "ep-ann", wikidata="Q777",
                  affiliations=[Stint("labour", D(2010, 5, 6), D(2020, 5, 8))],
                  offices=[Office("legislator", "MP", D(2010, 5, 6), D(2020, 5, 8))])
    results = Person("Ann Example", "GB", "psephology", "3924", wikidata="Q777",
                     affiliations=[Stint("labour", D(2010, 5, 6), None)],
                     offices=[Office("legislator", "MP", D(2010, 5, 6), None)])
    labour = Party("labour", "Labour Party", "GB", "psephology")
    built, _ = merge(curated_kb(), [([copy], [labour]), ([results], [])], {})
    person = next(b for b in built if b.type == "politician")
    assert person.affiliations == [Stint("labour", D(2010, 5, 6), None)]
    # (offices stay each source's own: an election's term is a fact of its own)


def test_my_entry_for_a_layer_person_adds_names_and_keeps_the_layers():
    """A user who writes the press's spelling of someone the open data knows gives only the
    new name: the person keeps the layer's names, surname, offices and parties."""
    mine = {"politicians": [{"id": "christine-le-nabour", "name": "Christine Le Nabour",
                             "aliases": ["Christine Le-Nabour"]}]}
    layer = load_kb([], builtin=True).entities["christine-le-nabour"]
    person = load_kb([mine], builtin=True).entities["christine-le-nabour"]
    assert person.aliases == ("Christine Le Nabour", "Christine Le-Nabour",
                              "Christine Cloarec", "Christine Cloarec-Le Nabour")
    assert person.surname == layer.surname == "Le Nabour"
    assert person.offices == layer.offices and person.affiliations == layer.affiliations
    assert person.country == layer.country == "FR"  # the entry gave none (code review)
    # A name written otherwise still holds the layer's surname: Chen Shui-bian is a Chen.
    chen = load_kb([{"politicians": [{"id": "chen-shui-bian", "name": "Chen Shui-Bian"}]}],
                   builtin=True).entities["chen-shui-bian"]
    assert chen.surname == load_kb([], builtin=True).entities["chen-shui-bian"].surname
