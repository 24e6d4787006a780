"""A user's story with each kind of source: a page watched for changes, a folder of files,
and a broken source that must not stop the others."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import write_config
from tracker.cli import cli

AGENDA = ("<html lang='fr'><body><nav>Accueil · Agenda</nav><main><article><h1>Agenda du "
          "parti</h1><p>{text}</p></article></main><footer>© Parti</footer></body></html>")


def _run(config):
    return CliRunner().invoke(cli, ["run", "--once", "--config", str(config)])


def _count(db, sql="SELECT count(*) FROM documents"):
    return sqlite3.connect(db).execute(sql).fetchone()[0]


def test_a_watched_page_stores_each_new_version_once(site, tmp_path):
    site.set("/agenda.html", AGENDA.format(
        text="Olivier Faure réunit le bureau national du Parti socialiste lundi à Paris pour "
             "préparer les élections municipales."))
    config = write_config(tmp_path, [{"name": "agenda", "kind": "page",
                                      "url": site.url("/agenda.html")}])
    db = tmp_path / "tracker.db"
    assert _run(config).exit_code == 0
    assert _run(config).exit_code == 0  # unchanged: answered 304, nothing stored
    assert _count(db) == 1
    outcomes = [r[0] for r in sqlite3.connect(db).execute(
        "SELECT outcome FROM fetches WHERE url LIKE '%agenda%' ORDER BY id")]
    assert outcomes == ["ok", "not-modified"]
    listing = CliRunner().invoke(cli, ["sources", "--config", str(config), "--format", "jsonl"])
    assert json.loads(listing.stdout)["not_modified_rate"] == 0.5
    table = CliRunner().invoke(cli, ["sources", "--config", str(config), "--format", "table"],
                               env={"COLUMNS": "200"})
    assert "agenda" in table.stdout and "304 50%" in table.stdout and "ok" in table.stdout
    site.set("/agenda.html", AGENDA.format(
        text="Marine Tondelier et Olivier Faure tiendront une conférence de presse commune "
             "mardi sur les alliances à gauche pour les municipales."))
    assert _run(config).exit_code == 0
    assert _count(db) == 2
    assert _count(db, "SELECT count(DISTINCT url) FROM documents") == 1


def test_a_new_version_of_a_watched_page_counts_only_what_it_adds(site, tmp_path):
    """A party's press page gets one more paragraph: its new version is stored, but the
    sentences it kept were counted with the first version. Counting them again made a
    page edited ten times count ten times, as the menus trafilatura leaves out would."""
    first = ("<p>Olivier Faure réunit le bureau national du Parti socialiste lundi à Paris "
             "pour préparer les municipales.</p>")
    added = ("<p>Marine Tondelier rejoindra Olivier Faure mardi pour une conférence de "
             "presse sur les alliances.</p>")
    config = write_config(tmp_path, [{"name": "agenda", "kind": "page",
                                      "url": site.url("/agenda.html")}])
    db = tmp_path / "tracker.db"
    site.set("/agenda.html", AGENDA.replace("<p>{text}</p>", first))
    assert _run(config).exit_code == 0
    site.set("/agenda.html", AGENDA.replace("<p>{text}</p>", first + added))
    second = _run(config)
    assert second.exit_code == 0 and "1 new document, 2 mentions" in second.output
    assert _count(db) == 2
    per_version = sqlite3.connect(db).execute(
        "SELECT d.rowid, group_concat(m.surface, '|') FROM documents d JOIN mentions m "
        "ON m.document_id = d.id GROUP BY d.rowid ORDER BY d.rowid").fetchall()
    assert [surfaces for _, surfaces in per_version] == [
        "Olivier Faure|Parti socialiste", "Marine Tondelier|Olivier Faure"]

    def faure_total():
        listed = CliRunner().invoke(cli, ["stats", "--config", str(config), "--by",
                                          "politician", "--view", "totals", "--since",
                                          "2000-01-01", "--format", "jsonl"])
        return {r["key"]: r["mentions"] for r in map(json.loads, listed.stdout.splitlines())}

    assert faure_total() == {"olivier-faure": 2, "marine-tondelier": 1}
    retagged = CliRunner().invoke(cli, ["retag", "--config", str(config)])
    assert retagged.exit_code == 0, retagged.output
    assert faure_total() == {"olivier-faure": 2, "marine-tondelier": 1}
    assert "2 documents retagged, 4 mentions" in retagged.output  # the ones stored


def test_a_sentence_edited_a_little_is_not_counted_again(site, tmp_path):
    """The press office fixes a typo and adds a word to a sentence: the page's new version
    is stored, but that sentence's mentions were counted with the first one. A new
    sentence naming the same person still counts."""
    first = ("<p>Olivier Faure réunit le bureau national du Parti socialiste lundi à Paris "
             "pour préparer les municipales.</p>")
    edited = ("<p>Olivier Faure réunira le bureau national du Parti socialiste lundi matin à "
              "Paris pour préparer les municipales.</p>")
    other = ("<p>Mardi, Olivier Faure recevra les élus locaux du Nord pour parler des "
             "budgets de la rentrée.</p>")
    config = write_config(tmp_path, [{"name": "agenda", "kind": "page",
                                      "url": site.url("/agenda.html")}])
    db = tmp_path / "tracker.db"
    site.set("/agenda.html", AGENDA.replace("<p>{text}</p>", first))
    assert _run(config).exit_code == 0
    site.set("/agenda.html", AGENDA.replace("<p>{text}</p>", edited))
    assert "1 new document, 0 mentions" in _run(config).output
    site.set("/agenda.html", AGENDA.replace("<p>{text}</p>", edited + other))
    assert "1 new document, 1 mention" in _run(config).output
    assert _count(db) == 3
    assert _count(db, "SELECT count(*) FROM mentions WHERE entity_id = 'olivier-faure'") == 2


def test_a_folder_of_files(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "note.txt").write_text("Note de veille\n3 mai 2017\n\nEmmanuel Macron et Marine "
                                     "Le Pen s'affrontent ce soir dans le débat télévisé.",
                                     "utf-8")
    (folder / "page.html").write_text(AGENDA.format(
        text="Jean-Luc Mélenchon a présenté le programme de La France insoumise devant la "
             "presse, à Paris, avant le premier tour."), "utf-8")
    (folder / ".hidden.txt").write_text("Nicolas Sarkozy", "utf-8")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4")
    config = write_config(tmp_path, [{"name": "archive", "kind": "files", "path": str(folder)}])
    db = tmp_path / "tracker.db"
    assert _run(config).exit_code == 0
    assert _count(db) == 2
    rows = sqlite3.connect(db).execute(
        "SELECT entity_id, party_id FROM mentions m JOIN documents d ON d.id = m.document_id "
        "WHERE d.url LIKE '%note.txt' ORDER BY m.start").fetchall()
    assert rows == [("emmanuel-macron", "en-marche"), ("marine-le-pen", "fn")]
    assert _run(config).exit_code == 0 and _count(db) == 2
    assert _count(db, "SELECT count(*) FROM mentions WHERE entity_id = 'nicolas-sarkozy'") == 0


def test_a_file_that_gives_no_document_is_told_once_until_it_changes(tmp_path):
    """An inbox holds a file still empty (a download under way) and a scan too large to
    read: a daemon warned of both, and counted them as errors, on every pass for ever.
    Told once, they are passed over until they change, or until max_bytes is raised."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "empty.html").write_text("", "utf-8")
    (folder / "big.html").write_text(AGENDA.format(text="Marine Le Pen a tenu meeting à "
                                                        "Perpignan devant ses militants. " * 40))
    (folder / "ok.txt").write_text("Note\n\nLe Parti socialiste tient son congrès à Dijon "
                                   "avec Olivier Faure.", "utf-8")
    config = write_config(tmp_path, [{"name": "inbox", "kind": "files", "path": str(folder)}],
                          defaults={"max_bytes": 2000})
    db = tmp_path / "tracker.db"
    first = _run(config)
    assert first.exit_code == 0 and _count(db) == 1
    assert "empty.html: no main text found" in first.output
    assert "big.html" in first.output and "larger than max_bytes" in first.output
    second = _run(config)
    assert second.exit_code == 0, second.output
    assert "empty.html" not in second.output and "big.html" not in second.output
    assert "skipped=3 errors=0" in second.output
    (folder / "empty.html").write_text(AGENDA.format(
        text="Jean-Luc Mélenchon a présenté le programme de La France insoumise devant la "
             "presse, à Paris, avant le premier tour."), "utf-8")
    config = write_config(tmp_path, [{"name": "inbox", "kind": "files", "path": str(folder)}],
                          defaults={"max_bytes": 20000})
    assert _run(config).exit_code == 0 and _count(db) == 3


