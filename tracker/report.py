"""The HTML report a press officer sends to their director: one self-contained file
(inline CSS and SVG, no script, no font or CDN), readable on a laptop and printable.

Every text that comes from a page (titles, sentences, names typed in feeds) is escaped,
and only http(s) and file links are made clickable: a ``javascript:`` link in a hostile
feed stays text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import replace
from html import escape

from sqlite_utils import Database

from tracker import __version__
from tracker.charts import OTHERS, PALETTE, Series, bar_list, line_chart, stacked_bars
from tracker.figures import co_mentions
from tracker.grouping import grouped
from tracker.marking import name_at
from tracker.periods import fitting, periods
from tracker.query import MentionFilter, mention_rows
from tracker.stats import StatsQuery, entity_names, totals, window

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;
margin:0;background:#f6f6f4}
main{max-width:1080px;margin:0 auto;padding:20px 24px 48px;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;margin:1.6em 0 .5em;
border-bottom:2px solid #eee;padding-bottom:.2em}
.meta{color:#666;margin:0 0 1em}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{flex:1 1 150px;border:1px solid #e3e3e3;border-radius:6px;padding:8px 12px}
.card b{display:block;font-size:1.5em}.card span{color:#666;font-size:.9em}
.chart{width:100%;height:auto;display:block}.chart .grid{stroke:#e6e6e6}
.chart .tick,.chart .label,.chart .value{font-size:12px;fill:#555}
.legend{list-style:none;padding:0;margin:.4em 0 0;display:flex;flex-wrap:wrap;gap:4px 16px;
font-size:.9em}.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;
margin-right:6px;vertical-align:-1px}
.two{display:grid;grid-template-columns:1fr 1fr;gap:24px}
@media (max-width:800px){.two{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#fafafa}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.when{white-space:nowrap}mark{background:#fff2a8;padding:0 1px}
td.sentence a{color:#1a5fb4;word-break:break-all;font-size:.9em}
.empty{color:#888;font-style:italic}footer{margin-top:2em;color:#888;font-size:.85em}
@media print{body{background:#fff}main{max-width:none;padding:0}}
"""


@dataclasses.dataclass(frozen=True)
class ReportQuery:
    since: dt.date
    until: dt.date
    interval: str | None = None  # day, week or month; None: chosen from the window
    top: int = 8
    latest: int = 30
    no_duplicates: bool = False
    raw: bool = False  # keep mentions reviewers marked wrong

    @property
    def step(self) -> str:
        """The interval asked for, made coarser where it would draw more than
        ``MAX_POINTS`` a series; else chosen from the window's length."""
        days = (self.until - self.since).days + 1
        if not self.interval:
            return "day" if days <= 45 else "week" if days <= 400 else "month"
        return fitting(self.since, self.until, self.interval, MAX_POINTS)


# Most points a series draws: a day step over ten years would draw 3,650 of them.
MAX_POINTS = 200


