"""`tracker serve`: a press officer opens the dashboard, searches mentions, marks a false
one wrong, and every figure (mentions, stats, exports, reports) follows; the API gives
what the commands print; the server guards its writes and its pages."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
import requests

from tests.conftest import tracker
from tests.newsroom import build_newsroom
from tests.web import serving
from tracker.store import Store
from tracker.web import check_bind
from tracker.web.app import CSP


@pytest.fixture(scope="module")
def built_room(tmp_path_factory, kb):
    """The newsroom's database, stored once for the module; each test gets a copy."""
    path = tmp_path_factory.mktemp("room") / "tracker.db"
    build_newsroom(path, kb)
    assert [p.name for p in path.parent.iterdir()] == ["tracker.db"]  # no WAL left over
    return path


@pytest.fixture
def room(tmp_path, built_room):
    path = tmp_path / "tracker.db"
    shutil.copy(built_room, path)
    return path


@pytest.fixture
def served(room):
    with serving(room) as served:
        yield served


def cli_jsonl(tmp_path, *args: str) -> list[dict]:
    done = tracker(*args, "--format", "jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def mention_id(db, surface: str, sentence: str, source: str | None = None) -> str:
    with Store(db, read_only=True) as store:
        return store.db.execute(
            "SELECT m.id FROM mentions m JOIN documents d ON d.id = m.document_id "
            "WHERE m.surface = ? AND m.sentence = ? AND d.source = coalesce(?, d.source) "
            "ORDER BY m.id", [surface, sentence, source]).fetchone()[0]


def test_the_api_gives_what_the_commands_print(served, room, tmp_path):
    for query, args in [({}, []), ({"party": "rn"}, ["--party", "rn"]),
                        ({"politician": "Macron", "since": "2026-03-10"},
                         ["--politician", "Macron", "--since", "2026-03-10"]),
                        ({"search": "accord", "no_duplicates": "true"},
                         ["--search", "accord", "--no-duplicates"]),
                        ({"search": "Macron", "type": "party"},
                         ["--search", "Macron", "--type", "party"])]:
        got = served.get("/api/mentions", params={**query, "limit": 1000}).json()
        printed = cli_jsonl(tmp_path, "mentions", "--db", str(room), *args)
        assert got["total"] == len(printed) > 0
        assert [m["id"] for m in got["mentions"]] == [m["mention_id"] for m in printed]
        for mine, theirs in zip(got["mentions"], printed, strict=True):
            assert {k: mine[k] for k in ("published_at", "source", "url", "title", "entity",
                                          "entity_type", "party", "surface", "sentence",
                                          "lang")} == {k: theirs[k] for k in (
                "published_at", "source", "url", "title", "entity", "entity_type", "party",
                "surface", "sentence", "lang")}
            assert mine["review"] is None and mine["method"] is not None
    for query, args in [({"by": "party", "view": "all"}, ["--by", "party", "--view", "all"]),
                        ({"by": "politician", "interval": "day"},
                         ["--by", "politician", "--interval", "day"]),
                        ({"by": "source", "no_duplicates": "true", "view": "totals"},
                         ["--by", "source", "--no-duplicates", "--view", "totals"])]:
        assert served.get("/api/stats", params=query).json() == cli_jsonl(
            tmp_path, "stats", "--db", str(room), *args)
    exported = tracker("export", "--db", str(room), "--party", "ps", cwd=tmp_path)
    served_csv = served.get("/api/export.csv", params={"party": "ps"})
    assert served_csv.headers["content-type"].startswith("text/csv")
    assert served_csv.content.replace(b"\r\n", b"\n") == exported.stdout.replace(
        "\r\n", "\n").encode()


def test_a_language_code_is_a_language_code_whatever_its_case(served):
    """`lang=FR` is French, as `--lang FR` is; it found nothing, silently."""
    lower = served.get("/api/mentions", params={"lang": "fr"}).json()["total"]
    assert lower > 0 and served.get("/api/mentions", params={"lang": "FR"}).json()[
        "total"] == lower
    assert served.get("/api/stats", params={"lang": "FR", "view": "totals"}).json() == \
        served.get("/api/stats", params={"lang": "fr", "view": "totals"}).json()


def test_a_search_with_control_characters_is_only_words(served):
    # FTS5 reads a NUL as the end of its query; a client may send one.
    plain = served.get("/api/mentions", params={"search": "accord"}).json()["total"]
    assert served.get("/api/mentions", params={"search": "accord\x00"}).json()["total"] \
        == plain == 3  # D6's three mentions


def test_a_page_of_mentions_and_its_total(served):
    first = served.get("/api/mentions", params={"limit": 3}).json()
    second = served.get("/api/mentions", params={"limit": 3, "offset": 3}).json()
    everything = served.get("/api/mentions", params={"limit": 1000}).json()
    assert first["total"] == second["total"] == everything["total"] == 15
    assert [m["id"] for m in first["mentions"] + second["mentions"]] == \
        [m["id"] for m in everything["mentions"][:6]]


def test_the_mentions_pages_walk_the_whole_search_with_its_filters(served, monkeypatch):
    """A reader pages through a filtered search with "next": every mention of the search
    comes once, in the API's order, the filters stay in each link, the last page has no
    "next" and the first no "previous"."""
    import html
    import re

    from tracker.web import pages

    monkeypatch.setattr(pages, "PAGE", 2)
    wanted = {"type": "party", "direct": "true"}
    expected = served.get("/api/mentions", params={**wanted, "limit": 1000}).json()
    assert expected["total"] == 5          # three pages of two, the last one short
    seen, address, previous = [], "/mentions?" + "&".join(f"{k}={v}" for k, v in
                                                           wanted.items()), []
    while address:
        page = served.get(address)
        assert page.status_code == 200, page.text
        seen += re.findall(r'<tr data-mention="([^"]+)"', page.text)
        previous.append(bool(re.search(r'rel="prev"', page.text)))
        following = re.search(r'<a rel="next" href="([^"]+)"', page.text)
        address = html.unescape(following.group(1)) if following else None
        if address:
            assert "type=party" in address and "direct=True" in address, address
    assert seen == [m["id"] for m in expected["mentions"]]
    assert previous == [False] + [True] * (len(previous) - 1) and len(previous) == 3
    assert f'data-total="{expected["total"]}"' in page.text
    # A page past the last is the last page (it was an empty one, "Page 9 of 3": the
    # journalist audit found it confusing), not an error.
    beyond = served.get("/mentions", params={**wanted, "page": 9})
    assert beyond.status_code == 200 and beyond.url.endswith("page=3")
    assert re.findall(r'<tr data-mention="([^"]+)"', beyond.text) == seen[4:]
    assert 'rel="prev"' in beyond.text and 'rel="next"' not in beyond.text


def test_dates_without_mentions_say_so_and_where_the_mentions_are(served, tmp_path):
    """A reader asks for dates after the last article: the page says these dates hold
    none and which dates do, not that nothing is stored; an empty database says that."""
    last = served.get("/api/mentions", params={"limit": 1000}).json()["mentions"]
    days = sorted(m["published_at"][:10] for m in last)
    for address in ("/", "/entity/ps"):
        for dates in ({"since": "2099-01-01"}, {"until": "1990-01-01"},
                      {"since": "1990-01-01", "until": "1990-02-01"}):
            page = served.get(address, params=dates)
            assert page.status_code == 200
            assert f"No mentions in these dates: those stored run from {days[0]} to " \
                   f"{days[-1]}." in page.text, (address, dates)
            assert "No mentions stored yet" not in page.text
    assert 'name="since" value="2099-01-01"' in served.get("/", params={
        "since": "2099-01-01"}).text
    empty = tmp_path / "empty" / "tracker.db"
    empty.parent.mkdir()
    Store(empty).close()
    with serving(empty) as nothing:
        assert "No mentions stored yet" in nothing.get("/").text


def test_a_wrong_mention_leaves_every_figure_and_raw_keeps_it(served, room, tmp_path):
    wrong = mention_id(room, "PS", "Le PS réagit.")
    before = served.get("/api/stats", params={"view": "totals"}).json()
    done = served.review(wrong, "wrong", reason="the PlayStation", reviewer="Ana")
    assert done.status_code == 200, done.text
    made = done.json()
    assert (made["verdict"], made["reason"], made["reviewer"]) == ("wrong", "the PlayStation",
                                                                    "Ana")
    assert made["reviewed_at"].startswith("20")
    ps = lambda rows: next(r for r in rows if r["key"] == "ps")  # noqa: E731
    after = served.get("/api/stats", params={"view": "totals"}).json()
    assert ps(after)["mentions"] == ps(before)["mentions"] - 1
    assert ps(served.get("/api/stats", params={"view": "totals", "raw": "true"}).json()) \
        == ps(before)
    # The figures of every command follow, the daily counts' and the mentions' own.
    for args in (["--view", "totals"], ["--view", "totals", "--source", "lemonde"]):
        printed = cli_jsonl(tmp_path, "stats", "--db", str(room), *args)
        raw = cli_jsonl(tmp_path, "stats", "--db", str(room), *args, "--raw")
        assert ps(printed)["mentions"] == ps(raw)["mentions"] - 1
    listed = served.get("/api/mentions", params={"party": "ps", "limit": 100}).json()
    assert wrong not in [m["id"] for m in listed["mentions"]]
    kept = served.get("/api/mentions", params={"party": "ps", "raw": "true"}).json()
    assert {m["id"]: m["review"] for m in kept["mentions"]}[wrong] == "wrong"
    assert kept["total"] == listed["total"] + 1
    rows = list(csv.DictReader(io.StringIO(served.get("/api/export.csv").text)))
    assert len(rows) == 14 and "Le PS réagit." not in [r["sentence"] for r in rows]
    report = tmp_path / "report.html"
    assert tracker("report", "--db", str(room), "--since", "2026-03-02", "--until",
                   "2026-03-22", "-o", str(report), cwd=tmp_path).returncode == 0
    assert 'data-figure="mentions"><b>14</b>' in report.read_text("utf-8")
    raw_report = tmp_path / "raw.html"
    assert tracker("report", "--db", str(room), "--since", "2026-03-02", "--until",
                   "2026-03-22", "--raw", "-o", str(raw_report), cwd=tmp_path).returncode == 0
    assert 'data-figure="mentions"><b>15</b>' in raw_report.read_text("utf-8")
    # Right again: it counts again.
    assert served.review(wrong, "right").json()["verdict"] == "right"
    assert ps(served.get("/api/stats", params={"view": "totals"}).json()) == ps(before)


def test_a_bulk_download_is_written_as_it_is_computed_then_kept(served, room, tmp_path):
    """Every politician by month over a million mentions is 113 MB (here, by day over the
    newsroom): the server writes it as it computes it (no length announced up front),
    and keeps it once complete: the next download is the same bytes at once, its length
    known. A review makes it be computed again, and the download follows it."""
    query = {"by": "politician", "interval": "day", "view": "all"}
    first = served.get("/api/stats", params=query)
    assert first.status_code == 200 and "content-length" not in first.headers
    assert first.headers["transfer-encoding"] == "chunked"
    assert first.json() == cli_jsonl(tmp_path, "stats", "--db", str(room), "--by",
                                     "politician", "--interval", "day", "--view", "all")
    again = served.get("/api/stats", params=query)
    assert again.content == first.content
    assert again.headers["content-length"] == str(len(first.content))
    done = served.review(mention_id(room, "Macron", "Bardella répond à Macron."), "wrong")
    assert done.status_code == 200, done.text
    after = served.get("/api/stats", params=query)
    assert "content-length" not in after.headers and after.content != first.content
    assert after.json() == cli_jsonl(tmp_path, "stats", "--db", str(room), "--by",
                                     "politician", "--interval", "day", "--view", "all")


def test_reviews_survive_retag(newsroom, tmp_path):
    db = newsroom / "data" / "tracker.db"
    copy = tmp_path / "tracker.db"
    shutil.copy(db, copy)
    shutil.copy(newsroom / "config.yaml", tmp_path / "config.yaml")
    with serving(copy) as served:
        page = served.get("/api/mentions", params={"limit": 1000}).json()
        target = page["mentions"][0]
        assert served.review(target["id"], "wrong", reason="not them").status_code == 200
        assert served.get("/api/mentions").json()["total"] == page["total"] - 1
    retagged = tracker("retag", "--db", str(copy), "--config",
                       str(newsroom / "config.yaml"), cwd=tmp_path)
    assert retagged.returncode == 0, retagged.stderr
    with serving(copy) as served:
        assert served.get("/api/mentions").json()["total"] == page["total"] - 1
        raw = served.get("/api/mentions", params={"raw": "true", "limit": 1000}).json()
        assert {m["id"]: m["review"] for m in raw["mentions"]}[target["id"]] == "wrong"


def test_writes_need_the_pages_csrf_token(served, room):
    target = mention_id(room, "RN", "Le RN progresse.")
    url = f"/api/mentions/{target}/review"
    assert served.post(url, json={"verdict": "wrong"}).status_code == 403
    assert served.post(url, json={"verdict": "wrong"},
                       headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert served.post(url, json={"verdict": "wrong"}, headers={
        "X-CSRF-Token": served.csrf(), "Origin": "https://evil.example"}).status_code == 403
    assert served.review(target, "wrong").status_code == 200
    assert served.review("no-such-mention", "wrong").status_code == 404
    assert served.review(target, "maybe").status_code == 422
    assert served.review(target, "right", correct_entity="ps").status_code == 400
    assert served.review(target, "wrong", correct_entity="nobody-at-all").status_code == 400


def test_a_mistyped_database_path_is_refused_not_created(tmp_path):
    """`tracker serve --db tracke.db`: an empty dashboard over a new stray file helped no
    one; the server says there is no database there, as the read-only commands do."""
    from tracker.errors import TrackerError
    from tracker.web import ServeOptions, create_app

    for read_only in (False, True):
        with pytest.raises(TrackerError, match="no database here"):
            create_app(ServeOptions(db=tmp_path / "tracke.db", read_only=read_only))
    assert list(tmp_path.iterdir()) == []


def test_read_only_refuses_every_write(room):
    with serving(room, read_only=True) as served:
        target = mention_id(room, "RN", "Le RN progresse.")
        refused = served.review(target, "wrong")
        assert refused.status_code == 403 and "read-only" in refused.json()["error"]
        assert "data-verdict" not in served.get("/mentions").text
    with Store(room, read_only=True) as store:
        assert store.db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0


def test_a_token_guards_every_request(room):
    token = "s3cret-token-of-the-press-office"
    with serving(room, token=token, host="0.0.0.0") as served:
        assert served.get("/api/mentions").status_code == 401
        assert served.get("/api/mentions", headers={
            "Authorization": "Bearer wrong-token-wrong-token"}).status_code == 401
        assert served.get("/").status_code == 401  # the sign-in page
        assert served.get("/api/mentions", headers=served.auth()).status_code == 200
        # An API client with the token needs no CSRF token.
        target = mention_id(room, "RN", "Le RN progresse.")
        assert served.post(f"/api/mentions/{target}/review", json={"verdict": "right"},
                           headers=served.auth()).status_code == 200
        # A browser signs in once; its cookie then carries the token.
        with requests.Session() as browser:
            signed = browser.post(served.url + "/login", data={"token": token},
                                  allow_redirects=False, timeout=30)
            assert signed.status_code == 303
            assert browser.get(served.url + "/api/mentions", timeout=30).status_code == 200
            assert browser.post(served.url + "/login", data={"token": "nope"},
                                timeout=30).status_code == 401


def test_only_loopback_without_a_token(tmp_path, room):
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    with pytest.raises(Exception, match="refusing to serve on 0.0.0.0 without a token"):
        check_bind("0.0.0.0", None)
    refused = tracker("serve", "--db", str(room), "--host", "0.0.0.0", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "tracker: error: refusing to serve on 0.0.0.0 without a token: set "
        "TRACKER_SERVE_TOKEN (every request must then carry it), or keep the default "
        "127.0.0.1"]


def test_pages_escape_page_text_under_a_strict_csp(served):
    page = served.get("/mentions", params={"source": "figaro"})
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;titre&#39;)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text.replace('<script src="/static/app.js" defer></script>',
                                               "")
    # A page elsewhere pointing its name at 127.0.0.1 (DNS rebinding) reads nothing.
    assert served.get("/api/mentions", headers={"Host": "evil.example"}).status_code == 421


@pytest.mark.parametrize("path", [
    "/api/mentions?since=2026-13-01", "/api/mentions?limit=-1", "/api/mentions?limit=10000",
    "/api/mentions?type=party2", "/api/mentions?party=nobody", "/api/mentions?search=%22%22",
    "/api/mentions?since=2026-03-20&until=2026-03-01", "/api/mentions?offset=x",
    "/api/stats?by=nothing", "/api/stats?view=all&since=2026-02-30", "/api/stats?top=0",
    "/api/export.csv?source=nowhere", "/entity/nobody", "/mentions?page=0",
    "/api/mentions?lang=french", "/api/stats?lang=french", "/api/export.csv?lang=fra",
    # one value per filter: a second party was dropped, silently (journalist audit)
    "/api/mentions?party=PS&party=UMP", "/api/export.csv?source=a&source=b",
    # an empty filter (an unset variable in a script) listed everything (dashboard audit)
    "/api/mentions?party=", "/api/export.csv?politician=", "/api/stats?source=%20",
    # a parameter the address does not take was ignored: a typo, or stats by party
    "/api/mentions?politican=Macron", "/api/stats?party=PS", "/api/export.csv?excel=yes&x=1",
    # a number was read as a Unix time: since=0 was 1970-01-01
    "/api/mentions?since=0", "/api/stats?until=86400", "/?since=0",
])
def test_bad_parameters_get_a_4xx_with_a_message(served, path):
    got = served.get(path)
    assert 400 <= got.status_code < 500, (path, got.status_code)
    assert got.text.strip()


def test_a_bad_date_typed_in_a_pages_address_gets_a_page_saying_which(served):
    """A reader edits the address by hand: the page says which parameter is wrong, in the
    dashboard's own page (escaped, under the CSP); the API keeps its JSON for scripts."""
    got = served.get("/", params={"since": "2026-13-01", "interval": "year"})
    assert got.status_code == 422 and got.headers["content-type"].startswith("text/html")
    assert "since = &#39;2026-13-01&#39;: Input should be a valid date" in got.text
    assert "interval = &#39;year&#39;" in got.text
    assert "default-src 'none'" in got.headers["content-security-policy"]
    hostile = served.get("/mentions", params={"page": "0", "since": "<script>x</script>"})
    assert hostile.status_code == 422 and "<script>x" not in hostile.text
    assert "page = &#39;0&#39;: Input should be greater than or equal to 1" in hostile.text
    api = served.get("/api/mentions", params={"since": "2026-13-01"})
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["query", "since"]


def test_messages_name_the_addresss_parameters_and_a_page_past_the_end_is_the_last(served):
    """The API said "--since ... is after --until" (the command line's flags); a mentions
    page of number 999 showed an empty table, "Page 999 of 2"."""
    got = served.get("/api/mentions", params={"since": "2026-03-20", "until": "2026-03-01"})
    assert got.status_code == 400 and "--" not in got.json()["error"]
    assert got.json()["error"].startswith("since 2026-03-20 is after until 2026-03-01")
    words = served.get("/api/mentions", params={"search": "_"})
    assert words.status_code == 400 and "search '_': no word" in words.json()["error"]
    last = served.get("/mentions", params={"page": 999, "party": "PS"},
                      allow_redirects=False)
    assert last.status_code == 303
    assert last.headers["location"] == "/mentions?party=PS&page=1"
    assert "Page 1 of 1" in served.get(last.headers["location"]).text


def test_pages_show_the_figures_of_stats(served, room, tmp_path):
    overview = served.get("/", params={"since": "2026-03-02", "until": "2026-03-22"}).text
    totals = cli_jsonl(tmp_path, "stats", "--db", str(room), "--since", "2026-03-02",
                       "--until", "2026-03-22", "--view", "totals")
    assert 'data-figure="mentions"><b>15</b>' in overview
    for row in totals:
        assert f'data-entity="{row["key"]}"' in overview
    french = served.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).text
    assert "Part de voix, par parti" in french and 'lang="fr"' in french
    entity = served.get("/entity/rn").text
    # RN's mentions: Le Pen twice, Bardella, and "RN" in D3 and in its copy D4.
    assert 'data-total="5"' in entity
    sources = served.get("/sources").text
    for name in ("lemonde", "figaro", "agence", "bbc"):
        assert f'data-source="{name}"' in sources


