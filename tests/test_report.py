"""A press officer's story: `tracker report` writes one HTML file the director opens on a
laptop with no network — rendered here in headless Chromium (Debian's `chromium`,
installed by .ci/run), whose charts are checked against the hand count of
tests/newsroom.py, and whose hostile headline stays text."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.newsroom import build_newsroom

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("TRACKER_REQUIRE_BROWSER") == "1"  # set by .ci/run
needs_browser = pytest.mark.skipif(
    not CHROMIUM and not REQUIRED,
    reason="Chromium is not installed (apt-get install chromium; .ci/run installs it)")

# Weeks of 2026-03-02, 03-09 and 03-16 (tests/newsroom.py)
TREND = {"renaissance": [2, 0, 2], "rn": [2, 2, 1], "ps": [1, 2, 2], "lfi": [0, 0, 1]}
SHARES = {"2026-03-02": {"renaissance": 0.4, "rn": 0.4, "ps": 0.2},
          "2026-03-09": {"rn": 0.5, "ps": 0.5},
          "2026-03-16": {"renaissance": 0.3333, "ps": 0.3333, "rn": 0.1667, "lfi": 0.1667}}


def _tracker(*args):
    return subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture(scope="module")
def report(tmp_path_factory, kb):
    folder = tmp_path_factory.mktemp("report")
    db = folder / "tracker.db"
    build_newsroom(db, kb)
    out = folder / "report.html"
    done = _tracker("report", "--db", str(db), "--since", "2026-03-02", "--until",
                    "2026-03-22", "--interval", "week", "-o", str(out))
    assert done.returncode == 0, done.stderr
    return db, out


def test_the_report_is_one_file_that_needs_nothing_else(report):
    db, out = report
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html.replace("&lt;script", "")  # no script of ours, none injected
    assert "&lt;script&gt;alert(&#x27;titre&#x27;)&lt;/script&gt;" in html
    for remote in ("http-equiv=\"refresh\"", "<link ", "@import", "src=\"http", "url("):
        assert remote not in html
    again = _tracker("report", "--db", str(db), "--since", "2026-03-02", "--until",
                     "2026-03-22", "-o", str(out))
    assert again.returncode == 1 and "already exists (use --force" in again.stderr
    to_stdout = _tracker("report", "--db", str(db), "--until", "2026-03-22", "-o", "-")
    assert to_stdout.returncode == 0 and to_stdout.stdout.startswith("<!DOCTYPE html>")
    backwards = _tracker("report", "--db", str(db), "--since", "2026-04-01", "--until",
                         "2026-03-01", "-o", "-")
    assert backwards.returncode == 2 and backwards.stdout == ""
    # --latest 0 leaves the list out; it used to say "No mentions" over a full report.
    no_list = _tracker("report", "--db", str(db), "--until", "2026-03-22", "--latest", "0",
                       "-o", "-")
    assert no_list.returncode == 0 and 'id="latest"' not in no_list.stdout
    assert 'id="politicians"' in no_list.stdout


@needs_browser
def test_chromium_renders_the_charts_with_the_right_numbers(report, tmp_path):
    from playwright.sync_api import sync_playwright

    _, out = report
    requests, dialogs = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(out.as_uri())
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            figures = page.evaluate(_READ_PAGE)
        finally:
            browser.close()
    assert requests == [out.as_uri()]  # nothing fetched but the file itself
    assert dialogs == []  # the <script> in a headline never ran
    assert (tmp_path / "report.png").stat().st_size > 20_000

    assert figures["summary"] == {"documents": "6", "copies": "1", "mentions": "15",
                                  "mentions_dedup": "13", "sources": "4"}
    # Lines: one per party, a dot per week at the party's count, higher counts drawn higher.
    assert figures["trend"] == {k: [float(v) for v in vs] for k, vs in TREND.items()}
    week1 = figures["dotY"]
    assert week1["renaissance"] < week1["ps"] < week1["lfi"]
    # Share of voice: each week's bar is split by share and fills the plot's height.
    assert figures["shares"] == {p: {k: pytest.approx(v, abs=1e-4) for k, v in s.items()}
                                 for p, s in SHARES.items()}
    for period, heights in figures["shareHeights"].items():
        total = sum(heights.values())
        assert total == pytest.approx(figures["plotHeight"], rel=0.01)
        for key, h in heights.items():
            assert h / total == pytest.approx(SHARES[period][key], abs=0.01)
    # Rankings: bar lengths in proportion to the counts.
    assert figures["politicians"] == [["emmanuel-macron", 4], ["olivier-faure", 3],
                                      ["marine-le-pen", 2], ["jordan-bardella", 1]]
    widths = figures["politicianWidths"]
    assert widths[1] / widths[0] == pytest.approx(3 / 4, rel=0.02)
    assert figures["sources"] == [["lemonde", 6], ["figaro", 4], ["bbc", 3], ["agence", 2]]
    assert figures["partyPairs"] == [["renaissance|rn", "3", "3"], ["ps|rn", "1", "4"],
                                     ["ps|renaissance", "1", "3"], ["lfi|ps", "1", "1"],
                                     ["lfi|renaissance", "0", "1"]]
    # Latest mentions, newest first, the name marked, the hostile headline shown as text.
    assert figures["latest"][0][:3] == ["2026-03-20", "lemonde", "Parti socialiste"]
    assert len(figures["latest"]) == 15 and figures["marks"][0] == "PS"
    assert "<script>alert('titre')</script>" in figures["latestText"]
    # Readable on a laptop: no sideways scrolling, charts use the width.
    assert figures["scrollWidth"] <= 1366
    assert figures["trendWidth"] > 800


_READ_PAGE = """() => {
  const q = (s, root = document) => Array.from(root.querySelectorAll(s));
  const summary = {};
  q('#summary .card').forEach(c => summary[c.dataset.figure] =
      c.querySelector('b').textContent.replace(/,/g, ''));
  const trend = {}, dotY = {};
  q('#trend g.series').forEach(g => {
    const dots = q('circle', g);
    trend[g.dataset.entity] = dots.map(c => parseFloat(c.dataset.value));
    dotY[g.dataset.entity] = dots[0].getBoundingClientRect().y;
  });
  const shares = {}, shareHeights = {};
  q('#share g.bar').forEach(g => {
    shares[g.dataset.period] = {}; shareHeights[g.dataset.period] = {};
    q('rect', g).forEach(r => {
      shares[g.dataset.period][r.dataset.entity] = parseFloat(r.dataset.share);
      shareHeights[g.dataset.period][r.dataset.entity] = r.getBBox().height;
    });
  });
  const rows = s => q(s + ' g.row').map(g => [g.dataset.entity, parseInt(g.dataset.value)]);
  return {
    summary, trend, dotY, shares, shareHeights,
    plotHeight: parseFloat(document.querySelector('#share svg').dataset.plotHeight),
    politicians: rows('#politicians'),
    politicianWidths: q('#politicians g.row rect').map(r => r.getBoundingClientRect().width),
    sources: rows('#sources'),
    partyPairs: q('#co-mentions table')[1] ? q('tbody tr', q('#co-mentions table')[1]).map(
        tr => [tr.dataset.pair, tr.cells[2].textContent, tr.cells[3].textContent]) : [],
    latest: q('#latest tbody tr').map(tr => Array.from(tr.cells).slice(0, 4).map(
        c => c.textContent)),
    marks: q('#latest mark').map(m => m.textContent),
    latestText: document.querySelector('#latest').innerText,
    scrollWidth: document.documentElement.scrollWidth,
    trendWidth: document.querySelector('#trend svg').getBoundingClientRect().width,
  };
}"""


def test_the_mentions_axis_counts_in_whole_mentions():
    """A peak of 5 mentions gave ticks at 1.25, 2.5 and 3.75 mentions."""
    import re

    from tracker.charts import Series, line_chart

    for peak in (1, 5, 9, 13, 41, 121, 4444):
        svg = line_chart(["2026-01-01", "2026-02-01"],
                         [Series("ps", "PS", [0, peak], "#000")], title="t")
        ticks = [float(t) for t in re.findall(r'text-anchor="end">([^<]*)</text>', svg)]
        assert len(ticks) == 5 and all(t.is_integer() for t in ticks), (peak, ticks)
        assert ticks[-1] >= peak and ticks[-1] < 2 * peak + 4, (peak, ticks)


def test_a_share_of_voice_is_drawn_in_percents_up_to_its_peak():
    """An entity's share of voice (0 to 1) was drawn on an axis of 0 to 4 mentions: a flat
    line at the bottom, labelled 0.37."""
    import re

    from tracker.charts import Series, line_chart

    svg = line_chart(["2026-01-01", "2026-02-01"], [Series("ps", "PS", [0.05, 0.37], "#000")],
                     title="Share of voice", percent=True)
    assert re.findall(r'text-anchor="end">([^<]*)</text>', svg) == [
        "0%", "10%", "20%", "30%", "40%"]
    assert "PS, 2026-02-01: 37%" in svg
    whole = line_chart(["2026-01-01"], [Series("ps", "PS", [1.0], "#000")], title="t",
                       percent=True)
    assert re.findall(r'text-anchor="end">([^<]*)</text>', whole)[-1] == "100%"