def test_a_folder_moved_or_a_file_renamed_is_not_counted_twice(tmp_path):
    """An archivist moves the project folder (or renames a file): every file was stored
    again under its new path and the raw counts doubled. The same text from the same
    source is the same file; read as unchanged from then on, and still versioned when it
    is edited."""
    note = ("Note de veille\n3 mai 2017\n\nEmmanuel Macron et Marine Le Pen s'affrontent "
            "ce soir dans le débat télévisé.")
    old = tmp_path / "archive"
    old.mkdir()
    (old / "note.txt").write_text(note, "utf-8")
    (old / "other.txt").write_text("Note\n\nLe Parti socialiste tient son congrès à Dijon "
                                   "avec Olivier Faure.", "utf-8")
    config = write_config(tmp_path, [{"name": "archive", "kind": "files", "path": str(old)}])
    db = tmp_path / "tracker.db"
    assert _run(config).exit_code == 0
    mentions = _count(db, "SELECT count(*) FROM mentions")
    assert _count(db) == 2 and mentions >= 4
    moved = tmp_path / "moved"
    old.rename(moved)
    (moved / "note.txt").rename(moved / "note-2017.txt")
    config = write_config(tmp_path, [{"name": "archive", "kind": "files", "path": str(moved)}])
    for _ in range(2):
        assert _run(config).exit_code == 0
        assert _count(db) == 2 and _count(db, "SELECT count(*) FROM mentions") == mentions
    # Today's file archived, a new one of the same name written first: the archived
    # copy is the document it was, on this pass and the next.
    (moved / "today.txt").write_text("Note\n\nMarine Tondelier parle aux écologistes.",
                                     "utf-8")
    assert _run(config).exit_code == 0 and _count(db) == 3
    (moved / "zarchive").mkdir()
    (moved / "today.txt").rename(moved / "zarchive" / "today-1.txt")
    (moved / "today.txt").write_text("Note\n\nFabien Roussel parle aux communistes.",
                                     "utf-8")
    for _ in range(2):
        assert _run(config).exit_code == 0 and _count(db) == 4
    # Edited under its new name: a new version, holding only what it adds.
    (moved / "note-2017.txt").write_text(note + "\n\nFrançois Bayrou les observe.", "utf-8")
    assert _run(config).exit_code == 0 and _count(db) == 5
    added = sqlite3.connect(db).execute(
        "SELECT m.entity_id FROM mentions m JOIN documents d ON d.id = m.document_id "
        "WHERE d.url LIKE '%note-2017.txt'").fetchall()
    assert added == [("francois-bayrou",)]