def test_a_rule_made_from_a_review_stops_the_same_false_mention_in_a_new_page(newsroom,
                                                                             tmp_path):
    home = tmp_path / "home"
    shutil.copytree(newsroom, home)
    db = home / "data" / "tracker.db"
    with serving(db) as served:
        listed = served.get("/api/mentions", params={"type": "politician", "limit": 1}).json()
        wrong = listed["mentions"][0]
        assert served.review(wrong["id"], "wrong").status_code == 200
        body = {"mention_id": wrong["id"], "kind": "not-entity", "reason": "a namesake"}
        headers = {"X-CSRF-Token": served.csrf()}
        shown = served.post("/api/rules/preview", json=body, headers=headers).json()
        assert shown["rule"]["text"] == wrong["surface"]
        assert shown["rule"]["entity_id"] == wrong["entity_id"]
        assert shown["matches"] >= 1 and wrong["id"] in [e["id"] for e in shown["examples"]]
        assert served.get("/api/rules").json() == []  # a preview writes nothing
        page = served.get("/rules/new", params={"mention": wrong["id"]}).text
        assert f'data-matches="{shown["matches"]}"' in page
        made = served.post("/api/rules", json=body, headers=headers)
        assert made.status_code == 201, made.text
        assert made.json()["description"].startswith(f'"{wrong["surface"]}" is never ')
        # Saved again (a double click, a script run twice): the same rule, not a copy.
        again = served.post("/api/rules", json={**body, "reason": "clicked twice"},
                            headers=headers)
        assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
        assert [r["id"] for r in served.get("/api/rules").json()] == [made.json()["id"]]
    # A new page with the same sentence: the tagger alone finds the name...
    page = home / "inbox" / "new-page.html"
    page.write_text(f"<html><head><title>Nouvel article</title></head><body><article>"
                    f"<h1>Nouvel article</h1><p>{wrong['sentence']}</p><p>{wrong['sentence']}"
                    " Une seconde phrase pour que le texte soit un article.</p></article>"
                    "</body></html>", "utf-8")
    tagged = tracker("tag", str(page), "--no-rules", "--format", "jsonl", cwd=home)
    assert wrong["surface"] in [json.loads(x)["surface"] for x in tagged.stdout.splitlines()]
    # ... and the daemon, which stores it, leaves that mention out.
    ran = tracker("run", "--once", cwd=home)
    assert ran.returncode == 0, ran.stderr  # (the copied inbox's files are new to it too)
    with Store(db, read_only=True) as store:
        stored = store.db.execute(
            "SELECT m.surface, m.entity_id FROM mentions m JOIN documents d "
            "ON d.id = m.document_id WHERE d.url LIKE '%new-page.html'").fetchall()
        assert store.db.execute("SELECT count(*) FROM documents WHERE url LIKE "
                                "'%new-page.html'").fetchone()[0] == 1
    assert (wrong["surface"], wrong["entity_id"]) not in stored
    listed = tracker("kb", "rules", "--format", "jsonl", cwd=home)
    assert [json.loads(x)["reason"] for x in listed.stdout.splitlines()] == ["a namesake"]
    removed = tracker("kb", "rules", "--delete", "1", cwd=home)
    assert removed.returncode == 0, removed.stderr
    assert tracker("kb", "rules", "--delete", "1", cwd=home).returncode == 2


