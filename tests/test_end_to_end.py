"""A press officer's story: a French news feed on a loopback server, one pass of
`tracker run --once`, then `tracker mentions` and `tracker export` read the result."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from tests.conftest import serve_site, write_config
from tracker.cli import cli
from tracker.tag import TAGGER_VERSION

ROYAL = "/articles/royal-sarkozy-premier-tour.html"
PRIMAIRE = "/articles/sarkozy-primaire.html"
OBAMA = "/articles/obama-paris.html"

# (entity, party at the article's date, text as written), in reading order. The French
# headlines come first: the page's <h1> is tagged with the body.
EXPECTED = {
    ROYAL: [
        ("segolene-royal", "ps", "Ségolène Royal"),
        ("nicolas-sarkozy", "ump", "Nicolas Sarkozy"),
        ("segolene-royal", "ps", "Ségolène Royal"),
        ("nicolas-sarkozy", "ump", "Nicolas Sarkozy"),
        ("ps", "ps", "Parti socialiste"),
        ("segolene-royal", "ps", "Royal"),  # "Mme Royal", after her full name
        ("ump", "ump", "UMP"),  # "l’UMP"
        ("nicolas-sarkozy", "ump", "Nicolas Sarkozy"),
        ("francois-bayrou", "udf", "François Bayrou"),  # UDF until MoDem (Dec. 2007)
        ("udf", "udf", "UDF"),
    ],
    PRIMAIRE: [
        ("nicolas-sarkozy", "lr", "Nicolas Sarkozy"),  # 2016: UMP has become LR
        ("nicolas-sarkozy", "lr", "Nicolas Sarkozy"),
        ("lr", "lr", "Les Républicains"),
        ("alain-juppe", "lr", "Alain Juppé"),
        ("francois-fillon", "lr", "François Fillon"),
        ("francois-hollande", "ps", "Hollande"),  # "le président Hollande"
        ("ps", "ps", "Parti socialiste"),
        ("marine-le-pen", "fn", "Marine Le Pen"),  # FN until June 2018
        ("fn", "fn", "Front national"),
    ],
    OBAMA: [
        ("barack-obama", "democratic-party", "Obama"),
        ("barack-obama", "democratic-party", "Barack Obama"),
        ("nicolas-sarkozy", "ump", "Nicolas Sarkozy"),
        ("nicolas-sarkozy", "ump", "Sarkozy"),  # "Mr Sarkozy"
        ("democratic-party", "democratic-party", "Democratic Party"),
    ],
}
# Named only in menus, "most read" sidebars, related links or comments.
BOILERPLATE_ONLY = {"jean-luc-melenchon", "jean-marie-le-pen", "dominique-de-villepin",
                    "emmanuel-macron", "manuel-valls", "hillary-clinton", "lfi"}


def _quotidien(folder, site):
    return write_config(folder, [{"name": "quotidien", "kind": "feed",
                                  "url": site.url("/feed.xml"), "lang": "fr"}])


@pytest.fixture(scope="module")
def one_pass(tmp_path_factory):
    """One `tracker run --once` over the loopback feed, for the whole module: the server,
    the database it left and the server's log of the pass's requests."""
    with serve_site() as shared:
        folder = tmp_path_factory.mktemp("one-pass")
        result = CliRunner().invoke(cli, ["run", "--once", "--config",
                                          str(_quotidien(folder, shared))])
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in folder.iterdir()) == ["config.yaml", "tracker.db"]
        with shared.lock:
            log = list(shared.requests), list(shared.times)
        yield shared, folder / "tracker.db", log


@pytest.fixture
def site(one_pass):
    """This module's loopback server (the one the pass read), its log and routes emptied."""
    shared = one_pass[0]
    with shared.lock:
        for kept in (shared.routes, shared.requests, shared.sequences, shared.times,
                     shared.drip, shared.custom):
            kept.clear()
    return shared


@pytest.fixture
def ran(one_pass, site, tmp_path):
    """The pass's database, copied for this test, and a config naming the copy; the
    server's log holds the pass's requests again. Returns (config path, db path)."""
    _, db, (requests, times) = one_pass
    shutil.copy(db, tmp_path / "tracker.db")
    with site.lock:
        site.requests.extend(requests)
        site.times.extend(times)
    return _quotidien(tmp_path, site), tmp_path / "tracker.db"


def _stored(db_path):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    return conn