def test_a_source_taken_out_of_the_config_is_still_listed_with_its_documents(tmp_path):
    """An operator removes (or renames) a source: its documents stay in every count, and
    `tracker sources` no longer named it, so those counts came from nowhere."""
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "note.txt").write_text("Note\n\nLe Parti socialiste se réunit à Paris.",
                                     "utf-8")
    config = write_config(tmp_path, [{"name": "archive", "kind": "files", "path": str(folder)}])
    assert _run(config).exit_code == 0
    config = write_config(tmp_path, [{"name": "inbox", "kind": "files", "path": str(folder)}])
    listing = CliRunner().invoke(cli, ["sources", "--config", str(config), "--format", "jsonl"])
    rows = {r["name"]: r for r in map(json.loads, listing.stdout.splitlines())}
    assert rows["inbox"]["last_status"] is None and rows["inbox"]["documents"] == 0
    assert rows["archive"]["last_status"] == "removed" and rows["archive"]["documents"] == 1
    table = CliRunner().invoke(cli, ["sources", "--config", str(config), "--format", "table"])
    assert "archive  files  not in config.yaml any more  1 document" in table.stdout


def test_a_failing_source_is_reported_and_the_others_complete(site, tmp_path):
    site.set("/not-a-feed", "<html><body><p>Erreur 500 déguisée</p></body></html>")
    config = write_config(tmp_path, [
        {"name": "gone", "kind": "feed", "url": site.url("/gone.xml")},
        {"name": "html", "kind": "feed", "url": site.url("/not-a-feed")},
        {"name": "good", "kind": "feed", "url": site.url("/feed.xml")},
    ])
    result = _run(config)
    assert result.exit_code == 1
    assert "2 of 3 sources failed (gone, html)" in result.output
    assert _count(tmp_path / "tracker.db") == 3
    listing = CliRunner().invoke(cli, ["sources", "--config", str(config), "--format", "jsonl"])
    health = {r["name"]: r for r in map(json.loads, listing.stdout.splitlines())}
    assert health["good"]["last_status"] == "ok" and health["good"]["documents"] == 3
    assert health["gone"]["last_status"] == "error"
    assert "HTTP 404" in health["gone"]["last_error"]
    assert "not a feed (an HTML page)" in health["html"]["last_error"]
    assert health["gone"]["consecutive_failures"] == 1