def test_a_phrase_rule_needs_words_of_the_sentence_around_the_name(served, room):
    target = mention_id(room, "RN", "Le RN progresse.", "figaro")
    headers = {"X-CSRF-Token": served.csrf()}
    refused = served.post("/api/rules/preview", headers=headers, json={
        "mention_id": target, "kind": "not-mention", "phrase": "le gouvernement"})
    assert refused.status_code == 400 and "hold the name" in refused.json()["error"]
    shown = served.post("/api/rules/preview", headers=headers, json={
        "mention_id": target, "kind": "not-mention", "phrase": "Le RN progresse"}).json()
    assert shown["matches"] == 2  # D3 and its copy D4
    # A control character typed or pasted into the phrase is no part of it (a NUL used to
    # end the full-text query: a 500).
    nul = served.post("/api/rules/preview", headers=headers, json={
        "mention_id": target, "kind": "not-mention", "phrase": "Le RN\x00 progresse"})
    assert nul.status_code == 200 and nul.json()["matches"] == 2
    assert shown["rule"]["description"] == 'no mention inside "Le RN progresse" (in every ' \
        'source)'
    assert served.post("/api/rules", headers=headers, json={
        "mention_id": target, "kind": "not-mention", "phrase": "Le RN progresse",
        "source_only": True}).json()["source"] == "figaro"