def build_report(db: Database, r: ReportQuery) -> str:
    """The whole report as one HTML string."""
    q = StatsQuery(by="party", interval=r.step, since=r.since, until=r.until, top=r.top,
                   no_duplicates=r.no_duplicates, raw=r.raw)
    steps = periods(r.since, r.until, r.step)
    lines, shares = party_series(db, q, steps, r.top)
    people = totals(db, dataclasses.replace(q, by="politician"), first=10)
    outlets = totals(db, dataclasses.replace(q, by="source"), first=10)
    party_pairs = co_mentions(db, dataclasses.replace(q, top=10))
    people_pairs = co_mentions(db, dataclasses.replace(q, by="politician", top=10))
    latest = list(mention_rows(db, MentionFilter(since=r.since, until=r.until,
                                                 no_duplicates=r.no_duplicates,
                                                 raw=r.raw, limit=r.latest)))
    cards = summary(db, r, raw=r.raw)
    window = f"{r.since.isoformat()} – {r.until.isoformat()}"
    body = [
        f"<h1>Political mentions, {escape(window)}</h1>",
        f'<p class="meta">Per {r.step}; a party counts its own names and its members\' '
        "mentions at each article's date"
        + ("; copies of earlier articles left out" if r.no_duplicates else "")
        + ("; raw figures: mentions reviewed as wrong are counted" if r.raw else "")
        + ".</p>",
        '<section class="cards" id="summary">' + "".join(
            f'<div class="card" data-figure="{k}"><b>{v:,}</b><span>{escape(label)}</span></div>'
            for k, label, v in cards) + "</section>",
        '<section id="trend"><h2>Mentions over time, by party</h2>',
        line_chart(steps, lines, title="Mentions per party over time") if lines
        else '<p class="empty">No mentions in this period.</p>', "</section>",
        '<section id="share"><h2>Share of voice, by party</h2>',
        stacked_bars(steps, shares, title="Share of voice per period") if lines
        else '<p class="empty">No mentions in this period.</p>', "</section>",
        '<div class="two"><section id="politicians"><h2>Top politicians</h2>',
        bar_list([(t.key, t.name, t.mentions) for t in people], title="Top politicians"),
        '</section><section id="sources"><h2>Top sources</h2>',
        bar_list([(t.key, t.name, t.mentions) for t in outlets], title="Top sources",
                 color=PALETTE[2]),
        "</section></div>",
        '<section id="co-mentions"><h2>Mentioned together</h2><div class="two">',
        _pairs_table(people_pairs, "Politicians"), _pairs_table(party_pairs, "Parties"),
        "</div></section>",
        # --latest 0 asks for no list (not for a list saying there is nothing).
        '<section id="latest"><h2>Latest mentions</h2>' + _latest_table(latest) + "</section>"
        if r.latest else "",
        f"<footer>Made by tracker {escape(__version__)} on "
        f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC.</footer>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'\">"
            f"<title>Political mentions, {escape(window)}</title><style>{CSS}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")


def party_series(db: Database, q: StatsQuery, steps: list[str], top: int
                 ) -> tuple[list[Series], list[Series]]:
    """The ``top`` parties' mentions per period, and their shares of voice (with the
    other parties as one band), for the trend and share charts."""
    span = window(db, q)
    period_total = {p: 0 for p in steps}
    if span and q.simple:
        # From the daily counts: the top parties (``totals``), each one's own rows, and
        # each period's total: not every party's rows in every period (60,000 over a
        # year by week, 90 to 140 ms against 30).
        ranked = totals(db, replace(q, since=span[0], until=span[1]), first=top)
        names = {t.key: t.name for t in ranked}
        top_keys = list(names)
        cells = {(period, key): n for key in top_keys
                 for period, _, n, _ in grouped(db, replace(q, focus=key), span)}
        for period, _, n, _ in grouped(db, q, span, by_key=False):
            period_total[period] = n
    else:
        # The nonzero (period, party) cells only: not a row for each of hundreds of
        # parties in each period, as `counts` gives.
        cells = ({(period, key): n for period, key, n, _ in grouped(db, q, span)}
                 if span else {})
        per_key: dict[str, int] = {}
        for (period, key), n in cells.items():
            per_key[key] = per_key.get(key, 0) + n
            period_total[period] = period_total.get(period, 0) + n
        # The top parties over the window, as `totals` ranks them (most mentions, then
        # name, then key).
        cut = sorted(per_key.values(), reverse=True)[top - 1] if len(per_key) > top else 0
        names = entity_names(db, [k for k, n in per_key.items() if n >= cut])
        top_keys = sorted(names, key=lambda k: (-per_key[k], names[k], k))[:top]
    colors = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(top_keys)}
    lines = [Series(k, names[k], [cells.get((p, k), 0) for p in steps], colors[k])
             for k in top_keys]
    share = lambda p, n: round(n / period_total[p], 4) if period_total[p] else 0.0  # noqa: E731
    shares = [Series(k, names[k], [share(p, cells.get((p, k), 0)) for p in steps], colors[k])
              for k in top_keys]
    drawn = {p: sum(cells.get((p, k), 0) for k in top_keys) for p in steps}
    others = [round((period_total[p] - drawn[p]) / period_total[p], 4) if period_total[p]
              else 0.0 for p in steps]
    if any(others):
        shares.append(Series("others", "Other parties", others, OTHERS))
    return lines, shares