def test_one_pass_stores_exactly_the_article_mentions(ran, site):
    _, db_path = ran
    conn = _stored(db_path)
    for path, expected in EXPECTED.items():
        rows = conn.execute(
            "SELECT m.entity_id, m.party_id, m.surface FROM mentions m "
            "JOIN documents d ON d.id = m.document_id WHERE d.url = ? ORDER BY m.start",
            [site.url(path)]).fetchall()
        assert [tuple(r) for r in rows] == expected, path
    linked = {r[0] for r in conn.execute("SELECT DISTINCT entity_id FROM mentions")}
    assert not linked & BOILERPLATE_ONLY


def test_documents_keep_canonical_url_feed_date_title_and_language(ran, site):
    _, db_path = ran
    docs = {r["url"]: r for r in _stored(db_path).execute("SELECT * FROM documents")}
    # utm_*/xtor parameters and the #comments fragment are gone: one identity per article.
    assert set(docs) == {site.url(p) for p in EXPECTED}
    royal = docs[site.url(ROYAL)]
    assert royal["published_at"] == "2007-04-12T06:15:00Z"
    assert royal["date_source"] == "feed"
    assert royal["title"].startswith("Présidentielle : Ségolène Royal")
    assert royal["lang"] == "fr"
    assert docs[site.url(OBAMA)]["lang"] == "en"
    assert "Les plus lus" not in royal["text"] and "Mentions légales" not in royal["text"]


def test_robots_txt_disallowed_article_is_never_fetched(ran, site):
    _, db_path = ran
    assert site.hits("/robots.txt") == 1
    assert site.hits("/prive/coulisses.html") == 0
    errors = [r["error"] for r in _stored(db_path).execute(
        "SELECT error FROM fetches WHERE outcome = 'error'")]
    assert any("robots.txt" in e for e in errors)


def test_second_pass_stores_nothing_new(ran, site):
    config, db_path = ran
    before = _stored(db_path).execute(
        "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM mentions)").fetchone()
    result = CliRunner().invoke(cli, ["run", "--once", "--config", str(config)])
    assert result.exit_code == 0, result.output
    after = _stored(db_path).execute(
        "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM mentions)").fetchone()
    assert tuple(after) == tuple(before) == (3, 24)
    feed_requests = [h for _, p, h in site.requests if p == "/feed.xml"]
    assert len(feed_requests) == 2 and "If-None-Match" in feed_requests[1]  # answered 304
    assert site.hits(ROYAL) == 1


def _mentions(config, *args) -> list[dict]:
    result = CliRunner().invoke(cli, ["mentions", "--config", str(config), "--format", "csv",
                                      *args])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_mentions_by_party_count_the_party_and_its_members(ran):
    config, _ = ran
    rows = _mentions(config, "--party", "PS")
    assert sorted((r["entity"], r["surface"]) for r in rows) == sorted([
        ("Ségolène Royal", "Ségolène Royal"), ("Ségolène Royal", "Ségolène Royal"),
        ("Ségolène Royal", "Royal"), ("Parti socialiste", "Parti socialiste"),
        ("François Hollande", "Hollande"), ("Parti socialiste", "Parti socialiste"),
    ])
    assert {r["party"] for r in rows} == {"Parti socialiste"}
    assert [r["published_at"][:10] for r in rows] == ["2016-08-23"] * 2 + ["2007-04-12"] * 4
    direct = _mentions(config, "--party", "parti socialiste", "--direct")
    assert [r["entity"] for r in direct] == ["Parti socialiste"] * 2
    recent = _mentions(config, "--party", "PS", "--since", "2016-01-01")
    assert len(recent) == 2


def test_mentions_filters_politician_alias_source_dates_lang_limit(ran):
    config, _ = ran
    assert len(_mentions(config, "--politician", "segolene ROYAL")) == 3
    assert len(_mentions(config, "--politician", "nicolas-sarkozy")) == 7
    assert len(_mentions(config, "--politician", "Sarkozy", "--until", "2009-12-31")) == 5
    assert len(_mentions(config, "--politician", "Sarkozy", "--lang", "en")) == 2
    assert len(_mentions(config, "--source", "quotidien", "--limit", "4")) == 4
    # A misspelt source is a usage error naming the real ones, not an empty answer.
    wrong = CliRunner().invoke(cli, ["mentions", "--config", str(config), "--source",
                                     "no-such-source"])
    assert wrong.exit_code == 2 and "known: quotidien" in wrong.output
    jsonl = CliRunner().invoke(cli, ["mentions", "--config", str(config), "--format", "jsonl",
                                     "--party", "UMP", "--direct"])
    assert [json.loads(line)["surface"] for line in jsonl.stdout.splitlines()] == ["UMP"]
    table = CliRunner().invoke(cli, ["mentions", "--config", str(config), "--party", "LR"])
    assert table.exit_code == 0 and "Alain Juppé" in table.output