def test_a_page_that_changes_back_is_a_new_version_again(site, tmp_path):
    texts = ["Olivier Faure convoque le bureau national du Parti socialiste lundi prochain.",
             "Olivier Faure reporte le bureau national du Parti socialiste à mardi prochain."]
    config = write_config(tmp_path, [{"name": "agenda", "kind": "page",
                                      "url": site.url("/agenda.html")}])
    for text in (texts[0], texts[1], texts[0], texts[0]):
        site.set("/agenda.html", AGENDA.format(text=text))
        assert _run(config).exit_code == 0
    assert _count(tmp_path / "tracker.db") == 3  # A, B, A again; the last poll is unchanged


def test_an_article_that_failed_once_is_fetched_on_the_next_poll(site, tmp_path):
    site.sequence("/articles/obama-paris.html", [
        (503, "maintenance", {"Content-Type": "text/plain"}),
        (503, "maintenance", {"Content-Type": "text/plain"}),
        (503, "maintenance", {"Content-Type": "text/plain"}),
        (200, site.resolve("/articles/obama-paris.html")[1], {"Content-Type": "text/html"}),
    ])
    config = write_config(tmp_path, [{"name": "q", "kind": "feed", "url": site.url("/feed.xml")}])
    assert _run(config).exit_code == 0
    assert _count(tmp_path / "tracker.db") == 2
    assert _run(config).exit_code == 0  # the feed is not answered 304: the item is retried
    assert _count(tmp_path / "tracker.db") == 3
    assert _run(config).exit_code == 0
    feed = [h for _, p, h in site.requests if p == "/feed.xml"]
    assert "If-None-Match" not in feed[1] and "If-None-Match" in feed[2]


def _long_feed(site, numbers, again: int | None = None) -> str:
    """RSS listing the notes ``numbers``; ``again``: one of them twice, the second
    dated 30 s after note 0, so that it comes in note 0's block of lookups."""
    items = "".join(
        f"<item><title>Note {n}</title><link>{site.url(f'/notes/{n}.html')}</link>"
        f"<pubDate>Mon, 0{1 + n % 9} Jun 2026 08:{n % 60:02d}:00 +0200</pubDate></item>"
        for n in numbers)
    if again is not None:
        items += (f"<item><title>Note {again}</title><link>{site.url(f'/notes/{again}.html')}"
                  "</link><pubDate>Mon, 01 Jun 2026 08:00:30 +0200</pubDate></item>")
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Notes</title>{items}' \
           "</channel></rss>"


