"""An analyst's story: the same AFP dispatch carried by two sites is counted once when asked,
and raw figures stay available."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from tests.conftest import write_config
from tracker.cli import cli

DISPATCH = [
    "Paris, 14 mars 2024 (AFP) - Le Premier ministre Gabriel Attal a défendu mercredi devant "
    "l'Assemblée nationale la réforme de l'assurance chômage, que les syndicats jugent "
    "injuste et que la gauche promet de combattre jusqu'au bout.",
    "Face aux députés, le chef du gouvernement a assuré que le texte visait « le plein "
    "emploi » et qu'il n'était « pas une mesure d'économie », alors que l'exécutif cherche à "
    "réduire le déficit public après une croissance plus faible que prévu.",
    "Le président du groupe La France insoumise a dénoncé « une attaque contre les plus "
    "précaires », tandis que Les Républicains ont réclamé des garanties sur le calendrier et "
    "que le Rassemblement national annonçait son intention de déposer une motion de censure.",
    "Selon l'entourage d'Emmanuel Macron, le chef de l'Etat suit le dossier de près et "
    "souhaite une entrée en vigueur des nouvelles règles avant l'été, malgré l'opposition "
    "des partenaires sociaux qui doivent être reçus à Matignon la semaine prochaine.",
    "Les organisations syndicales ont appelé à une journée de mobilisation le 28 mars, la "
    "première depuis la fin du mouvement contre la réforme des retraites au printemps 2023.",
]
PAGE = ("<html lang='fr'><head><meta property='article:published_time' content='{date}'>"
        "</head><body><nav><a href='/'>Accueil</a> <a href='/politique'>Politique</a></nav>"
        "<article><h1>{title}</h1>{paragraphs}</article><aside><h2>À lire aussi</h2><ul>"
        "<li><a href='/x'>{aside}</a></li></ul></aside><footer>{footer}</footer></body></html>")


def _page(title, paragraphs, date, aside="Les municipales approchent", footer="© Journal"):
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return PAGE.format(title=title, paragraphs=body, date=date, aside=aside, footer=footer)


def test_agency_copy_is_linked_to_the_first_and_can_be_left_out(site, tmp_path):
    site.set("/a/chomage.html", _page("Assurance chômage : Attal défend sa réforme", DISPATCH,
                                      "2024-03-14T10:00:00+01:00"))
    # Another site: its own headline, a trimmed last paragraph and two words changed.
    edited = [p.replace("mercredi", "ce mercredi").replace("de près", "attentivement")
              for p in DISPATCH[:4]]
    site.set("/b/attal-chomage.html", _page("Gabriel Attal monte au créneau sur le chômage",
                                            edited, "2024-03-14T11:30:00+01:00",
                                            aside="Marine Le Pen en meeting",
                                            footer="Le Petit Régional - tous droits réservés"))
    # Same people, same day, but a different article: not a copy.
    site.set("/b/analyse.html", _page(
        "Analyse : le pari risqué de Gabriel Attal",
        ["En choisissant de porter lui-même la réforme, Gabriel Attal prend le risque de "
         "s'aliéner une partie de la majorité, déjà divisée sur la question.",
         "Plusieurs députés Renaissance jugent en privé le calendrier intenable et redoutent "
         "une nouvelle mobilisation sociale avant les élections européennes de juin.",
         "À l'Élysée, on assure qu'Emmanuel Macron soutient pleinement son Premier ministre, "
         "mais certains conseillers plaident pour une pause dans les réformes."],
        "2024-03-14T18:00:00+01:00"))
    config = write_config(tmp_path, [
        {"name": "journal-a", "kind": "page", "url": site.url("/a/chomage.html")},
        {"name": "regional-b", "kind": "page", "url": site.url("/b/attal-chomage.html")},
        {"name": "analyse-b", "kind": "page", "url": site.url("/b/analyse.html")},
    ])
    runner = CliRunner()
    for name in ("journal-a", "regional-b", "analyse-b"):  # in this order: a is the first
        assert runner.invoke(cli, ["run", "--once", "--config", str(config), "--source",
                                   name]).exit_code == 0
    conn = sqlite3.connect(tmp_path / "tracker.db")
    docs = dict(conn.execute("SELECT source, id FROM documents"))
    links = dict(conn.execute("SELECT source, duplicate_of FROM documents"))
    assert links == {"journal-a": None, "regional-b": docs["journal-a"], "analyse-b": None}

    def count(*args):
        result = runner.invoke(cli, ["mentions", "--config", str(config), "--format", "csv",
                                     "--politician", "Gabriel Attal", *args])
        return len(result.stdout.splitlines()) - 1

    assert count() == 2 + 2 + 2  # raw: both copies (headline and body) and the analysis
    assert count("--no-duplicates") == 2 + 2
    export = runner.invoke(cli, ["export", "--config", str(config), "--no-duplicates",
                                 "--party", "RN", "-o", "-"])
    assert len(export.stdout.splitlines()) == 1 + 1


def test_a_longer_text_quoting_a_brief_is_not_its_copy(site, tmp_path):
    brief = DISPATCH[0] + " " + DISPATCH[1]
    site.set("/a/breve.html", _page("Brève", [brief], "2024-03-14T09:00:00+01:00"))
    site.set("/b/long.html", _page("Le grand récit de la journée", [brief, *DISPATCH[2:],
                                   "Dans les couloirs de l'Assemblée, plusieurs élus de la "
                                   "majorité confiaient leur inquiétude face à la colère qui "
                                   "monte dans les circonscriptions rurales, où le chômage "
                                   "reste plus élevé que la moyenne nationale."],
                                   "2024-03-14T19:00:00+01:00"))
    config = write_config(tmp_path, [
        {"name": "a", "kind": "page", "url": site.url("/a/breve.html")},
        {"name": "b", "kind": "page", "url": site.url("/b/long.html")},
    ])
    for name in ("a", "b"):
        assert CliRunner().invoke(cli, ["run", "--once", "--config", str(config), "--source",
                                        name]).exit_code == 0
    links = dict(sqlite3.connect(tmp_path / "tracker.db").execute(
        "SELECT source, duplicate_of FROM documents"))
    assert links == {"a": None, "b": None}