def test_unknown_party_is_a_usage_error(ran):
    config, _ = ran
    result = CliRunner().invoke(cli, ["mentions", "--config", str(config), "--party", "XYZ"])
    assert result.exit_code == 2
    assert "unknown party 'XYZ'" in result.output


def test_export_writes_the_contract_columns(ran, site, tmp_path):
    config, _ = ran
    out = tmp_path / "ps.csv"
    result = CliRunner().invoke(cli, ["export", "--config", str(config), "--party", "PS",
                                      "--since", "2007-01-01", "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes().decode("utf-8")
    assert raw.splitlines()[0] == ("published_at,source,url,title,entity,entity_type,party,"
                                   "surface,sentence,lang")
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert len(rows) == 6
    assert rows[0] == {
        "published_at": "2007-04-12T06:15:00Z",
        "source": "quotidien",
        "url": site.url(ROYAL),
        "title": "Présidentielle : Ségolène Royal et Nicolas Sarkozy à une semaine du premier "
                 "tour",
        "entity": "Ségolène Royal",
        "entity_type": "politician",
        "party": "Parti socialiste",
        "surface": "Ségolène Royal",
        "sentence": "Présidentielle : Ségolène Royal et Nicolas Sarkozy à une semaine du premier "
                    "tour",
        "lang": "fr",
    }
    assert rows[3]["surface"] == "Royal" and rows[3]["sentence"] == (
        "Devant ses partisans, Mme Royal a défendu son « pacte présidentiel » et appelé à un "
        "vote utile dès le premier tour.")
    assert rows[2]["entity_type"] == "party" and rows[2]["party"] == "Parti socialiste"
    # An existing file is kept unless --force; '-o -' writes to stdout.
    again = CliRunner().invoke(cli, ["export", "--config", str(config), "-o", str(out)])
    assert again.exit_code == 1 and "--force" in again.output
    stdout = CliRunner().invoke(cli, ["export", "--config", str(config), "--politician",
                                      "Obama", "-o", "-"])
    assert len(list(csv.DictReader(io.StringIO(stdout.stdout)))) == 2


def test_sources_shows_health_and_counts(ran):
    config, _ = ran
    result = CliRunner().invoke(cli, ["sources", "--config", str(config), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["name"] == "quotidien" and row["last_status"] == "ok"
    assert row["documents"] == 3 and row["consecutive_failures"] == 0
    assert row["last_fetch_at"] and row["last_new_at"]


def test_one_article_through_two_feeds_and_two_urls_is_one_document(site, tmp_path):
    # A second feed links the AMP copy of the Royal article; the page names its canonical URL.
    amp = (site.resolve(ROYAL)[1].decode("utf-8")
           .replace("<body>", "<body><div class='amp-banner'>Version AMP</div>"))
    site.set("/amp/royal.html", amp)
    site.set("/feed-amp.xml", f"""<?xml version="1.0"?><rss version="2.0"><channel>
        <title>AMP</title><item><title>Royal et Sarkozy</title>
        <link>{site.url('/amp/royal.html')}?at_medium=social&amp;fbclid=XYZ</link>
        <pubDate>Thu, 12 Apr 2007 08:15:00 +0200</pubDate></item></channel></rss>""",
             content_type="application/rss+xml")
    config = write_config(tmp_path, [
        {"name": "amp", "kind": "feed", "url": site.url("/feed-amp.xml")},
        {"name": "quotidien", "kind": "feed", "url": site.url("/feed.xml")},
    ])
    runner = CliRunner()
    for name in ("amp", "quotidien"):
        result = runner.invoke(cli, ["run", "--once", "--config", str(config), "--source", name])
        assert result.exit_code == 0, result.output
    conn = _stored(tmp_path / "tracker.db")
    urls = [r[0] for r in conn.execute("SELECT url FROM documents ORDER BY url")]
    assert urls.count(site.url(ROYAL)) == 1 and len(urls) == 3
    assert site.hits(ROYAL) == 0  # known by its canonical URL: the second copy is not fetched


def test_a_link_renamed_by_its_canonical_url_is_not_fetched_again(site, tmp_path):
    site.set("/amp/royal.html", site.resolve(ROYAL)[1])  # names ROYAL as its canonical URL
    site.set("/feed-amp.xml", f"""<?xml version="1.0"?><rss version="2.0"><channel>
        <title>AMP</title><item><title>Royal</title><link>{site.url('/amp/royal.html')}</link>
        <pubDate>Thu, 12 Apr 2007 08:15:00 +0200</pubDate></item></channel></rss>""",
             content_type="application/rss+xml")
    config = write_config(tmp_path, [{"name": "amp", "kind": "feed",
                                      "url": site.url("/feed-amp.xml")}])
    for _ in range(2):
        site.set("/feed-amp.xml", site.routes["/feed-amp.xml"][1] + b" ")  # defeat the 304
        assert CliRunner().invoke(cli, ["run", "--once", "--config", str(config)]).exit_code == 0
    assert site.hits("/amp/royal.html") == 1


def test_an_article_whose_canonical_address_failed_once_is_still_stored(site, tmp_path):
    """A feed's link gave a 404 (held for a week); the same article, reached through its
    AMP copy that names that address canonical, was taken as stored and lost."""
    site.set("/story.html", "gone", status=404)
    page = site.resolve(ROYAL)[1].decode().replace(
        "<head>", f"<head><link rel='canonical' href='{site.url('/story.html')}'>", 1)
    site.set("/amp/story.html", page)
    for name, path in (("first", "/story.html"), ("second", "/amp/story.html")):
        site.set(f"/{name}.xml", f"""<?xml version="1.0"?><rss version="2.0"><channel>
            <title>{name}</title><item><title>Royal</title><link>{site.url(path)}</link>
            </item></channel></rss>""", content_type="application/rss+xml")
    config = write_config(tmp_path, [
        {"name": "first", "kind": "feed", "url": site.url("/first.xml")},
        {"name": "second", "kind": "feed", "url": site.url("/second.xml")}])
    CliRunner().invoke(cli, ["run", "--once", "--config", str(config), "--source", "first"])
    CliRunner().invoke(cli, ["run", "--once", "--config", str(config), "--source", "second"])
    stored = sqlite3.connect(tmp_path / "tracker.db").execute(
        "SELECT source, url FROM documents").fetchall()
    assert stored == [("second", site.url("/story.html"))]


def test_articles_that_all_name_one_canonical_url_are_each_kept(site, tmp_path):
    """A CMS misconfigured to name the home page, or one article, as every page's
    canonical URL: the second and third articles were taken for the first and lost for
    good (their links were marked seen)."""
    texts = ["Marine Tondelier a présenté lundi la liste des Écologistes pour les élections "
             "européennes, menée par une ancienne militante associative du Nord.",
             "Olivier Faure réunit mardi le conseil national du Parti socialiste pour "
             "trancher la question des alliances avant les élections municipales.",
             "Fabien Roussel a annoncé mercredi que le Parti communiste présenterait ses "
             "propres candidats dans les grandes villes au premier tour."]
    items = ""
    for n, text in enumerate(texts):
        canonical = "/" if n < 2 else "/news/0"  # the site's root, then the first article
        site.set(f"/news/{n}", f"<html lang='fr'><head><title>Article {n}</title><link "
                                f"rel='canonical' href='{canonical}'></head><body><article>"
                                f"<h1>Article {n}</h1><p>{text}</p></article></body></html>")
        items += f"<item><title>Article {n}</title><link>{site.url(f'/news/{n}')}</link></item>"
    site.set("/cms.xml", f"<?xml version='1.0'?><rss version='2.0'><channel><title>CMS"
                         f"</title>{items}</channel></rss>", content_type="application/rss+xml")
    config = write_config(tmp_path, [{"name": "cms", "kind": "feed", "url": site.url("/cms.xml")}])
    assert CliRunner().invoke(cli, ["run", "--once", "--config", str(config)]).exit_code == 0
    urls = [u for (u,) in _stored(tmp_path / "tracker.db").execute(
        "SELECT url FROM documents ORDER BY rowid")]
    assert urls == [site.url("/news/0"), site.url("/news/1"), site.url("/news/2")]


def test_each_mention_records_position_method_confidence_and_versions(ran, site):
    config, db_path = ran
    rows = _stored(db_path).execute(
        "SELECT m.surface, m.position, m.method, m.confidence, m.kb_version, m.tagger_version "
        "FROM mentions m JOIN documents d ON d.id = m.document_id WHERE d.url = ? "
        "ORDER BY m.start", [site.url(ROYAL)]).fetchall()
    assert [(r[0], r[1]) for r in rows[:4]] == [
        ("Ségolène Royal", "title"), ("Nicolas Sarkozy", "title"),
        ("Ségolène Royal", "lead"), ("Nicolas Sarkozy", "lead")]
    assert {r[1] for r in rows[4:]} == {"body"}
    royal = rows[5]
    assert royal[0] == "Royal" and royal[2] == "coreference" and royal[3] == 0.95
    assert rows[0][2] == "rule" and rows[0][3] == 0.99
    assert all(r[4] and r[5].startswith(f"{TAGGER_VERSION}+kb.") for r in rows)
    titles = _mentions(config, "--politician", "Royal", "--position", "title")
    assert [r["surface"] for r in titles] == ["Ségolène Royal"]