def test_a_long_feed_polled_again_fetches_only_its_new_items(site, tmp_path):
    """Known items are looked up a few at a time: past the first few, and between known
    ones, only the new items of a long feed are fetched on the next poll. A link the feed
    lists twice is fetched once."""
    for n in range(20):
        site.set(f"/notes/{n}.html", AGENDA.format(
            text=f"Note numéro {n} : Olivier Faure réunit le bureau national du Parti "
                 f"socialiste pour préparer les élections municipales du mois {n}."))
    site.set("/notes.xml", _long_feed(site, range(0, 20, 2), again=0),
             content_type="application/rss+xml")
    config = write_config(tmp_path, [{"name": "notes", "kind": "feed",
                                      "url": site.url("/notes.xml")}])
    assert _run(config).exit_code == 0
    assert _count(tmp_path / "tracker.db") == 10
    # 20 items: the second block of lookups holds known notes (8, 16) and new ones.
    site.set("/notes.xml", _long_feed(site, range(20)), content_type="application/rss+xml")
    assert _run(config).exit_code == 0
    assert _count(tmp_path / "tracker.db") == 20
    assert all(site.hits(f"/notes/{n}.html") == 1 for n in range(20))


def test_a_password_in_a_source_url_is_never_stored_or_shown(site, tmp_path):
    """A watched page behind basic auth, written as http://user:password@host/: the
    password was stored in documents.url, the fetch log and the sources table, and printed
    by `mentions`, `export` and `sources`."""
    site.set("/members.html", AGENDA.format(
        text="Olivier Faure réunit le bureau national du Parti socialiste lundi à Paris pour "
             "préparer les municipales."))
    site.set("/private.xml", "<?xml version='1.0'?><rss version='2.0'><channel><title>P"
                             "</title><item><title>a</title><link>/members-2.html</link>"
                             "</item></channel></rss>", content_type="application/rss+xml")
    site.set("/members-2.html", AGENDA.format(
        text="Marine Tondelier réunit les écologistes mardi à Lyon pour préparer la rentrée "
             "politique et les prochaines élections."))
    secret = site.base.replace("http://", "http://alice:s3cr3tPW@")
    config = write_config(tmp_path, [
        {"name": "members", "kind": "page", "url": secret + "/members.html"},
        {"name": "gone", "kind": "page", "url": secret + "/gone.html"},
        {"name": "private", "kind": "feed", "url": secret + "/private.xml"}])
    assert _run(config).exit_code == 1  # the second page is a 404
    asked = [h for _, p, h in site.requests if p == "/members-2.html"]
    assert asked and asked[0].get("Authorization", "").startswith("Basic ")  # its link too
    db = tmp_path / "tracker.db"
    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert "s3cr3t" not in dump.lower() and "Olivier Faure" in dump
    assert "alice:***@" in dump  # where it reads is still told
    for command in (["mentions"], ["export", "-"], ["sources"]):
        shown = CliRunner().invoke(cli, [*command, "--config", str(config)])
        assert "s3cr3t" not in shown.output.lower(), command


def _opml(*feeds: tuple[str, str], folder: str = "Politique") -> str:
    outlines = "".join(f'<outline type="rss" text="{title}" title="{title}" xmlUrl="{url}"/>'
                       for title, url in feeds)
    return ('<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>Veille'
            f'</title></head><body><outline text="{folder}">{outlines}</outline></body></opml>')


def test_a_feed_readers_opml_export_is_watched_feed_by_feed(site, tmp_path):
    """A press office moves its reading list from Feedly: the OPML export, listed once, is
    one feed source per feed, named for its title, with the list's schedule; a feed the
    export lists twice is polled once."""
    for n in range(2):
        site.set(f"/notes/{n}.html", AGENDA.format(
            text=f"Note {n} : Olivier Faure réunit le bureau national du Parti socialiste "
                 f"pour préparer les élections municipales du mois {n}."))
    site.set("/notes.xml", _long_feed(site, range(2)), content_type="application/rss+xml")
    (tmp_path / "veille.opml").write_text(_opml(
        ("Le Monde — Politique", site.url("/feed.xml")), ("Notes du parti", site.url("/notes.xml")),
        ("Le Monde — Politique", site.url("/feed.xml"))), encoding="utf-8")
    config = write_config(tmp_path, [{"name": "feedly", "kind": "opml", "path": "veille.opml",
                                      "interval": "2h"}])
    result = _run(config)
    assert result.exit_code == 0, result.output
    assert _count(tmp_path / "tracker.db") == 5
    listing = CliRunner().invoke(cli, ["sources", "--config", str(config), "--format", "jsonl"])
    health = {r["name"]: r for r in map(json.loads, listing.stdout.splitlines())}
    assert {name: r["documents"] for name, r in health.items()} == {
        "feedly.le-monde-politique": 3, "feedly.notes-du-parti": 2}
    assert site.hits("/feed.xml") == 1
    # The list's name selects its feeds; an unknown name lists the known ones.
    again = CliRunner().invoke(cli, ["run", "--once", "--config", str(config), "--source",
                                     "feedly"])
    assert again.exit_code == 0, again.output
    assert site.hits("/feed.xml") == 2 and site.hits("/notes.xml") == 2
    wrong = CliRunner().invoke(cli, ["run", "--once", "--config", str(config), "--source",
                                     "feedlyy"])
    assert wrong.exit_code == 2
    assert "no source named 'feedlyy' (known: feedly.le-monde-politique" in wrong.stderr


