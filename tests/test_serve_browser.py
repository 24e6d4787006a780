"""A press officer in Chromium (Debian's, driven by Playwright): the dashboard's pages
show the numbers `tracker stats` and `tracker mentions` print, a mention marked wrong
with the keyboard leaves the counts and stays wrong after `tracker retag`, no script
error shows, and each page is saved as a screenshot (``TRACKER_SCREENSHOTS``, else the
test's own folder)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import tracker
from tests.newsroom import build_newsroom
from tests.test_report import CHROMIUM, needs_browser
from tests.web import serving

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]
WINDOW = {"since": "2026-03-02", "until": "2026-03-22"}
READ_TREND = """() => {
  const out = {};
  for (const g of document.querySelectorAll('#trend g.series')) {
    out[g.dataset.entity] = [...g.querySelectorAll('circle')].map(c => Number(c.dataset.value));
  }
  return out;
}"""


@needs_browser
def test_the_dashboard_in_chromium(tmp_path, kb):
    from playwright.sync_api import sync_playwright

    db = tmp_path / "tracker.db"
    build_newsroom(db, kb)
    shots = Path(os.environ.get("TRACKER_SCREENSHOTS") or tmp_path / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    weekly = tracker("stats", "--db", str(db), "--since", WINDOW["since"], "--until",
                     WINDOW["until"], "--format", "jsonl", cwd=tmp_path)
    assert weekly.returncode == 0, weekly.stderr
    expected: dict[str, list[float]] = {}
    for line in weekly.stdout.splitlines():
        row = json.loads(line)
        expected.setdefault(row["key"], []).append(float(row["mentions"]))
    problems, dialogs = [], []
    with serving(db, max_age=0) as served, sync_playwright() as p:
        browser, page = watched(p, problems)
        try:
            page.on("dialog", lambda d: (dialogs.append(d.message), d.accept("the console")))
            query = f"?since={WINDOW['since']}&until={WINDOW['until']}"

            # Overview: the cards and the trend are the figures of `tracker stats`.
            page.goto(served.url + "/" + query)
            page.screenshot(path=str(shots / "overview.png"), full_page=True)
            cards = page.eval_on_selector_all(
                "#summary .card", "cs => Object.fromEntries(cs.map(c => "
                "[c.dataset.figure, c.querySelector('b').textContent]))")
            assert cards == {"documents": "6", "copies": "1", "mentions": "15",
                             "mentions_dedup": "13", "sources": "4", "wrong": "0"}
            assert page.evaluate(READ_TREND) == expected  # four parties: all drawn

            # The keyboard reaches everything: the skip link first, then the menu.
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.className") == "skip"

            # Mentions of the PS, as many as `tracker mentions` lists: mark "Le PS
            # réagit." wrong with the keyboard.
            page.goto(served.url + "/mentions?party=ps")
            assert page.inner_text("#total") == str(len(listed(db, tmp_path))) == "5"
            row = page.locator("tr", has_text="Le PS réagit.")
            row.locator("button[data-verdict=wrong]").focus()
            page.keyboard.press("Enter")
            page.wait_for_selector("tr.reviewed-wrong")
            assert dialogs and "wrong" in dialogs[0]
            page.screenshot(path=str(shots / "mentions.png"), full_page=True)
            # The wrong mention becomes a rule, shown with what it would stop first.
            row.locator("a.make-rule").click()
            page.wait_for_selector("#preview")
            assert page.inner_text("#rule-text") == '"PS" is never ps (in every source)'
            assert page.get_attribute("#matches", "data-matches") == "2"  # D1 and D6
            page.screenshot(path=str(shots / "rule.png"), full_page=True)
            page.click("#save-rule")
            page.wait_for_url("**/rules")
            assert page.locator("tr[data-rule]").count() == 1
            page.goto(served.url + "/mentions?party=ps")
            left = listed(db, tmp_path)
            assert page.inner_text("#total") == str(len(left)) == "4"
            # The same rows, each with its name highlighted.
            marked = page.eval_on_selector_all(
                "table.mentions tbody tr[data-mention] td:nth-child(3) mark",
                "ms => ms.map(m => m.textContent)")
            assert sorted(marked) == sorted(m["surface"] for m in left)

            # The counts followed: the overview and the party's page say one less.
            page.goto(served.url + "/" + query)
            assert page.inner_text('[data-figure="mentions"] b') == "14"
            assert page.inner_text('[data-figure="wrong"] b') == "1"
            assert sum(page.evaluate(READ_TREND)["ps"]) == sum(expected["ps"]) - 1
            page.goto(served.url + "/entity/ps" + query)
            assert page.get_attribute("#entity-total", "data-total") == str(len(listed(
                db, tmp_path, "--party", "ps", "--since", WINDOW["since"], "--until",
                WINDOW["until"]))) == "4"
            # Its co-mentions, as `tracker stats --view co-mentions` counts them.
            together = page.eval_on_selector_all(
                "#co-mentions tbody tr", "rs => rs.map(r => [r.children[0].textContent, "
                "Number(r.children[1].textContent), Number(r.children[2].textContent)])")
            pairs = tracker("stats", "--db", str(db), "--view", "co-mentions", "--since",
                            WINDOW["since"], "--until", WINDOW["until"], "--format",
                            "jsonl", cwd=tmp_path)
            assert pairs.returncode == 0, pairs.stderr
            assert sorted(together) == sorted(
                [p["name_b"] if p["key_a"] == "ps" else p["name_a"], p["sentences"],
                 p["documents"]] for p in map(json.loads, pairs.stdout.splitlines())
                if "ps" in (p["key_a"], p["key_b"])) and together
            page.screenshot(path=str(shots / "entity.png"), full_page=True)
            for name in ("sources", "candidates", "alerts", "rules"):
                page.goto(served.url + "/" + name)
                page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            # A hostile headline stays text: no dialog but the review's own prompt.
            page.goto(served.url + "/mentions?source=figaro")
            assert "<script>alert('titre')</script>" in page.inner_text("main")

            stats = tracker("stats", "--db", str(db), "--view", "totals", "--format",
                            "jsonl", cwd=tmp_path)
            ps = next(r for r in map(json.loads, stats.stdout.splitlines())
                      if r["key"] == "ps")
            assert ps["mentions"] == sum(expected["ps"]) - 1

            # Another mention marked wrong, then `tracker retag` run beside the server:
            # the verdict applies to the mention found again, and the page still says
            # what `tracker mentions` says (the retag applies the rule saved above, and
            # finds fewer names than this hand-made newsroom holds).
            macron = "/mentions?politician=emmanuel-macron"
            page.goto(served.url + macron)
            before = len(listed(db, tmp_path, "--politician", "emmanuel-macron"))
            assert page.inner_text("#total") == str(before)
            row = page.locator("tr", has_text="Bardella répond à Macron.")
            row.locator("button[data-verdict=wrong]").focus()
            page.keyboard.press("Enter")
            page.wait_for_selector("tr.reviewed-wrong")
            retagged = tracker("retag", "--db", str(db), cwd=tmp_path)
            assert retagged.returncode == 0, retagged.stderr
            page.goto(served.url + macron)
            after = listed(db, tmp_path, "--politician", "emmanuel-macron")
            assert page.inner_text("#total") == str(len(after)) == str(before - 1)
            assert "Bardella répond à Macron." not in page.inner_text("table.mentions")
            page.goto(served.url + macron + "&raw=true")
            assert page.locator("tr.reviewed-wrong",
                                has_text="Bardella répond à Macron.").count() == 1
        finally:
            browser.close()
    assert problems == []
    assert dialogs == ["Why is this mention wrong? (optional)"] * 2
    for name in ("overview", "mentions", "rule", "entity", "sources", "candidates", "alerts",
                 "rules"):
        assert (shots / f"{name}.png").stat().st_size > 10_000


def watched(p, problems: list[str]):
    """Chromium and a page of it whose script and console errors land in ``problems``."""
    browser = p.chromium.launch(executable_path=CHROMIUM or "/usr/bin/chromium",
                                args=BROWSER_ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return browser, page


def listed(db: Path, cwd: Path, *which: str) -> list[dict]:
    """`tracker mentions` (default: of the PS), as a user's script reads it."""
    done = tracker("mentions", "--db", str(db), *(which or ("--party", "ps")),
                   "--format", "jsonl", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@needs_browser
def test_a_rule_made_in_chromium_stops_the_same_false_mention_in_a_new_page(newsroom,
                                                                            tmp_path):
    """A reviewer marks a politician's mention wrong and turns it into a rule, all in
    the browser; a new page with the same sentence is then collected by `tracker run`:
    the tagger still finds the name, and the stored page has no such mention."""
    import shutil

    from playwright.sync_api import sync_playwright

    from tracker.store import Store

    home = tmp_path / "home"
    shutil.copytree(newsroom, home)
    db = home / "data" / "tracker.db"
    problems = []
    with serving(db, max_age=0) as served, sync_playwright() as p:
        wrong = served.get("/api/mentions",
                           params={"type": "politician", "limit": 1}).json()["mentions"][0]
        browser, page = watched(p, problems)
        try:
            page.on("dialog", lambda d: d.accept("a namesake"))
            page.goto(served.url + f"/mentions?politician={wrong['entity_id']}")
            row = page.locator(f"tr[data-mention='{wrong['id']}']")
            row.locator("button[data-verdict=wrong]").focus()
            page.keyboard.press("Enter")
            page.wait_for_selector(f"tr.reviewed-wrong[data-mention='{wrong['id']}']")
            # By the keyboard too: the rule's link, then its save button.
            row.locator("a.make-rule").focus()
            page.keyboard.press("Enter")
            page.wait_for_selector("#preview")
            assert page.inner_text("#rule-text").startswith(f'"{wrong["surface"]}" is never')
            page.locator("#save-rule").focus()
            page.keyboard.press("Enter")
            page.wait_for_url("**/rules")
            assert page.locator("tr[data-rule]").count() == 1
            # The sources' health, as `tracker sources` prints it.
            page.goto(served.url + "/sources")
            shown = page.eval_on_selector_all(
                "table.sources tbody tr", "rs => rs.map(r => [r.dataset.source, "
                "r.children[1].textContent, Number(r.children[2].textContent), "
                "Number(r.children[5].textContent)])")
            health = tracker("sources", "--format", "jsonl", cwd=home)
            assert health.returncode == 0, health.stderr
            printed = [[r["name"], r["last_status"] or "", r["consecutive_failures"] or 0,
                        r["documents"]] for r in map(json.loads, health.stdout.splitlines())]
            assert sorted(shown) == sorted(printed) and any(r[3] for r in printed)
        finally:
            browser.close()
    assert problems == []
    new_page = home / "inbox" / "new-page.html"
    new_page.write_text(
        f"<html><head><title>Nouvel article</title></head><body><article><h1>Nouvel "
        f"article</h1><p>{wrong['sentence']}</p><p>{wrong['sentence']} Une seconde phrase "
        "pour que le texte soit un article.</p></article></body></html>", "utf-8")
    # The tagger alone still finds it; `tracker tag`, like the store, applies the rule.
    tagged = tracker("tag", str(new_page), "--no-rules", "--format", "jsonl", cwd=home)
    assert wrong["surface"] in [json.loads(x)["surface"] for x in tagged.stdout.splitlines()]
    tagged = tracker("tag", str(new_page), "--format", "jsonl", cwd=home)
    assert wrong["surface"] not in [json.loads(x)["surface"]
                                    for x in tagged.stdout.splitlines()]
    assert "left out by the review rules" in tagged.stderr
    ran = tracker("run", "--once", cwd=home)
    assert ran.returncode == 0, ran.stderr
    with Store(db, read_only=True) as store:
        assert store.db.execute("SELECT count(*) FROM documents WHERE url LIKE "
                                "'%new-page.html'").fetchone()[0] == 1
        stored = store.db.execute(
            "SELECT m.surface, m.entity_id FROM mentions m JOIN documents d "
            "ON d.id = m.document_id WHERE d.url LIKE '%new-page.html'").fetchall()
    assert (wrong["surface"], wrong["entity_id"]) not in stored
