"""A reader's story: French pages in any encoding come out with their accents, their main
text, their canonical address, and each paragraph once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from tracker.boilerplate import drop_pointer_lines
from tracker.extract import decode, detect_language, extract_html, extract_text
from tracker.sources import canonical_url

ARTICLE = ("<html lang='fr'><head><meta charset='{charset}'><title>Royal à Lyon</title></head>"
           "<body><nav><a href='/'>Accueil</a></nav><article><h1>Ségolène Royal à Lyon</h1>"
           "<p>La candidate socialiste Ségolène Royal a réuni ses partisans à Lyon, où elle a "
           "présenté son pacte présidentiel et répondu aux critiques de l'UMP.</p>"
           "<p>Le débat de l'entre-deux-tours aura lieu le 2 mai, a confirmé l'équipe de "
           "campagne, qui se dit « confiante ».</p></article></body></html>")


def test_windows_1252_page_without_any_header_keeps_its_accents():
    body = ARTICLE.format(charset="windows-1252").encode("cp1252")
    assert "Ségolène" in decode(body, None)
    assert "« confiante »" in decode(body, None)


def test_latin1_label_on_utf8_body_and_utf8_label_on_latin1_body():
    utf8 = ARTICLE.format(charset="iso-8859-1").encode("utf-8")
    assert "Ségolène" in decode(utf8, "iso-8859-1")
    latin = ARTICLE.format(charset="utf-8").encode("latin-1")
    assert "Ségolène" in decode(latin, "utf-8")
    bom = b"\xef\xbb\xbf" + ARTICLE.format(charset="utf-8").encode("utf-8")
    assert decode(bom).startswith("<html")


def test_main_text_title_and_canonical_link():
    html = ARTICLE.format(charset="utf-8").replace(
        "</title>", "</title><link rel='canonical' href='/politique/royal-lyon'>")
    page = extract_html(html, "https://journal.example/a?utm_source=x")
    assert page.title == "Ségolène Royal à Lyon"  # the <h1> beats the <title>
    assert page.text.startswith("Ségolène Royal à Lyon\n")  # the headline is tagged too
    assert "Accueil" not in page.text and "pacte présidentiel" in page.text
    assert page.canonical_url == "https://journal.example/politique/royal-lyon"
    assert page.lang == "fr"


def test_text_file_title_date_and_repeated_paragraphs():
    para = "Du côté du Parti socialiste, on notera la création d'un site participatif."
    note = f"Campagne 2007\nNote du 15 avril 2012\n\n{para}\n{para}\nFin."
    page = extract_text(note)
    assert page.title == "Campagne 2007"
    assert page.published_at == dt.datetime(2012, 4, 15, tzinfo=dt.timezone.utc)
    assert page.text.count(para) == 1
    assert extract_text("Report\nPublished April 3, 2024\nBody").published_at.day == 3


def test_a_text_files_date_is_its_dateline_not_a_date_it_talks_about():
    """An archive note about 10 May 1981 written in 2025: its date is the file's time
    (the run's fallback), not 1981, which put Olivier Faure in no party and the note out
    of every default window. Datelines still count, with a place, a time or "Publié le"."""
    def date(text):
        found = extract_text(text).published_at
        return found.date().isoformat() if found else None

    assert date("Mitterrand, quarante ans après\n\nLe 10 mai 1981, François Mitterrand "
                "était élu. Le Parti socialiste commémore cette victoire avec Olivier "
                "Faure.\n") is None
    assert date("Mitterrand, 10 mai 1981 : la victoire\nLe PS fête ses quarante ans.") is None
    assert date("Titre\nLe 10 mai 1981, Mitterrand est élu.\nSuite.") is None
    assert date("Titre\nParis, le 3 mai 2019\nCorps") == "2019-05-03"
    assert date("Titre\nPublié le 14 mars 2025 à 10h32, mis à jour le 15 mars 2025 à "
                "18h05\nCorps") == "2025-03-14"
    assert date("Title\nBy Jane Doe, April 3, 2024 at 10:32 am\nBody") == "2024-04-03"
    assert date("Title\nUpdated: 3 April 2024\nBody") == "2024-04-03"
    assert date("15 avril 2012\nTitre\nCorps") == "2012-04-15"  # a date as first line
    # The README's own datelines as a note's first line: the file's time was taken, and
    # Sarkozy counted for LR in 2012 (README audit).
    assert date("Note du 15 avril 2012\nFrançois Hollande parle au Bourget.") == "2012-04-15"
    assert date("Paris, le 3 mai 2019\nCorps") == "2019-05-03"
    assert date("Publié le 12 mars 2020 à 10h00\nCorps") == "2020-03-12"
    assert date("Compte rendu du 3 mars 2024\nCorps") == "2024-03-03"
    assert date("Souvenirs du 10 mai 1981\nLa gauche au pouvoir.") is None  # a headline
    assert date("Titre\n2024-06-09 18:05\nCorps") == "2024-06-09"
    # A CMS's timestamp keeps its time and offset: the day is the UTC one, as everywhere.
    assert extract_text("Titre a\nUpdated: 2015-06-01T23:30:00Z\n\nNicolas Sarkozy parle."
                        ).published_at.isoformat() == "2015-06-01T23:30:00+00:00"
    assert date("Titre\nPublié le 2015-06-01T23:30:00+02:00\nCorps") == "2015-06-01"
    assert date("Titre\n2015-06-01T23:30:00-04:00\nCorps") == "2015-06-02"
    assert date("Titre\n2015-06-01T23:30:00.1234567+0200\nCorps") == "2015-06-01"
    assert date("Titre\n2015-06-01T23:30:00.5-04:00\nCorps") == "2015-06-02"  # any Python
    # Numbers and abbreviations, as French sites and CMS exports write them.
    assert date("Titre\nPublié le 12/03/2009 à 10h32\nCorps") == "2009-03-12"
    assert date("Titre\nMis à jour le 12.03.2009\nCorps") == "2009-03-12"
    assert date("Titre\nPublié le 12 déc. 2009\nCorps") == "2009-12-12"
    assert date("Title\nLast updated: 12th March 2009\nBody") == "2009-03-12"
    assert date("Title\nUpdated 03/25/2009\nBody") == "2009-03-25"  # month first: 25 > 12
    assert date("Titre\nLe 10/05/1981, Mitterrand a été élu président face à Valéry "
                "Giscard d'Estaing.\nSuite.") is None
    # A wire story's dateline opens its first paragraph (2026 audit: archives of AFP and
    # Reuters copy were dated by the files' time).
    assert date("Titre\nPARIS, 3 mai 2019 (AFP) - Les discussions ont repris hier entre "
                "les partis de la majorité.") == "2019-05-03"
    assert date("Title\nWASHINGTON, May 3, 2019 (Reuters) — Talks resumed on Friday "
                "between the two parties.") == "2019-05-03"
    assert date("Titre\nLE HAVRE, 12 mars 2020 - Le maire a parlé aux habitants.") == \
        "2020-03-12"
    assert date("Titre\nLe 10 mai 1981, Mitterrand était élu - et tout changeait.") is None


def test_language_detection_and_hints():
    assert detect_language("Le gouvernement a présenté hier son projet de loi sur les "
                           "retraites devant l'Assemblée nationale, suscitant la colère des "
                           "syndicats.") == "fr"
    assert detect_language("The President met congressional leaders at the White House on "
                           "Tuesday to discuss the budget and the debt ceiling.") == "en"
    assert detect_language("Macron.", "fr") == "fr"


def test_canonical_url_drops_tracking_and_fragment():
    assert canonical_url("HTTPS://Www.Lemonde.fr:443/politique/article.html?utm_source=rss"
                         "&xtor=RSS-3208&id=42&fbclid=abc#comments") == \
        "https://www.lemonde.fr/politique/article.html?id=42"


def test_a_stray_byte_does_not_garble_a_utf8_page():
    body = ARTICLE.format(charset="utf-8").encode("utf-8").replace(b"Lyon</h1>",
                                                                  b"Lyon\xff</h1>")
    text = decode(body, None)
    assert "Ségolène Royal a réuni" in text and "pacte présidentiel" in text


def test_hard_wrapped_text_is_joined_into_paragraphs():
    note = ("Note de veille\n\nLa campagne s'organise autour du face-à-face entre François\n"
            "Hollande et Nicolas Sarkozy, qui a lancé hier son offensive contre\n"
            "Marine Le Pen.\nDeuxième paragraphe.")
    text = extract_text(note).text
    assert "entre François Hollande et Nicolas Sarkozy" in text
    assert "offensive contre Marine Le Pen." in text
    assert text.endswith("Marine Le Pen.\nDeuxième paragraphe.")
    # A long link under a short note set the width the lines were measured against: the
    # note stayed cut, "François" and "Hollande" apart (review).
    link = ("\nSource : https://www.example.org/actualites/2026/03/20/communique-officiel-de-"
            "la-presidence-sur-l-entretien-avec-francois-hollande?utm_source=newsletter")
    assert "entre François Hollande et Nicolas Sarkozy" in extract_text(note + link).text


def test_a_long_headline_stays_apart_from_its_dateline_and_first_paragraph():
    """A headline of 50 characters or more, with no full stop, was taken for a wrapped
    line: the title, the dateline and the first paragraph became one sentence, so the
    headline's names counted as the lead's and every quote began with the title
    (dashboard audit: 7 of 21 headlines)."""
    note = ("Starmer wins landslide as Reform UK breaks through\n"
            "Updated July 5, 2024\n"
            "Keir Starmer led Labour to a landslide victory, ending fourteen years of "
            "Conservative government. Nigel Farage won Clacton.\n"
            "Rishi Sunak conceded defeat.")
    got = extract_text(note)
    assert got.title == "Starmer wins landslide as Reform UK breaks through"
    assert got.text.split("\n")[:3] == ["Starmer wins landslide as Reform UK breaks through",
                                        "Updated July 5, 2024",
                                        "Keir Starmer led Labour to a landslide victory, ending "
                                        "fourteen years of Conservative government. Nigel "
                                        "Farage won Clacton."]
    assert got.published_at.date() == dt.date(2024, 7, 5)
    # A wrapped text under a long title is still joined, the title still apart.
    wrapped = ("Présidentielle : Ségolène Royal et Nicolas Sarkozy face à face ce soir\n"
               "Le débat d'entre-deux-tours a opposé mercredi soir Ségolène Royal, la\n"
               "candidate du Parti socialiste, à Nicolas Sarkozy, candidat de l'UMP.\n")
    lines = extract_text(wrapped).text.split("\n")
    assert lines[0] == "Présidentielle : Ségolène Royal et Nicolas Sarkozy face à face ce soir"
    assert lines[1].startswith("Le débat") and lines[1].endswith("candidat de l'UMP.")


def test_a_page_dated_only_by_a_line_of_its_text_takes_that_date():
    """No metadata, no <time>: the page's date is a line under its headline. It was
    dated when collected, and counted in the current week of every trend (dashboard
    audit); on trafilatura's 990 evaluation pages, 5 get a date this way, each their
    own ("21.01.2022", "Datum 25.01.2022", "January 22, 2014")."""
    def page(line: str) -> str:
        return ("<html><head><title>Trump threatens new tariffs on Europe</title></head>"
                "<body><article><h1>Trump threatens new tariffs on Europe</h1>"
                f"<p>{line}</p><p>Donald Trump threatened new tariffs on European goods. "
                "Emmanuel Macron called for a united European response, and Democrats in "
                "Congress criticised the plan.</p><p>Barack Obama, speaking in Berlin, "
                "warned against a trade war.</p></article></body></html>")

    assert extract_html(page("Published October 2, 2026")).published_at.date() == dt.date(
        2026, 10, 2)
    assert extract_html(page("Par Jean Dupont, le 2 octobre 2026 à 10h32")
                        ).published_at.date() == dt.date(2026, 10, 2)
    # A date inside a sentence is what the text is about, not when it was written.
    about = page("Le 10 mai 1981, François Mitterrand était élu président de la République "
                 "face à Valéry Giscard d'Estaing.")
    assert extract_html(about).published_at is None
    # Nor a caption's date, nor a headline's (review): the page is about that day.
    assert extract_html(page("Photo prise le 10 mai 1981")).published_at is None
    assert extract_html(page("Par notre rédaction").replace(
        "Trump threatens new tariffs on Europe", "Souvenirs du 10 mai 1981")
    ).published_at is None


def test_a_feeds_html_titles_are_text_and_its_future_dates_are_not_believed():
    """A feed that writes its titles as HTML, and an item dated next January: the title
    reached the exports as "Macron &amp; Le Pen <i>face</i>", and the date put the item
    at the head of every newest-first list until then."""
    from tracker.prepare import article_from_body
    from tracker.sources import parse_feed

    feed = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
            b"<item><title>Macron &amp;amp; Le Pen &lt;i&gt;face&lt;/i&gt; &amp;agrave; "
            b"face</title><link>https://ex.org/a</link>"
            b"<pubDate>Fri, 01 Jan 2027 10:00:00 GMT</pubDate></item>"
            b"<item><title>Le PS &amp; l'UMP</title><link>https://ex.org/b</link>"
            b"<pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate></item>"
            b"</channel></rss>")
    items, _ = parse_feed(feed, "https://ex.org/feed.xml")
    assert sorted(i.title for i in items) == ["Le PS & l'UMP", "Macron & Le Pen face à face"]
    fetched = dt.datetime(2026, 11, 28, 12, tzinfo=dt.timezone.utc)
    page = ("<html><body><article><p>Emmanuel Macron et Marine Le Pen débattent ce soir à "
            "Paris, devant des millions de téléspectateurs.</p></article></body></html>"
            ).encode()
    dated = {i.url: article_from_body(page, source="s", url=i.url, feed_item=i,
                                      fetched_at=fetched)[0] for i in items}
    assert (dated["https://ex.org/a"].published_at, dated["https://ex.org/a"].date_source) \
        == (fetched, "fetch")
    assert dated["https://ex.org/b"].date_source == "feed"
    # A few hours ahead is a time zone, not a typo.
    soon = dataclasses.replace(items[0], published_at=fetched + dt.timedelta(hours=5))
    assert article_from_body(page, source="s", url="https://ex.org/a", feed_item=soon,
                             fetched_at=fetched)[0].date_source == "feed"
    # A file whose time is years ahead (a clock set wrong) is no more believed than a
    # dateline would be: it set the default windows to 2031 (2026 audit).
    ahead = article_from_body(b"Note\n\nLe PS se reunit.", source="s", url="file:///n.txt",
                              is_html=False, fetched_at=fetched,
                              file_time=dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc))[0]
    assert (ahead.published_at, ahead.date_source) == (fetched, "fetch")


def test_a_placeholder_date_of_1900_or_the_epoch_is_not_believed():
    """A CMS writes 1900-01-01 or the Unix epoch for "no date": the item's mentions counted
    in 1900 in every figure. Feeds began in 1999; an item dated before 1990 falls back to
    the page's own date, or the fetch. A file's time of 1970 is a reset clock; a dateline
    of 1988 written in an archived text is believed."""
    from tracker.prepare import article_from_body
    from tracker.sources import FeedItem

    fetched = dt.datetime(2026, 11, 28, 12, tzinfo=dt.timezone.utc)
    page = ("<html><body><article><p>Emmanuel Macron et Marine Le Pen débattent ce soir à "
            "Paris, devant des millions de téléspectateurs.</p></article></body></html>"
            ).encode()
    for placeholder in (dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc),
                        dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)):
        item = FeedItem(url="https://ex.org/a", title="t", published_at=placeholder)
        article = article_from_body(page, source="s", url=item.url, feed_item=item,
                                    fetched_at=fetched)[0]
        assert (article.published_at, article.date_source) == (fetched, "fetch")
    item = FeedItem(url="https://ex.org/a", title="t",
                    published_at=dt.datetime(2001, 9, 12, tzinfo=dt.timezone.utc))
    assert article_from_body(page, source="s", url=item.url, feed_item=item,
                             fetched_at=fetched)[0].date_source == "feed"
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    reset = article_from_body(b"Note\n\nLe PS se reunit.", source="s", url="file:///n.txt",
                              is_html=False, fetched_at=fetched, file_time=epoch)[0]
    assert (reset.published_at, reset.date_source) == (fetched, "fetch")
    old = article_from_body("Note\n\nParis, le 8 mai 1988\n\nFrançois Mitterrand est "
                            "réélu.".encode(), source="s", url="file:///m.txt",
                            is_html=False, fetched_at=fetched, file_time=epoch)[0]
    assert old.published_at.date() == dt.date(1988, 5, 8)


def test_random_bytes_named_txt_are_no_document():
    """An image or an archive saved as .txt in a files source was stored as a document of
    garbage ("Žý×ˆ>˜", title and all) and listed in exports and the dashboard. It gives
    no text now, as the same bytes served as a page do; a text with a stray control
    character or two is still text."""
    import random

    from tracker.extract import decode, extract_text

    noise = random.Random(7).randbytes(5000)
    assert extract_text(decode(noise)).text == ""
    note = "Note\n\nLe PS se réunit\x0c demain à Paris.\x00\n" + "Olivier Faure parle. " * 20
    assert "Olivier Faure" in extract_text(decode(note.encode("cp1252"))).text
    # cp1252's curly apostrophes read as latin-9 are C1 controls: still a text.
    curly = "Note\n\n" + "L’UMP et l’élu d’Olivier Faure qu’on attend. " * 30
    assert "Olivier Faure" in extract_text(decode(curly.encode("cp1252"), "iso-8859-15")).text


def test_read_also_paragraphs_are_another_storys_names():
    """A press officer counts Mélenchon in an article about the budget: the "À lire aussi"
    paragraph pointing to another article named him. Such pointers are left out; a
    sentence that merely starts with the same words is kept."""
    body = "".join(f"<p>{p}</p>" for p in [
        "Michel Barnier a annoncé lundi le recours au 49.3 pour faire adopter le budget de "
        "la Sécurité sociale, au terme de semaines de négociations avec les groupes.",
        "<strong>À lire aussi :</strong> <a href='/b'>Jean-Luc Mélenchon réclame la "
        "démission d'Emmanuel Macron</a>",
        "LIRE AUSSI &gt;&gt; Marine Le Pen menace de voter la censure",
        "Read more: Jordan Bardella sets out his conditions",
        "Lire aussi le rapport de la Cour des comptes, publié mardi, qui juge la trajectoire "
        "des finances publiques intenable sans mesures nouvelles.",
        "Le vote de la motion de censure doit avoir lieu mercredi à l'Assemblée nationale, "
        "en fin d'après-midi, selon la conférence des présidents."])
    html = (f"<html lang='fr'><head><title>Budget : le 49.3</title></head><body><article>"
            f"<h1>Budget : le 49.3</h1>{body}</article></body></html>")
    text = extract_html(html, "https://example.org/budget").text
    assert "Barnier" in text and "Cour des comptes" in text and "mercredi" in text
    assert not any(name in text for name in ("Mélenchon", "Le Pen", "Bardella"))


def test_a_headline_longer_than_the_shared_title_counts_once():
    """The page's title for sharing is shorter than its <h1>: both lines were kept, so
    every name in the headline counted twice."""
    html = ("<html lang='fr'><head><meta property='og:title' content='Retraites : Élisabeth "
            "Borne engage le 49.3'><title>Retraites : Élisabeth Borne engage le 49.3 - Le "
            "Quotidien</title></head><body><article><p>Politique</p><h1>Retraites : Élisabeth "
            "Borne engage le 49.3 à l'Assemblée, la gauche dépose une motion</h1><p>La "
            "Première ministre a annoncé jeudi après-midi le recours à l'article 49.3 devant "
            "les députés, faute de majorité assurée pour le vote de la réforme.</p><p>Les "
            "groupes de gauche ont aussitôt annoncé le dépôt d'une motion de censure, que "
            "le groupe centriste LIOT pourrait rejoindre.</p></article></body></html>")
    extracted = extract_html(html, "https://example.org/retraites")
    assert extracted.text.count("Élisabeth Borne") == 1
    # A lede beginning as the title does, ending on a quotation, is not the headline.
    lede = html.replace("<p>La Première ministre", "<p>Retraites : Élisabeth Borne engage "
                        "le 49.3, « et je ne reculerai pas », a-t-elle lancé. »</p><p>La "
                        "Première ministre").replace(
        "<h1>Retraites : Élisabeth Borne engage le 49.3 à l'Assemblée, la gauche dépose une "
        "motion</h1>", "")
    text = extract_html(lede, "https://example.org/r").text
    assert text.startswith("Retraites : Élisabeth Borne engage le 49.3\n")
    assert "\nRetraites : Élisabeth Borne engage le 49.3, « et je ne reculerai pas »" in text
    assert extracted.text.startswith("Retraites : Élisabeth Borne engage le 49.3 à l'Assemblée")


def test_western_pages_decode_as_such_when_detection_guesses_otherwise():
    """A cp1252 page with no charset that detection takes for cp1250 ("Ségolčne"), and a
    page labelled UTF-8 with three stray bytes that detection took for iso8859-10
    ("SÃĐgolÃĻne"): both lost their names."""
    cp1252 = ("<html><body><p>Ségolène Royal a présenté jeudi à Villepinte son pacte "
              "présidentiel. Très applaudie, elle a répondu à l'UMP.</p></body></html>")
    assert "Ségolène Royal a présenté" in decode(cp1252.encode("cp1252"))
    stray = ("<html><head><meta charset='utf-8'></head><body><p>Ségolène Royal et Jean-Luc "
             "Mélenchon à Paris.</p></body></html>").encode().replace(
                 b"Paris", b"Pa\xff\xfe\xc3ris")
    text = decode(stray)
    assert "Ségolène Royal et Jean-Luc Mélenchon" in text and text.count("\ufffd") == 3
    # A page in another script keeps its detected code page.
    russian = "<html><body><p>Президент выступил с заявлением о новых мерах.</p></body></html>"
    assert "Президент выступил" in decode(russian.encode("cp1251"))
    # Mislabelled the other way, cp1252 bytes under a UTF-8 label, still read as cp1252.
    assert "présidentiel" in decode(cp1252.encode("cp1252").replace(
        b"<html>", b"<html><meta charset='utf-8'>"))


def _page(body: str, head: str = "", lang: str = "fr") -> str:
    return (f"<html lang='{lang}'><head><meta charset='utf-8'><title>Budget</title>{head}"
            f"</head><body>{body}</body></html>")


_BUDGET = ("<p>Le projet de loi de finances a été présenté mardi en commission des finances, "
           "où les débats ont duré jusque tard dans la nuit selon plusieurs élus.</p>"
           "<p>Le rapporteur général a défendu un texte sincère malgré un déficit attendu "
           "au-dessus de 5 % du produit intérieur brut cette année.</p>")


def test_a_page_without_a_date_of_its_own_is_not_dated_by_its_sidebar_or_its_comments():
    """A researcher's trend put a 2025 article in May 2019: the page gave no date, and the
    oldest <time> on it was a sidebar link's. Readers' comments and other stories' links
    date nothing; the page's own date still counts."""
    sidebar = ("<aside><ul><li><a href='/x'>Bardella en tête</a> <time datetime='2019-05-26'>"
               "26 mai 2019</time></li><li><a href='/z'>Les résultats ville par ville</a> "
               "<time datetime='2019-05-27'>27 mai 2019</time></li></ul></aside>")
    related = ("<div class='related-posts'><a href='/y'>Le Pen</a> <time datetime='2017-05-07'>"
               "7 mai 2017</time> <a href='/w'>Macron élu</a></div>")
    comments = ("<section class='comments'><time datetime='2025-03-12T10:00:00+01:00'>12 mars"
                "</time><p>Bien vu.</p></section>")
    archive = ("<aside><h3>Archives</h3><ul><li><a href='/x'>Bardella tête de liste</a> "
               "<time datetime='2019-05-26'>26 mai 2019</time></li></ul></aside>")
    cards = "".join(f"<article><a href='/s{i}'>Bardella présente la liste numéro {i} pour "
                    f"les européennes</a><time datetime='2019-05-2{i}'>2{i} mai</time>"
                    "</article>" for i in range(4))  # teaser cards, longer than the text
    for extra in (sidebar, related, archive, sidebar + comments,
                  f"<div class='reactions'>{comments}</div>", f"<aside>{cards}</aside>",
                  f"<div class='related'>{cards}</div>"):
        page = extract_html(_page(f"<article><h1>Budget</h1>{_BUDGET}</article>{extra}"))
        assert page.published_at is None, extra
        assert "rapporteur" in page.text
    dated = extract_html(_page(f"<article><h1>Budget</h1>{_BUDGET}</article>{sidebar}",
                               "<meta property='article:published_time' "
                               "content='2025-03-03T10:00:00+01:00'>"))
    assert dated.published_at == dt.datetime(2025, 3, 3, 9, tzinfo=dt.timezone.utc)
    # An <aside> beside the article holding its own date and share buttons is no list of
    # other stories: its date stays the page's.
    meta = ("<aside><ul><li>Politique</li><li class='date'>03.03.2025</li><li><a href='#'>"
            "Partager</a></li><li><a href='https://www.facebook.com/sharer/sharer.php?u=x'>"
            "Facebook</a></li></ul></aside>")
    own = extract_html(_page(f"{meta}<article><h1>Budget</h1>{_BUDGET}</article>{sidebar}"))
    assert own.published_at == dt.datetime(2025, 3, 3, tzinfo=dt.timezone.utc)


def test_other_ways_of_pointing_to_another_story_are_left_out():
    """Each pointer to another story counted its names: "Lire aussi notre décryptage :",
    "► Sur le même sujet :", "Notre dossier …", "Read more about …", a newsletter's call,
    a photo's credit line, a "Les plus lus" heading over its links. The article's own
    sentences starting with the same words stay."""
    pointers = [
        "À lire également sur le même sujet : Jordan Bardella dénonce un budget de matraquage",
        "Lire aussi notre décryptage : Marine Le Pen prépare une motion de censure",
        "► Sur le même sujet : Marine Le Pen et la censure du gouvernement",
        "<b>Notre dossier</b> Jean-Luc Mélenchon et LFI face à la présidentielle 2027",
        "Read more about Nigel Farage’s plan to scrap net zero targets",
        "Pour recevoir notre newsletter politique avec les déclarations d’Emmanuel Macron, "
        "inscrivez-vous ici.",
        "<strong>Thanks for reading!</strong> Subscribe for free to receive new posts about "
        "Donald Trump in your inbox.",
        "<img src='a.jpg'><br><em>Gabriel Attal à Matignon, le 2 mars 2024. Photo Ludovic "
        "Marin / AFP</em>",
    ]
    kept = ["Lire aussi le rapport de la Cour des comptes, publié mardi, qui juge la "
            "trajectoire des finances publiques intenable.",
            "François Bayrou a publié une photo de la séance sur les réseaux sociaux.",
            "Michel Barnier a invité les députés à s'abonner à la lettre de Matignon.",
            "Voir aussi Yaël Braun-Pivet, qui a convoqué la conférence des présidents",
            "Crédit d'impôt : ce que prévoit le plan de Bruno Retailleau",
            "Lire aussi le rapport — publié mardi — qui accable Gérald Darmanin.",
            "Photos Sébastien Lecornu Et Manuel Valls En Meeting"]
    body = _BUDGET + "".join(f"<p>{p}</p>" for p in pointers + kept)
    most_read = ("<h2>Les plus lus</h2><p><a href='/a'>Éric Ciotti quitte LR</a></p>"
                 "<ul><li><a href='/b'>Édouard Philippe candidat</a></li></ul>")
    related = ("<h3>Related</h3><p><a href='/c'>Olivier Faure réélu</a></p><p>Les "
               "discussions reprendront jeudi en séance publique avec Yaël Braun-Pivet.</p>")
    text = extract_html(_page(f"<article><h1>Budget</h1>{body}{most_read}{related}"
                              "</article>")).text
    for name in ("Bardella", "Le Pen", "Mélenchon", "Farage", "Macron", "Trump", "Attal",
                 "Ciotti", "Philippe", "Faure", "Plus lus"):
        assert name not in text, name
    for name in ("Cour des comptes", "Bayrou", "Barnier", "Braun-Pivet", "rapporteur",
                 "Retailleau", "conférence des présidents", "Darmanin", "Valls"):
        assert name in text, name


def test_a_long_line_of_names_and_slashes_is_read_at_once():
    """A caption of agencies and slashes ending in a lower-case word made the credit rule
    try every way to split it: 22 s for 136 characters, a worker stalled."""
    line = "Photo AFP/" + "POOL/" * 60 + " via x"
    assert drop_pointer_lines(f"Texte.\n{line}") == f"Texte.\n{line}"


def test_a_pull_quote_is_counted_once():
    """A pull-quote repeats a sentence of the article in large type: "Macron" counted
    twice. The sentence is kept where the article says it."""
    quote = "« Emmanuel Macron nous a laissé une dette record »"
    body = (f"{_BUDGET}<blockquote class='pullquote'><p>{quote}</p></blockquote>"
            f"<p>{quote}, a lancé un député pendant la séance, sous les applaudissements de "
            "l’opposition.</p>")
    text = extract_html(_page(f"<article><h1>Budget</h1>{body}</article>")).text
    assert text.count("Emmanuel Macron") == 1 and "sous les applaudissements" in text


def test_a_page_whose_text_is_only_in_its_linked_data_is_read():
    """A site drawn by its scripts sends an empty <div id="root">, and the article in its
    schema.org data: it was "no main text found", and its mentions lost."""
    data = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "name": "Politique"},
        {"@type": ["NewsArticle"], "headline": "Trump signs tariffs order",
         "datePublished": "2025-03-04T23:02:11Z", "author": [{"@type": "Person",
                                                             "name": "Ana Swanson"}],
         "articleBody": "President Trump on Tuesday signed an executive order raising "
                        "tariffs.\n\nJustin Trudeau announced counter-tariffs."}]}
    html = _page("<div id='root'></div>", "<script type='application/ld+json'>"
                 f"{json.dumps(data)}</script>", lang="en")
    page = extract_html(html)
    assert page.text == ("Trump signs tariffs order\nPresident Trump on Tuesday signed an "
                         "executive order raising tariffs.\nJustin Trudeau announced "
                         "counter-tariffs.")
    assert page.title == "Trump signs tariffs order" and page.author == "Ana Swanson"
    assert page.published_at == dt.datetime(2025, 3, 4, 23, 2, 11, tzinfo=dt.timezone.utc)
    assert extract_html(_page("<div id='root'></div>")).text == ""
    # Written in HTML, its links and emphasis stay in their sentence; odd data is no crash.
    for data, text in (
            ({"@type": "NewsArticle", "articleBody": "<p>Le président <a href='/m'>Emmanuel "
              "Macron</a> a réuni <em>hier</em> les ministres.</p><p>Marine Le Pen &amp; "
              "Jordan Bardella réagissent.</p>"},
             "Le président Emmanuel Macron a réuni hier les ministres.\nMarine Le Pen & "
             "Jordan Bardella réagissent."),
            ({"@type": {"bad": 1}, "articleBody": "Texte."}, ""),
            ({"@type": "NewsArticle", "articleBody": "<?xml version='1.0' encoding='utf-8'?>"
              "<p>Gabriel Attal répond.</p>"}, "Gabriel Attal répond.")):
        html = _page("<div id='root'></div>", "<script type='application/ld+json'>"
                     f"{json.dumps(data)}</script>", lang="fr")
        assert extract_html(html).text == text