def test_an_opml_source_that_cannot_be_read_is_one_line(tmp_path):
    """A missing export, a file that is no OPML, one with no feed or with a feed address
    tracker cannot fetch: one line naming the source, and nothing run."""
    cases = [
        (None, "veille.opml: OPML file not found"),
        ("<html><body>Mes flux</body></html>", "not an OPML file"),
        ("<opml><body><outline", "not valid XML (line 1)"),
        (_opml(), "lists no feed"),
        (_opml(("Intranet", "file:///etc/passwd")), "feed 'Intranet': 'file:///etc/passwd'"),
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>', "declares a DTD"),
    ]
    # The same in any encoding the file declares (code review): a DTD in UTF-16, an
    # encoding the XML reader cannot take.
    cases += [
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
         '<opml><body/></opml>'.encode("utf-16"), "declares a DTD"),
        (b'<?xml version="1.0" encoding="GB2312"?><opml><body/></opml>',
         "cannot read its encoding"),
    ]
    for body, message in cases:
        opml = tmp_path / "veille.opml"
        opml.unlink(missing_ok=True)
        if isinstance(body, bytes):
            opml.write_bytes(body)
        elif body is not None:
            opml.write_text(body, encoding="utf-8")
        config = write_config(tmp_path, [{"name": "feedly", "kind": "opml",
                                          "path": "veille.opml"}])
        result = _run(config)
        assert result.exit_code == 2, (message, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "sources[0] (feedly)" in lines[0], lines
        assert message in lines[0], (message, lines[0])
        assert not (tmp_path / "tracker.db").exists()


def test_an_opml_file_given_as_a_feed_says_so(site, tmp_path):
    site.set("/flux.opml", _opml(("Notes", site.url("/notes.xml"))), content_type="text/xml")
    config = write_config(tmp_path, [{"name": "list", "kind": "feed",
                                      "url": site.url("/flux.opml")}])
    assert _run(config).exit_code == 1
    listing = CliRunner().invoke(cli, ["sources", "--config", str(config), "--format", "jsonl"])
    error = json.loads(listing.stdout)["last_error"]
    assert "not a feed (an OPML list of feeds: list its file as a source of kind opml)" in error


def test_feeds_of_an_opml_are_named_for_good():
    """A namespaced export, "feed://" addresses, titles with ø and two feeds of one title:
    each feed a source whose name does not move when the list is reordered."""
    from tracker.opml import read_opml

    def names(*feeds):
        body = "".join(f'<outline title="{t}" xmlUrl="{u}"/>' for t, u in feeds)
        path = Path(tempfile.mkdtemp()) / "x.opml"
        path.write_text(f'<opml xmlns="http://opml.org/spec2"><body>{body}</body></opml>',
                        encoding="utf-8")
        return {f.url: f.name for f in read_opml(path, "config.yaml: sources[0] (x)")}

    a, b = ("Nørge i dag", "feed://example.org/a.xml"), ("Nørge i dag", "https://b.org/b.xml")
    c = ("Dagbladet", "feed:https://c.org/c.xml")
    named = names(a, b, c)
    assert named == names(c, b, a)
    assert named["https://c.org/c.xml"] == "dagbladet"
    assert {named["http://example.org/a.xml"][:-6], named["https://b.org/b.xml"][:-6]} == {
        "norge-i-dag-"}
    assert named["http://example.org/a.xml"] != named["https://b.org/b.xml"]