def summary(db: Database, r: ReportQuery, *, raw: bool = False) -> list[tuple[str, str, int]]:
    """The report's cards: documents, copies, mentions (less those reviewed as wrong,
    unless ``raw``), mentions without copies, sources."""
    since, until = r.since.isoformat(), (r.until + dt.timedelta(days=1)).isoformat()
    copies = " AND d.duplicate_of IS NULL" if r.no_duplicates else ""
    docs, dups, sources = db.execute(
        "SELECT count(*), sum(duplicate_of IS NOT NULL), count(DISTINCT source) FROM documents d"
        f" WHERE published_at >= ? AND published_at < ?{copies}", [since, until]).fetchone()
    # Every mention counts once in the daily counts' language dimension: a year of a
    # million mentions is a few hundred rows, not a scan of the mentions.
    mentions, originals = db.execute(
        "SELECT coalesce(sum(mentions), 0), coalesce(sum(originals), 0) FROM mention_counts "
        "WHERE dimension = 'lang' AND day >= ? AND day < ?", [since, until]).fetchone()
    if not raw:  # less the mentions reviewers marked wrong (a few rows)
        wrong, wrong_originals = db.execute(
            "SELECT count(*), coalesce(sum(d.duplicate_of IS NULL), 0) FROM reviews r "
            "JOIN mentions m ON m.id = r.mention_id AND m.entity_id = r.entity_id "
            "JOIN documents d ON d.id = m.document_id WHERE r.verdict = 'wrong' "
            "AND m.published_at >= ? AND m.published_at < ?", [since, until]).fetchone()
        mentions, originals = mentions - wrong, originals - wrong_originals
    if r.no_duplicates:
        mentions = originals
    return [("documents", "documents", docs), ("copies", "of them copies", dups or 0),
            ("mentions", "mentions", mentions), ("mentions_dedup", "mentions without copies",
                                                 originals or 0),
            ("sources", "sources", sources)]


def _pairs_table(pairs, title: str) -> str:
    if not pairs:
        return f'<div><h3>{escape(title)}</h3><p class="empty">No co-mentions.</p></div>'
    rows = "".join(
        f'<tr data-pair="{escape(p.key_a)}|{escape(p.key_b)}"><td>{escape(p.name_a)}</td>'
        f'<td>{escape(p.name_b)}</td><td class="n">{p.sentences}</td>'
        f'<td class="n">{p.documents}</td></tr>' for p in pairs)
    return (f"<div><h3>{escape(title)}</h3><table class=\"pairs\"><thead><tr><th>One</th>"
            "<th>The other</th><th>Same sentence</th><th>Same article</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>")


def _latest_table(rows: list[dict]) -> str:
    if not rows:
        return '<p class="empty">No mentions in this period.</p>'
    out = []
    for row in rows:
        url = row["url"] or ""
        link = (f'<a href="{escape(url, quote=True)}" rel="noreferrer noopener">'
                f"{escape(url)}</a>" if url.lower().startswith(("http://", "https://", "file:///"))
                else escape(url))
        title = f"<b>{escape(row['title'])}</b><br>" if row["title"] else ""
        out.append(
            f'<tr><td class="when">{escape((row["published_at"] or "")[:10])}</td>'
            f"<td>{escape(row['source'] or '')}</td><td>{escape(row['entity'] or '')}</td>"
            f"<td>{escape(row['party'] or '')}</td><td class=\"sentence\">{title}"
            f"{_highlight(row['sentence'] or '', row['surface'] or '')}<br>{link}</td></tr>")
    return ("<table class=\"latest\"><thead><tr><th>Date</th><th>Source</th><th>Who</th>"
            f"<th>Party</th><th>Sentence and link</th></tr></thead><tbody>{''.join(out)}"
            "</tbody></table>")


def _highlight(sentence: str, surface: str) -> str:
    """The sentence, escaped, with the mention's first occurrence marked."""
    if len(sentence) > 600:
        sentence = sentence[:597] + "..."
    at = name_at(sentence, surface)
    if at < 0:
        return escape(sentence)
    return (escape(sentence[:at]) + "<mark>" + escape(surface) + "</mark>"
            + escape(sentence[at + len(surface):]))