def test_a_discovered_person_goes_into_the_users_kb_file_in_one_click(newsroom, tmp_path):
    from tracker.candidates import user_kb_file
    from tracker.config import load_config

    home = tmp_path / "home"
    shutil.copytree(newsroom, home)
    (home / "inbox" / "depute.html").write_text(
        "<html><head><title>Budget de la Manche</title></head><body><article>"
        "<h1>Budget de la Manche</h1><p>Le député LR de la Manche Philippe Gosselinet a "
        "défendu le budget mardi devant le conseil départemental.</p><p>Philippe Gosselinet "
        "a ensuite répondu aux questions des journalistes sur les routes du département."
        "</p></article></body></html>", "utf-8")
    assert tracker("run", "--once", cwd=home).returncode == 0
    config = load_config(home / "config.yaml")
    kb_file = user_kb_file(config.entities)
    assert kb_file is not None and kb_file.name == "my-entities.yaml"
    db = home / "data" / "tracker.db"
    with serving(db, entities=tuple(config.entities), kb_file=kb_file) as served:
        page = served.get("/candidates").text
        with Store(db, read_only=True) as store:
            person = store.db.execute("SELECT id, name FROM entities WHERE discovered = 1 "
                                      "ORDER BY id LIMIT 1").fetchone()
        assert person is not None, "the new page introduces someone with an office"
        assert f'data-accept="{person[0]}"' in page
        done = served.post(f"/api/candidates/{person[0]}/accept",
                           headers={"X-CSRF-Token": served.csrf()})
        assert done.status_code == 200, done.text
        assert done.json()["added"][0]["id"] == person[0] and not done.json()["already"]
        # Until `tracker retag`, the page says they are added, and a second click says so
        # (it showed "Add to my KB" still, and answered an empty success).
        page = served.get("/candidates").text
        assert f'data-accept="{person[0]}"' not in page
        assert 'class="added">added: reload `tracker run`, then `tracker retag`' in page
        again = served.post(f"/api/candidates/{person[0]}/accept",
                            headers={"X-CSRF-Token": served.csrf()})
        assert again.json()["added"] == [] and again.json()["already"]
        assert served.post("/api/candidates/nobody-at-all/accept",
                           headers={"X-CSRF-Token": served.csrf()}).status_code == 404
    assert f"id: {person[0]}" in kb_file.read_text("utf-8")
    # The file loads with the config: the next run knows them.
    listed = tracker("entities", "--search", person[1], "--format", "jsonl", cwd=home)
    assert listed.returncode == 0 and person[0] in listed.stdout, listed.stderr
    with serving(db) as served:  # no KB file of the user's: no button, a clear refusal
        assert "data-accept=" not in served.get("/candidates").text
        refused = served.post(f"/api/candidates/{person[0]}/accept",
                              headers={"X-CSRF-Token": served.csrf()})
        assert refused.status_code == 400 and "my-entities.yaml" in refused.json()["error"]


def test_the_alerts_page_shows_rules_and_the_outbox_without_secrets(room):
    from tracker.alerts.rules import AlertRule

    rule = AlertRule(name="ps-spike", trigger="spike", filters={"party": "ps"},
                     to=("https://hooks.example/services/T0/B0/s3cr3t", "mailto:desk@x.fr"))
    with Store(room) as store:
        store.db.execute(
            "INSERT INTO alert_outbox (id, target, rule, trigger, payload, created_at, status, "
            "attempts, last_error) VALUES ('a1', ?, 'ps-spike', 'spike', '{}', "
            "'2026-03-20T10:00:00Z', 'failed', 5, 'HTTP 500')", [rule.to[0]])
        store.db.conn.commit()
    with serving(room, alerts=(rule,)) as served:
        page = served.get("/alerts").text
    assert 'data-alert="ps-spike"' in page and "party=ps" in page
    assert 'data-outbox="ps-spike:failed"' in page and "HTTP 500" in page
    assert "s3cr3t" not in page and "mailto:desk@x.fr" in page


def _memo_db(tmp_path):
    import sqlite3

    path = tmp_path / "t.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()

    def commit() -> None:  # another program's (the daemon's)
        conn.execute("INSERT INTO t VALUES (1)")
        conn.commit()
    return path, commit


def _slow():
    """A figure that takes 0.2 s to compute, and the list of its computations (its value
    is their number)."""
    import time

    computed: list[int] = []

    def slow(_db) -> int:
        computed.append(1)
        time.sleep(0.2)
        return len(computed)
    return computed, slow


