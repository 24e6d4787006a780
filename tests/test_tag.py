"""A press officer's story: each name goes to the right person or party, and ordinary words,
relatives and namesakes go nowhere."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

DAY = dt.date(2024, 6, 20)
CASES = [
    # Case, accents, apostrophes, elisions.
    ("SARKOZY répond à Segolene Royal. Le soutien d’Obama à l'UMP.", "fr",
     [("SARKOZY", "nicolas-sarkozy"), ("Segolene Royal", "segolene-royal"),
      ("Obama", "barack-obama"), ("UMP", "ump")]),
    ("EMMANUEL MACRON ET MARINE LE PEN.", "fr",
     [("EMMANUEL MACRON", "emmanuel-macron"), ("MARINE LE PEN", "marine-le-pen")]),
    # A surname after the full name; titles make a bare surname a person.
    ("Jean-Luc Mélenchon a parlé. Mélenchon a ensuite quitté la salle.", "fr",
     [("Jean-Luc Mélenchon", "jean-luc-melenchon"), ("Mélenchon", "jean-luc-melenchon")]),
    ("M. Hollande a répondu à Mme Royal hier.", "fr",
     [("Hollande", "francois-hollande"), ("Royal", "segolene-royal")]),
    ("Marine Le Pen et Jordan Bardella ont présenté leur programme. Le Pen a insisté.", "fr",
     [("Marine Le Pen", "marine-le-pen"), ("Jordan Bardella", "jordan-bardella"),
      ("Le Pen", "marine-le-pen")]),
    # English possessives quoted in French text (the French tokenizer cuts "Biden'" + "s").
    ("Le slogan « Joe Biden's America » et le « Barack Obama's legacy » reviennent.", "fr",
     [("Joe Biden", "joe-biden"), ("Barack Obama", "barack-obama")]),
    # A titled surname names its person for the bare surnames after it.
    ("Vice President Harris spoke in Atlanta on Monday. Harris said the campaign would go "
     "on.", "en", [("Harris", "kamala-harris"), ("Harris", "kamala-harris")]),
    # A shared surname is the person named in full first: the story's subject.
    ("Hillary Clinton accepted the nomination; Bill Clinton spoke before her. Clinton "
     "promised a fair campaign.", "en",
     [("Hillary Clinton", "hillary-clinton"), ("Bill Clinton", "bill-clinton"),
      ("Clinton", "hillary-clinton")]),
    # A surname opening a sentence before its verb is the sentence's subject, a person; a
    # French country takes its article.
    ("Hollande a annoncé qu'il ne se représenterait pas. Royal a répondu dans la soirée. "
     "La Hollande a battu la France.", "fr",
     [("Hollande", "francois-hollande"), ("Royal", "segolene-royal")]),
    # Countries, words and relatives are not the politicians.
    ("Les Bleus affrontent la Hollande ce soir. Le fromage de Hollande est réputé.", "fr", []),
    ("Le Palais-Royal accueille une exposition. La famille royale et Royal Air Force.", "fr",
     []),
    ("Barack Obama et Michelle Obama sont arrivés à Paris.", "fr",
     [("Barack Obama", "barack-obama")]),
    ("Michelle Obama spoke at the convention. Hunter Biden was pardoned.", "en", []),
    ("Brigitte Macron inaugure une exposition au Louvre.", "fr", []),
    ("Nicolas Sarkozy et Carla Bruni-Sarkozy sont arrivés.", "fr",
     [("Nicolas Sarkozy", "nicolas-sarkozy")]),
    # Accents a person's names lack make another word: the Pope is not Mark Francois.
    ("Le pape François a reçu Emmanuel Macron au Vatican.", "fr",
     [("Emmanuel Macron", "emmanuel-macron")]),
    # Decomposed accents (NFD, as some CMS write them) are the same letters.
    (unicodedata.normalize("NFD", "Jean-Luc Mélenchon a parlé. Plus tard, Mélenchon a "
                                  "critiqué le budget."), "fr",
     [(unicodedata.normalize("NFD", "Jean-Luc Mélenchon"), "jean-luc-melenchon"),
      (unicodedata.normalize("NFD", "Mélenchon"), "jean-luc-melenchon")]),
    ("Edgar Faure fut président du Conseil. Faure a réformé l'université.", "fr", []),
    # The first named is the subject: her husband named once does not take her "Obama".
    ("Michelle Obama a publié ses mémoires. Elle évoque son mari, Barack Obama, avec "
     "tendresse. Obama raconte aussi son enfance à Chicago.", "fr",
     [("Barack Obama", "barack-obama")]),
    # A journalist's byline with a KB person's surname takes nothing from that person.
    ("Par Julien Faure\nOlivier Faure a pris la tête du cortège. Faure a ensuite rejoint "
     "Fabien Roussel.", "fr",
     [("Olivier Faure", "olivier-faure"), ("Faure", "olivier-faure"),
      ("Fabien Roussel", "fabien-roussel")]),
    ("Le Pen, seul, ne dit rien : Jean-Marie ou Marine ?", "fr", []),
    # Party names that are also ordinary words, and acronyms in lower case.
    ("La mairie veut des espaces verts. Les militants écologistes manifestent. Un mouvement "
     "démocrate est né à Hong Kong. L'économie est en marche. La Renaissance italienne.", "fr",
     []),
    ("Il y a des ps dans le texte, une PS5 et un P.S. en bas de la lettre.", "fr", []),
    ("PS : je reviens demain sur ce sujet.", "fr", []),
    ("Le parti Renaissance et les Républicains votent. Les républicains américains aussi.",
     "fr", [("Renaissance", "renaissance"), ("Républicains", "lr"),
            ("républicains", "republican-party")]),
    ("The Renaissance painters. The horizons of science.", "en", []),
    ("À Washington, les Républicains bloquent le budget. Les Républicains de Laurent "
     "Wauquiez votent contre la réforme.", "fr",
     [("Républicains", "republican-party"), ("Les Républicains", "lr"),
      ("Laurent Wauquiez", "laurent-wauquiez")]),
    # A country word next to a foreign name says where that one is, not the French party.
    ("Le RN a rompu avec l'AfD allemande au Parlement européen.", "fr",
     [("RN", "rn"), ("AfD", "afd")]),
    ("Comme Giorgia Meloni en Italie, le RN veut gouverner.", "fr",
     [("Giorgia Meloni", "giorgia-meloni"), ("RN", "rn")]),
    ("L'AFD finance un projet d'eau potable ; l'AfD dénonce l'aide au développement.", "fr",
     [("AfD", "afd")]),
    ("Trump stuns pollsters. Melania Trump stays silent.", "en", [("Trump", "donald-trump")]),
    # French parties as English-language papers name them.
    ("France Unbowed and the French Communist Party joined the French Socialist Party. "
     "France's Republicans stayed out. In Washington, Republicans cheered.", "en",
     [("France Unbowed", "lfi"), ("French Communist Party", "pcf"),
      ("French Socialist Party", "ps"), ("Republicans", "lr"),
      ("Republicans", "republican-party")]),
    ("The National Rally and the New Popular Front both claim victory.", "en",
     [("National Rally", "rn"), ("New Popular Front", "nfp")]),
]


@pytest.mark.parametrize("text, lang, expected", CASES, ids=[c[0][:40] for c in CASES])
def test_mentions_link_to_the_right_entity(tagger, text, lang, expected):
    found = tagger.tag(text, lang, DAY)
    assert [(m.surface, m.entity_id) for m in found] == expected
    assert all(text[m.start:m.end] == m.surface for m in found)


def test_party_follows_the_articles_date(tagger):
    text = "Nicolas Sarkozy a tenu un meeting."
    assert tagger.tag(text, "fr", dt.date(2010, 1, 1))[0].party_id == "ump"
    assert tagger.tag(text, "fr", dt.date(2016, 1, 1))[0].party_id == "lr"


def test_text_longer_than_a_chunk_keeps_correct_offsets(tagger):
    para = "Le débat budgétaire se poursuit à l'Assemblée nationale sans incident notable.\n"
    text = para * 2000 + "Olivier Faure a pris la parole.\n" + para * 10
    found = tagger.tag(text, "fr", DAY)
    assert [(m.surface, m.entity_id) for m in found] == [("Olivier Faure", "olivier-faure")]
    assert text[found[0].start:found[0].end] == "Olivier Faure"


@pytest.mark.parametrize("text, lang, day, expected", [
    ("Zohran Mamdani a battu Andrew Cuomo et le républicain Curtis Sliwa à New York.", "fr",
     dt.date(2025, 11, 5), {"zohran-mamdani": "democratic-party",
                            "curtis-sliwa": "republican-party"}),
    ("Kate Forbes and Anas Sarwar clashed as Rhun ap Iorwerth and Zack Polanski looked on. "
     "Polanski said little.", "en", dt.date(2026, 3, 1),
     {"kate-forbes": "snp", "anas-sarwar": "labour", "rhun-ap-iorwerth": "plaid-cymru",
      "zack-polanski": "green-party-of-england-and-wales"}),
    ("À Lyon, Grégory Doucet affronte Jean-Michel Aulas ; à Bordeaux, Pierre Hurmic.", "fr",
     dt.date(2026, 3, 15), {"gregory-doucet": "les-ecologistes", "jean-michel-aulas": None,
                            "pierre-hurmic": "les-ecologistes"}),
])
def test_the_people_of_the_2025_and_2026_campaigns_are_known(tagger, text, lang, day,
                                                             expected):
    """Today's landscape: New York's and Virginia's 2025 races, Holyrood and the Senedd in
    2026, France's 2026 municipal elections (a tagging audit found them missing)."""
    found = {m.entity_id: m.party_id for m in tagger.tag(text, lang, day)}
    assert {k: found.get(k, "missing") for k in expected} == expected