def test_figures_are_computed_once_per_state_of_the_database(tmp_path):
    """Fifty people opening the same overview cost one computation; with ``max_age`` 0,
    the next commit makes the figures fresh again."""
    import contextlib
    import threading

    from tracker.web.memo import Memo

    path, commit = _memo_db(tmp_path)
    memo, (computed, slow) = Memo(path, contextlib.nullcontext, max_age=0), _slow()

    answers: list[int] = []
    clients = [threading.Thread(target=lambda: answers.append(memo.get("overview", slow)))
               for _ in range(8)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    assert answers == [1] * 8 and len(computed) == 1
    assert memo.get("overview", slow) == 1  # unchanged: kept
    commit()
    assert memo.get("overview", slow) == 2  # a commit: computed again
    assert memo.get("other page", slow) == 3


def test_while_the_daemon_commits_readers_get_figures_at_most_max_age_old_at_once(tmp_path):
    """During collection the daemon commits every few seconds. Readers are not made to
    wait for every figure again: once the kept one is ``max_age`` seconds old, one
    background thread computes it afresh, and readers are shown the kept one meanwhile;
    one three times as old is never shown. The server's own write (a review) is never
    hidden: nothing kept is shown after it."""
    import contextlib
    import time

    from tracker.web.memo import Memo

    path, commit = _memo_db(tmp_path)
    memo, (computed, slow) = Memo(path, contextlib.nullcontext, max_age=0.5), _slow()

    def quick(expected: int) -> None:
        started = time.monotonic()
        assert memo.get("overview", slow) == expected
        assert time.monotonic() - started < 0.1  # not computed while the reader waits

    assert memo.get("overview", slow) == 1
    commit()
    quick(1)  # a fresh figure: shown as it is, nothing computed
    assert computed == [1]
    time.sleep(0.5)
    quick(1)  # max_age old: still shown, and computed again in the background
    deadline = time.monotonic() + 5
    while memo.get("overview", slow) != 2:
        assert time.monotonic() < deadline, "the background computation never landed"
        time.sleep(0.05)
    quick(2)  # the database has not changed since
    commit()
    time.sleep(1.6)
    assert memo.get("overview", slow) == 3  # three times max_age: never shown
    memo.forget()  # the server's own write, whatever the file looks like
    assert memo.get("overview", slow) == 4
    assert len(computed) == 4


def test_after_a_review_a_reader_never_waits_behind_background_work(tmp_path, monkeypatch):
    """Background refreshes go one at a time. A reader who may not be shown the kept
    figure (a review since) computes it at once rather than waiting for its turn in
    that queue; and an answer too big for the memory set aside is not kept."""
    import contextlib
    import time

    from tracker.web import memo as memo_module
    from tracker.web.memo import Memo

    path, commit = _memo_db(tmp_path)
    memo = Memo(path, contextlib.nullcontext, max_age=0.5)
    memo.get("year", lambda _db: time.sleep(0.6) or "year")
    memo.get("month", lambda _db: "month")
    commit()
    time.sleep(0.55)  # both old enough to be computed again, not too old to be shown
    assert memo.get("year", lambda _db: time.sleep(0.6) or "year again") == "year"
    assert memo.get("month", lambda _db: "month again") == "month"  # queued behind
    memo.forget()  # a review
    started = time.monotonic()
    assert memo.get("month", lambda _db: "month after") == "month after"
    assert time.monotonic() - started < 0.3
    monkeypatch.setattr(memo_module, "KEPT_BYTES", 100)
    big, small = [], []
    for _ in range(2):
        memo.get("big", lambda _db: big.append(1) or b"x" * 60)
        memo.get("small", lambda _db: small.append(1) or b"x" * 10)
    assert (len(big), len(small)) == (2, 1)


def test_every_answer_carries_the_security_headers_and_its_server_time(served):
    """Pages, API answers, static files, the streamed export, a 404 and the refusals
    (a write without the CSRF token, another host's name) all carry the strict CSP, the
    no-sniff, no-referrer and no-framing headers and the server's time; the API's
    answers are never cached."""
    answers = {
        "page": served.get("/"),
        "api": served.get("/api/mentions"),
        "static": served.get("/static/app.css"),
        "export": served.get("/api/export.csv"),
        "missing": served.get("/api/mentions/nothing-here/review"),
        "no csrf": served.post("/api/mentions/x/review", json={"verdict": "wrong"}),
        "other host": served.get("/", headers={"Host": "evil.example"}),
    }
    assert [answers[k].status_code for k in ("page", "api", "static", "export")] == [200] * 4
    assert answers["missing"].status_code in (404, 405)
    assert answers["no csrf"].status_code == 403
    assert answers["other host"].status_code == 421
    for name, answer in answers.items():
        assert answer.headers["content-security-policy"] == CSP, name
        assert answer.headers["x-content-type-options"] == "nosniff", name
        assert answer.headers["referrer-policy"] == "no-referrer", name
        assert answer.headers["x-frame-options"] == "DENY", name
        assert answer.headers["server-timing"].startswith("app;dur="), name
    assert answers["api"].headers["cache-control"] == "no-store"
    assert answers["export"].headers["cache-control"] == "no-store"


def test_a_crash_is_answered_with_the_security_headers_too(room):
    """A route that fails unexpectedly gets a 500 that carries the CSP and the other
    headers (Starlette's own 500 is sent from outside our middleware), and the error
    is raised on to the server's log."""
    from fastapi.testclient import TestClient

    from tracker.web import ServeOptions, create_app

    app = create_app(ServeOptions(db=room))

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/boom", boom)
    app.add_api_route("/boom", boom)
    client = TestClient(app, base_url="http://127.0.0.1:8765",
                        raise_server_exceptions=False)
    for path in ("/api/boom", "/boom"):
        answer = client.get(path)
        assert answer.status_code == 500, path
        assert answer.headers["content-security-policy"] == CSP, path
        assert answer.headers["x-frame-options"] == "DENY", path
        assert "a bug" not in answer.text
    assert client.get("/api/boom").json() == {"error": "internal error (the server's log has it)"}
    with pytest.raises(RuntimeError, match="a bug"):
        TestClient(app, base_url="http://127.0.0.1:8765").get("/boom")


def test_many_figures_asked_at_once_are_computed_a_few_at_a_time(room):
    """Fifty readers of a server just started ask for every page at once. Their figures
    are computed three at a time, the pages of mentions' memo sharing the same slots, so
    the threads do not fight for the GIL, and kept answers still go out meanwhile."""
    import threading
    import time

    from tracker.web import ServeOptions, create_app
    from tracker.web.memo import COMPUTING

    app = create_app(ServeOptions(db=room, read_only=True))
    lock, running, most = threading.Lock(), [0], [0]

    def compute(_db):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return "figure"

    app.state.memo.get("kept", lambda _db: "kept")
    readers = [threading.Thread(target=(app.state.memo if n % 2 else app.state.rows).get,
                                args=(f"figure {n}", compute)) for n in range(12)]
    for reader in readers:
        reader.start()
    while running[0] < COMPUTING:
        time.sleep(0.01)
    assert app.state.memo.get("kept", compute) == "kept"
    assert running[0] > 0  # answered while the queue was still being worked through
    for reader in readers:
        reader.join()
    assert most[0] == COMPUTING == 3
    app.state.dbs.close()


def test_a_download_is_made_once_for_every_reader_whatever_their_pace(tmp_path):
    """Fifty readers asking for the same download at once read the pieces of one
    computation; a client reading slowly holds no slot, and the download is made
    whole and kept meanwhile: the next reader gets its bytes at once."""
    import contextlib
    import threading

    from tracker.web.memo import COMPUTING, Memo

    path, _ = _memo_db(tmp_path)
    memo = Memo(path, contextlib.nullcontext)
    made: list[bytes] = []
    go = threading.Event()

    def produce(_db):
        for piece in (b"[1", b",2", b"]"):
            go.wait(5)
            made.append(piece)
            yield piece

    readers = [memo.stream("download", produce) for _ in range(50)]
    go.set()
    slow = readers.pop()
    begun = next(slow)  # then it reads no more for a while
    assert begun in (b"[1", b"[1,2", b"[1,2]")  # (pieces made meanwhile come as one)
    assert all(b"".join(reader) == b"[1,2]" for reader in readers)
    assert made == [b"[1", b",2", b"]"]  # once for all
    assert memo.stream("download", produce) == b"[1,2]" and len(made) == 3  # kept
    taken = [memo.slots.acquire(blocking=False) for _ in range(COMPUTING)]
    assert all(taken)  # every slot free while the slow client has not read on
    for _ in taken:
        memo.slots.release()
    assert begun + b"".join(slow) == b"[1,2]"

    def broken(_db):
        yield b"["
        raise ValueError("no such table")

    with pytest.raises(ValueError, match="no such table"):
        b"".join(memo.stream("broken", broken))
    # Each reader of a failed download raises the error as its own object, the maker's
    # behind it: one object raised in many threads would share one growing traceback.
    go.clear()

    def failing(_db):
        go.wait(5)
        yield b"["
        raise ValueError("no such table")

    failed = [memo.stream("failing", failing) for _ in range(3)]
    go.set()
    raised = []
    for reader in failed:
        with pytest.raises(ValueError, match="no such table") as caught:
            b"".join(reader)
        raised.append(caught.value)
    assert len({id(e) for e in raised}) == 3
    assert len({id(e.__cause__) for e in raised}) == 1


def test_a_download_the_server_cannot_start_is_a_503_saying_so(served, monkeypatch):
    """Out of threads (a server under a flood), a download that cannot begin is "try
    again", a 503 with a message, not a 500."""
    import threading

    start = threading.Thread.start

    def refuse(thread):
        if thread.name == "memo-stream":
            raise RuntimeError("can't start new thread")
        return start(thread)

    monkeypatch.setattr(threading.Thread, "start", refuse)
    got = served.get("/api/stats", params={"by": "politician", "interval": "month"})
    assert got.status_code == 503, got.text
    assert "try again" in got.json()["error"]
    monkeypatch.setattr(threading.Thread, "start", start)
    assert served.get("/api/stats", params={"by": "politician"}).status_code == 200


def test_a_name_rules_preview_counts_what_the_rule_would_stop(room):
    """The preview of "this name is never this entity" counts the stored mentions the
    rule stops, as applying it to each would (read per surface in SQL: testing each of
    a politician's 66,000 mentions took a second over a million), whatever the case of
    the name and with or without a source, and shows the newest of them."""
    import sqlite3

    from sqlite_utils import Database

    from tracker import rules

    db = Database(sqlite3.connect(room))
    every = list(db.query("SELECT source, surface, entity_id, sentence, published_at "
                          "FROM mention_rows"))
    tried = 0
    for entity, surface in {(m["entity_id"], m["surface"]) for m in every}:
        for text in (surface, surface.upper(), surface + "s"):
            for source in (None, every[0]["source"]):
                rule = rules.Rule(None, "not-entity", text, entity, source)
                stops = rules.Ruleset([rule]).stops
                stopped = [m for m in every if stops(m["source"], m["surface"],
                                                     m["entity_id"], m["sentence"])]
                total, shown = rules.matches(db, rule, limit=2)
                assert total == len(stopped), rule
                assert [m["published_at"] for m in shown] == sorted(
                    (m["published_at"] for m in stopped), reverse=True)[:2], rule
                tried += bool(stopped)
    assert tried > 10


def test_downloads_being_made_leave_a_slot_for_the_pages(tmp_path):
    """Three long downloads asked at once (every politician by month, every view...) do
    not hold every computing slot: a page is computed meanwhile, and the third download
    starts once one of the others is made."""
    import contextlib
    import threading
    import time

    from tracker.web.memo import STREAMING, Memo

    path, _ = _memo_db(tmp_path)
    memo = Memo(path, contextlib.nullcontext)
    go = threading.Event()
    begun: list[str] = []

    def produce(name):
        def made(_db):
            begun.append(name)
            go.wait(10)
            yield name.encode()
        return made

    readers = [memo.stream(name, produce(name)) for name in ("a", "b", "c")]
    deadline = time.monotonic() + 5
    while len(begun) < STREAMING and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    assert memo.get("page", lambda _db: "computed") == "computed"
    assert time.monotonic() - started < 1  # not after the downloads
    assert len(begun) == STREAMING < 3
    go.set()
    assert [b"".join(reader) for reader in readers] == [b"a", b"b", b"c"]


def test_the_first_visitor_finds_the_overview_computed(room, monkeypatch):
    """A server that starts computes the overview's figures in the background: the first
    page opened is ready, and it is the same page."""
    import time

    from tracker.web import pages

    computed = []
    overview = pages._overview
    monkeypatch.setattr(pages, "_overview", lambda *a: computed.append(1) or overview(*a))
    with serving(room, read_only=True) as served:
        deadline = time.monotonic() + 10
        while not computed and time.monotonic() < deadline:
            time.sleep(0.02)
        assert computed == [1]  # before anyone asked
        page = served.get("/")
        assert page.status_code == 200 and "Rassemblement national" in page.text
        assert computed == [1]  # at start, not again for the visitor
        assert served.get("/?interval=month").status_code == 200
        assert computed == [1, 1]


def test_the_server_counts_co_mentions_of_new_documents_in_the_background(served, room):
    """`tracker run` stores documents without counting their co-mention pairs (quadratic
    in the names a page holds); a writable server covers them soon after, and an entity's
    page shows the same pairs either way."""
    import time

    from tracker import pairs

    before = served.get("/entity/ps").text
    deadline = time.monotonic() + 20
    while True:
        with Store(room, read_only=True) as store:
            upto = pairs.covered(store.db)
            last = store.db.execute("SELECT max(rowid) FROM documents").fetchone()[0]
        if upto == last or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert upto == last == 6
    with Store(room, read_only=True) as store:
        assert store.db.execute("SELECT count(DISTINCT b) FROM pair_counts WHERE "
                                "kind = 'party' AND a = 'ps' AND documents > 0"
                                ).fetchone()[0] == 3
    after = served.get("/entity/ps").text
    assert "Rassemblement national" in after and before == after


def test_read_connections_are_kept_between_requests_but_not_after_a_failure(room):
    """Opening a connection costs more than most kept answers: the server reuses them. One
    whose request failed is closed, not handed on with its half-read statement; at
    shutdown the last one closes and SQLite removes the WAL files."""
    from tracker.web.app import Databases

    dbs = Databases(room, read_only=True)
    with dbs.reader() as db:
        first = db.conn
    with dbs.reader() as db:
        assert db.conn is first  # kept
        with dbs.reader() as other:  # a second request at the same time: its own
            assert other.conn is not first
    with pytest.raises(RuntimeError), dbs.reader() as db:
        cursor = db.conn.execute("SELECT id FROM mentions")
        cursor.fetchone()
        raise RuntimeError("the page failed half way through its rows")
    with dbs.reader() as db:
        assert db.conn is not first  # the failed one was closed
        with dbs.reader(kept=False) as streamed:  # an export's: never kept
            fresh = streamed.conn
    with dbs.reader() as db:
        assert db.conn is not fresh
    del cursor  # the failed request's, freed (its connection is closed once it is)
    dbs.close()
    assert not room.with_name(room.name + "-wal").exists()


def test_raw_counts_are_read_once_until_another_program_commits(room, kb):
    """A review makes every figure be computed again, but what the daily counts say does
    not change with it: the SELECTs that read no review are answered from what the server
    kept, until another program (the daemon) commits or the server writes anything else."""
    from tracker.models import Mention
    from tracker.review import record
    from tracker.web.app import Databases
    from tracker.web.memo import Raw

    dbs = Databases(room, read_only=False)
    raw = Raw(dbs.version)
    run: list[str] = []
    totals = "SELECT sum(mentions) FROM mention_counts WHERE dimension = 'lang'"
    wrong = "SELECT count(*) FROM reviews WHERE verdict = 'wrong'"

    def read(sql: str):
        with dbs.reader() as db:
            db.conn.set_trace_callback(
                lambda statement: run.append(statement) if statement.startswith("SELECT")
                else None)
            try:
                return raw.reads(db).execute(sql).fetchone()[0]
            finally:
                db.conn.set_trace_callback(None)

    first = read(totals)
    assert read(totals) == first and len(run) == 1  # kept
    with dbs.writer(review=True) as db:  # the server's own review
        record(db, mention_id(room, "PS", "Le PS réagit."), "wrong")
    assert read(totals) == first and len(run) == 1  # still kept: a review leaves it
    assert read(wrong) == 1 and read(wrong) == 1 and len(run) == 3  # reviews: always read
    with Store(room) as store:  # the daemon stores a page
        store.save(_article(), [Mention("ps", "party", "ps", "PS", 0, 2, "PS.", "alias")],
                   kb_version=kb.version, tagger_version="test")
    assert read(totals) == first + 1 and len(run) == 4  # another program committed
    raw.forget()  # any other write of the server (a rule)
    assert read(totals) == first + 1 and len(run) == 5
    with dbs.reader() as db:  # a read transaction's snapshot: its own, read each time
        db.conn.execute("BEGIN")
        db.conn.set_trace_callback(
            lambda statement: run.append(statement) if statement.startswith("SELECT")
            else None)
        assert [raw.reads(db).execute(totals).fetchone()[0] for _ in range(2)] == [
            first + 1] * 2
        db.conn.set_trace_callback(None)
        db.conn.execute("ROLLBACK")
    assert len(run) == 7
    small = Raw(dbs.version, rows=8)  # a result past a quarter of it is read, not held
    with dbs.reader() as db:
        ids = [row[0] for row in small.reads(db).execute("SELECT id FROM mentions")]
        assert len(ids) == len(set(ids)) == first + 1
        assert small._held == 0
    dbs.close()


def _article():
    import datetime as dt

    from tracker.models import Article

    when = dt.datetime(2026, 3, 21, tzinfo=dt.timezone.utc)
    return Article(source="lemonde", url="https://lemonde.example/new", text="PS.",
                   lang="fr", published_at=when, date_source="feed", fetched_at=when)


def test_a_window_too_wide_to_draw_is_narrowed_then_drawn_by_coarser_steps(served, room):
    """A researcher types 1900 to 2100, by day: 73,000 steps took 8 s and 11 MB of page.
    The page now draws only the stored documents' dates, and when those still make more
    than a chart's steps, weeks (or months), and says so; no mention is lost."""
    import datetime as dt
    import re

    from tracker.models import Article, Mention
    from tracker.periods import INTERVALS, period_count, periods

    century = {"since": "1900-01-01", "until": "2100-12-31", "interval": "day"}
    page = served.get("/", params=century).text
    assert 'data-since="2026-03-03" data-until="2026-03-20"' in page
    assert "Narrowed to the dates of the stored documents." in page
    assert '<option value="day" selected>' in page  # 18 days: still drawn by day
    assert "too many for one chart" not in page
    march = served.get("/", params={"since": "2026-03-02", "until": "2026-03-22"}).text
    cards = lambda text: re.findall(r'data-figure="(\w+)"><b>([\d,]+)<', text)  # noqa: E731
    assert cards(page) == cards(march) and ("mentions", "15") in cards(page)
    # Asked for 18 days by day: drawn as asked, nothing said.
    asked = served.get("/", params={**century, "since": "2026-03-03", "until": "2026-03-20"})
    assert 'id="shown"' not in asked.text

    when = dt.datetime(2024, 6, 3, 9, tzinfo=dt.timezone.utc)  # an older article
    with Store(room) as store:
        store.save(Article(source="lemonde", url="https://lemonde.example/2024",
                           text="Le PS se réunit.", lang="fr", published_at=when,
                           date_source="feed", fetched_at=when),
                   [Mention("ps", "party", "ps", "PS", 3, 5, "Le PS se réunit.", "alias")],
                   kb_version="test", tagger_version="test")
    for path in ("/", "/entity/ps"):
        got = served.get(path, params=century).text
        assert 'Window: 2024-06-03 – 2026-03-20' in got
        assert ("Shown by week: by day, this window has 656 steps, too many for one chart "
                "(at most 400).") in got
    page = served.get("/", params=century).text
    assert '<option value="week" selected>' in page
    assert ("mentions", "16") in cards(page)
    french = served.get("/", params={**century, "lang": "fr"}).text
    assert "Affiché par semaine : par jour, cette période compte 656 pas" in french
    # The same two years asked exactly: not narrowed, only coarsened.
    exact = served.get("/", params={**century, "since": "2024-06-03",
                                    "until": "2026-03-20"}).text
    assert "Narrowed" not in exact and "Shown by week" in exact

    # The count of steps is the calendar's own.
    day = dt.date(2023, 12, 25)
    for length in (0, 1, 6, 7, 30, 31, 400, 401, 2900):
        for interval in INTERVALS:
            end = day + dt.timedelta(days=length)
            assert period_count(day, end, interval) == len(periods(day, end, interval))


def test_filtering_mentions_by_language_keeps_the_pages_language(served):
    """On the mentions page `lang` is a filter, as `tracker mentions --lang` is: filtering
    English documents switched a French reader's pages to English, and the EN/FR links
    dropped the filters and filtered by language instead."""
    import html
    import re

    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    everything = served.get("/api/mentions", params={"party": "rn"}).json()["total"]
    english = served.get("/api/mentions", params={"party": "rn", "lang": "en"}).json()["total"]
    assert 0 < english < everything
    page = served.get("/mentions", params={"party": "rn", "lang": "en"}, headers=french)
    assert 'lang="fr"' in page.text and f'data-total="{english}"' in page.text
    assert "tracker_lang" not in page.headers.get("set-cookie", "")
    links = dict(re.findall(r'<a href="([^"]+)" hreflang="(\w\w)"', page.text))
    to_english = {v: html.unescape(k) for k, v in links.items()}["en"]
    assert to_english == "?party=rn&lang=en&ui=en"
    switched = served.get("/mentions" + to_english, headers=french)
    assert 'lang="en"' in switched.text and f'data-total="{english}"' in switched.text
    # Elsewhere `?lang=` still sets the page's language, as the README says.
    assert 'lang="fr"' in served.get("/", params={"lang": "fr"}).text


def test_the_mentions_form_as_a_browser_sends_it(served):
    """A browser sends every field of a form, the empty ones as ``since=``: each search
    made with the mentions page's own form was a 422 page ("since = '': Input should be
    a valid date"), whatever was typed (dashboard audit). Empty fields now mean no
    filter: the page redirects to its address without them."""
    import re

    form = served.get("/mentions").text
    fields = re.findall(r'<(?:input|select)[^>]*name="(\w+)"', form.split("</form>")[0])
    assert {"party", "since", "until", "lang", "type", "position", "search"} <= set(fields)
    sent = {name: "" for name in fields if name not in ("direct", "no_duplicates", "raw")}
    got = served.get("/mentions", params={**sent, "party": "PS"}, allow_redirects=False)
    assert got.status_code == 303 and got.headers["location"] == "/mentions?party=PS"
    page = served.get("/mentions", params={**sent, "party": "PS"})
    assert page.status_code == 200 and page.url.endswith("/mentions?party=PS")
    total = served.get("/api/mentions", params={"party": "PS", "limit": 0}).json()["total"]
    assert f'data-total="{total}"' in page.text and total > 0
    nothing_typed = served.get("/mentions", params=sent, allow_redirects=False)
    assert nothing_typed.headers["location"] == "/mentions"
    # The API, which scripts call, keeps refusing an empty filter.
    assert served.get("/api/mentions", params={"party": ""}).status_code == 400
    # A value that ends with "=" is a value; and the redirect stays on this server
    # (review: "//evil.example?since=" answered Location: //evil.example).
    import http.client
    from urllib.parse import urlsplit

    kept = served.get("/mentions", params={"search": "a=", "since": ""},
                      allow_redirects=False)
    assert kept.headers["location"] == "/mentions?search=a%3D"
    host = urlsplit(served.url)
    for path in ("//evil.example?since=", "///evil.example?since=&party=PS",
                 "/\\evil.example?since="):
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        conn.request("GET", path)
        answer = conn.getresponse()
        location = answer.getheader("location") or ""
        conn.close()
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_the_csv_download_opens_in_french_excel_and_is_named_for_its_filters(served, room,
                                                                             tmp_path):
    """The dashboard's CSV had no French-Excel form (`tracker export --excel`: a BOM, ';')
    and was always mentions.csv, each download overwriting the last (dashboard audit)."""
    page = served.get("/mentions", params={"party": "PS"}).text
    assert 'href="/api/export.csv?party=PS&amp;excel=true"' in page
    got = served.get("/api/export.csv", params={"party": "PS", "excel": "true"})
    done = tracker("export", "--db", str(room), "--party", "PS", "--excel",
                   "-o", str(tmp_path / "ps.csv"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert got.content == (tmp_path / "ps.csv").read_bytes()
    assert got.content.startswith("\ufeff".encode()) and b";" in got.content.split(b"\r\n")[0]
    assert got.headers["content-disposition"] == (
        'attachment; filename="mentions-ps-excel.csv"')
    assert served.get("/api/export.csv", params={"party": "PS"}).headers[
        "content-disposition"] == 'attachment; filename="mentions-ps.csv"'
    named = served.get("/api/export.csv", params={"politician": "Ségolène Royal",
                                                  "since": "2026-01-01"})
    assert named.headers["content-disposition"] == (
        'attachment; filename="mentions-segolene-royal-2026-01-01.csv"')


def test_an_entitys_page_keeps_the_window_it_was_opened_from(served):
    """From the overview of a chosen window, a person's page showed the last year instead:
    4 mentions on the overview, 0 on the page (empty charts, no word why), 4 again under
    its "Mentions" link (dashboard audit). The window now follows every link, the page
    has the overview's window form, and a window without the entity says so."""
    import re
    from html import unescape

    window = {"since": "2026-03-02", "until": "2026-03-12", "interval": "day"}
    overview = served.get("/", params=window).text
    links = [unescape(h) for h in re.findall(r'href="(/entity/[^"]+)"', overview)]
    assert links and all(h.endswith("?since=2026-03-02&until=2026-03-12&interval=day")
                         for h in links)
    rn = next(h for h in links if h.startswith("/entity/rn?"))
    page = served.get(rn).text
    counted = served.get("/api/mentions", params={"party": "rn", "since": "2026-03-02",
                                                  "until": "2026-03-12", "limit": 0})
    assert f'data-total="{counted.json()["total"]}"' in page
    assert '<form class="filters" method="get" action="/entity/rn">' in page
    assert 'value="2026-03-02"' in page and 'value="2026-03-12"' in page
    assert unescape(page).count("?since=2026-03-02&until=2026-03-12&interval=day") >= 1
    assert 'href="/mentions?party=rn&amp;since=2026-03-02&amp;until=2026-03-12"' in page
    # The whole year holds more of RN than these ten days: the two figures differ.
    assert 'data-total="5"' in served.get("/entity/rn").text
    assert counted.json()["total"] != 5
    # A window where the party is not named, though others are: said, not drawn empty.
    stored = served.get("/api/mentions", params={"limit": 1000}).json()["mentions"]
    days = {m["published_at"][:10] for m in stored}
    rn_days = {m["published_at"][:10] for m in stored if m["party_id"] == "rn"}
    other = sorted(days - rn_days)[0]
    empty = served.get("/entity/rn", params={"since": other, "until": other}).text
    assert "No mention of Rassemblement national in these dates." in empty
    assert 'id="trend"' not in empty


def test_a_reviewer_lists_what_is_left_to_review(served, room, tmp_path):
    """A reviewer could not list the mentions not yet reviewed, nor those marked wrong,
    except by scrolling "Raw figures" (dashboard audit): `review` is a filter of the
    page, the API, `tracker mentions` and `tracker export`."""
    listed = served.get("/api/mentions", params={"limit": 1000}).json()
    first, second = listed["mentions"][:2]
    assert served.review(first["id"], "wrong").status_code == 200
    assert served.review(second["id"], "right").status_code == 200

    def ids(**query) -> list[str]:
        got = served.get("/api/mentions", params={**query, "limit": 1000}).json()
        assert got["total"] == len(got["mentions"])
        return [m["id"] for m in got["mentions"]]

    assert ids(review="wrong") == [first["id"]]  # without raw=true: asked for by name
    assert ids(review="right") == [second["id"]]
    left = ids(review="none")
    assert len(left) == listed["total"] - 2 and {first["id"], second["id"]}.isdisjoint(left)
    assert ids(review="none", party="rn") == [i for i in left if i in ids(party="rn")]
    printed = cli_jsonl(tmp_path, "mentions", "--db", str(room), "--review", "none")
    assert [m["mention_id"] for m in printed] == left
    page = served.get("/mentions", params={"review": "wrong"}).text
    assert '<option value="wrong" selected>' in page and 'data-total="1"' in page
    assert ">1</span> mention matches ·" in page  # not "1 mentions match"
    assert served.get("/api/mentions", params={"review": "maybe"}).status_code == 422


def test_an_address_that_is_no_page_gets_the_dashboards_page(served):
    """`/docs` or a mistyped link answered a bare `{"detail":"Not Found"}` (dashboard
    audit); the API keeps its JSON."""
    for path in ("/docs", "/entity/..%2F..", "/static/nope.css", "/mention"):
        got = served.get(path)
        assert got.status_code == 404 and got.headers["content-type"].startswith("text/html")
        assert 'role="alert">no such page</p>' in got.text and 'href="/mentions"' in got.text
        assert "default-src 'none'" in got.headers["content-security-policy"]
    api = served.get("/api/nothing")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


def test_an_entitys_page_keeps_the_overviews_raw_figures_and_copies_left_out(served):
    """With raw figures on the overview, a person's count there took in a mention
    reviewed wrong, and their page, opened from it, left it out (review)."""
    import re
    from html import unescape

    rn = served.get("/api/mentions", params={"party": "rn", "limit": 1000}).json()
    assert served.review(rn["mentions"][0]["id"], "wrong").status_code == 200
    window = {"since": "2026-03-02", "until": "2026-03-22"}
    for flags, total in (({"raw": "true"}, rn["total"]), ({}, rn["total"] - 1),
                         ({"no_duplicates": "true"}, None)):
        overview = served.get("/", params={**window, **flags}).text
        link = unescape(re.search(r'href="(/entity/rn\?[^"]+)"', overview).group(1))
        assert all(f"{k}={v}" in link for k, v in flags.items()), link
        page = served.get(link).text
        expected = total if total is not None else served.get("/api/mentions", params={
            "party": "rn", "no_duplicates": "true", "limit": 0, **window}).json()["total"]
        assert f'data-total="{expected}"' in page, (flags, expected)
        mentions = unescape(re.search(r'href="(/mentions\?party=rn[^"]*)"', page).group(1))
        assert all(f"{k}={v}" in mentions for k, v in flags.items()), mentions


def test_a_french_page_draws_its_charts_in_french(served):
    """The charts were drawn once and kept: a French page showed "Mentions per party",
    "Top politicians" and "Other parties" (dashboard audit)."""
    window = {"since": "2026-03-02", "until": "2026-03-22"}
    english = served.get("/", params={**window, "ui": "en"}).text
    french = served.get("/", params={**window, "ui": "fr"}).text
    assert 'aria-label="Mentions over time, by party"' in english
    assert 'aria-label="Mentions dans le temps, par parti"' in french
    assert "Top politicians" not in french and "Mentions per party" not in french
    page = served.get("/entity/rn", params={**window, "ui": "fr"}).text
    assert 'aria-label="Mentions de Rassemblement national"' in page
    assert 'aria-label="Part de voix de Rassemblement national"' in page
