"""The dashboard's pages: overview, mentions (search and review), an entity's page, the
sources' health, and the rules made from reviews. Figures come from the same functions
as `tracker stats` and `tracker report`, so a page shows what the commands print for the
same window."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from importlib import resources
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from tracker import rules
from tracker.charts import PALETTE, Series, bar_list, line_chart, stacked_bars
from tracker.errors import ConfigError, NotFound
from tracker.figures import co_mentions, top_sources
from tracker.marking import name_at
from tracker.periods import fitting, period_count, periods
from tracker.query import MentionFilter, page_rows
from tracker.report import ReportQuery, party_series, summary
from tracker.stats import StatsQuery, counts, totals, window
from tracker.web.api import Day, listing, mention_params
from tracker.web.i18n import LANGUAGES, asked_language, language, texts

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
PAGE = 50  # mentions a page
MAX_STEPS = 400  # periods a chart draws: a year of days, 7 years of weeks
_env = Environment(loader=PackageLoader("tracker.web", "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True,
                   lstrip_blocks=True,
                   auto_reload=False)  # the package's own files: no stat calls a page


def mount_static(app: FastAPI) -> None:
    folder = resources.files("tracker.web") / "static"
    app.mount("/static", StaticFiles(directory=str(folder)), name="static")


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    # The EN/FR links keep the page's filters, and set only its language.
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "ui"]
    switch = {code: "?" + urlencode([*kept, ("ui", code)]) for code in LANGUAGES}
    html = _env.get_template(template).render(
        t=texts(lang), lang=lang, csrf=request.app.state.csrf, path=request.url.path,
        read_only=request.app.state.options.read_only, switch=switch, **context)
    response = HTMLResponse(html, status_code=status)
    if asked := asked_language(request):
        response.set_cookie("tracker_lang", asked, samesite="strict")
    return response


def error_page(request: Request, message: str, status: int) -> HTMLResponse:
    return render(request, "error.html", status=status, message=message)


def login_page(request: Request, failed: bool) -> HTMLResponse:
    return render(request, "login.html", status=401, failed=failed)


@dataclasses.dataclass(frozen=True)
class Shown:
    """The window and step a page's charts show, and why they differ from those asked."""

    span: tuple[dt.date, dt.date] | None
    interval: str
    asked: str  # the step asked for
    steps: int  # periods the asked step would make over the window shown
    narrowed: bool  # the window asked reached past the stored documents' dates
    # No window: the first and last days with mentions, when some are stored (the dates
    # asked hold none of them), else None (nothing stored yet).
    stored: tuple[str, str] | None = None


def _window(db, since: dt.date | None, until: dt.date | None, interval: str) -> Shown:
    """The window of `tracker stats` for these dates and step, unless that makes more than
    ``MAX_STEPS`` steps to draw: the window is then narrowed to the stored documents'
    dates (nothing is counted outside them), and if that is not enough, the step made
    coarser (days to weeks to months). A century by day took 8 s and 11 MB of page."""
    span = window(db, StatsQuery(interval=interval, since=since, until=until))
    if span is None or not db.execute(
            "SELECT EXISTS (SELECT 1 FROM mentions WHERE published_at >= ? AND "
            "published_at < ?)", [span[0].isoformat(),
                                  (span[1] + dt.timedelta(days=1)).isoformat()]
            ).fetchone()[0]:
        # Nothing in these dates: the page says where the stored mentions are.
        first, last = db.execute(
            "SELECT min(published_at), max(published_at) FROM mentions").fetchone()
        return Shown(None, interval, interval, 0, False,
                     (first[:10], last[:10]) if first and last else None)
    steps = period_count(span[0], span[1], interval)
    if steps <= MAX_STEPS:
        return Shown(span, interval, interval, steps, False)
    first, last = db.execute(
        "SELECT min(published_at), max(published_at) FROM documents").fetchone()
    narrowed = False
    if first and last:
        within = (max(span[0], dt.date.fromisoformat(first[:10])),
                  min(span[1], dt.date.fromisoformat(last[:10])))
        if within[0] <= within[1] and within != span:
            span, narrowed = within, True
    return Shown(span, fitting(span[0], span[1], interval, MAX_STEPS), interval,
                 period_count(span[0], span[1], interval), narrowed)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, since: Day = None, until: Day = None,
             interval: str = Query("week", pattern="^(day|week|month)$"),
             no_duplicates: bool = False, raw: bool = False) -> HTMLResponse:
    """Summary cards, mentions over time per party, share of voice, top people and
    sources: the window and figures of `tracker stats --interval ...`."""
    context = _overview_context(request.app, since, until, interval, no_duplicates, raw)
    if context["span"]:
        context.update(_overview_charts(context, texts(language(request))))
    return render(request, "overview.html", **context)


def _overview_context(app: FastAPI, since: dt.date | None, until: dt.date | None,
                      interval: str, no_duplicates: bool, raw: bool) -> dict[str, Any]:
    with app.state.dbs.reader() as db:
        shown = _window(db, since, until, interval)
        span, interval = shown.span, shown.interval
        context: dict[str, Any] = {"interval": interval, "no_duplicates": no_duplicates,
                                   "raw": raw, "span": span, "shown": shown,
                                   "since": since, "until": until,
                                   "window_query": window_query(shown, no_duplicates, raw)}
        if span:
            context.update(app.state.memo.get(
                ("overview", span, interval, no_duplicates, raw),
                lambda db: _overview(db, span, interval, no_duplicates, raw)))
    return context


def warm(app: FastAPI) -> None:
    """The overview's figures, computed as the server starts (in the background): the
    first page a visitor opens, a year of figures (0.2 s over a million mentions), is
    then ready, and not computed while the first visitors' other pages are."""
    try:
        _overview_context(app, None, None, "week", False, False)
    except Exception as exc:  # noqa: BLE001 - the page says why, when it is asked for
        log.debug("computing the overview at start: %s", exc)


def _overview(db, span: tuple[dt.date, dt.date], interval: str, no_duplicates: bool,
              raw: bool) -> dict[str, Any]:
    """The overview's figures (computed once per state of the database: ``Memo``)."""
    q = StatsQuery(by="party", interval=interval, since=span[0], until=span[1],
                   no_duplicates=no_duplicates, raw=raw)
    steps = periods(span[0], span[1], interval)
    lines, shares = party_series(db, q, steps, 8)
    parties = totals(db, q, first=8)
    people = totals(db, dataclasses.replace(q, by="politician"), first=10)
    outlets = totals(db, dataclasses.replace(q, by="source"), first=10)
    cards = summary(db, ReportQuery(since=span[0], until=span[1],
                                    no_duplicates=no_duplicates), raw=raw)
    return dict(cards=cards, wrong=_wrong_count(db, span), steps=steps, lines=lines,
                shares=shares, people_rows=people, party_rows=parties, outlet_rows=outlets)


def _overview_charts(figures: dict[str, Any], t: dict[str, str]) -> dict[str, Markup]:
    """The overview's charts in the page's language, drawn from its kept figures for each
    page (a few milliseconds): kept drawn, a French page showed English titles and
    "Other parties"."""
    shares = [dataclasses.replace(s, label=t["other_parties"]) if s.key == "others" else s
              for s in figures["shares"]]
    return dict(
        trend=Markup(line_chart(figures["steps"], figures["lines"], title=t["trend"])),
        share=Markup(stacked_bars(figures["steps"], shares, title=t["share"])),
        people=Markup(bar_list([(p.key, p.name, p.mentions) for p in figures["people_rows"]],
                               title=t["people"], empty=t["no_mentions"])),
        outlets=Markup(bar_list([(s.key, s.name, s.mentions) for s in figures["outlet_rows"]],
                                title=t["outlets"], color=PALETTE[2], empty=t["no_mentions"])))


def _wrong_count(db, span: tuple[dt.date, dt.date]) -> int:
    return db.execute(
        "SELECT count(*) FROM reviews r JOIN mentions m ON m.id = r.mention_id "
        "AND m.entity_id = r.entity_id WHERE r.verdict = 'wrong' AND m.published_at >= ? "
        "AND m.published_at < ?", [span[0].isoformat(),
                                   (span[1] + dt.timedelta(days=1)).isoformat()]).fetchone()[0]


@router.get("/mentions", response_class=HTMLResponse)
def mentions(request: Request, params: Annotated[MentionFilter, Depends(mention_params)],
             page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    """Search with every filter of `tracker mentions`, a page of 50 at a time."""
    rows, total = listing(request, params, PAGE, (page - 1) * PAGE)
    query = {k: v for k, v in dataclasses.asdict(params).items()
             if v not in (None, False, 0)}
    pages = max(1, -(-total // PAGE))
    link = lambda n: "/mentions?" + urlencode({**query, "page": n})  # noqa: E731
    if page > pages:  # an old link, a number typed: the last page, not "Page 999 of 2"
        return RedirectResponse(link(pages), status_code=303)
    return render(request, "mentions.html", rows=[_shown(r) for r in rows], total=total,
                  page=page, pages=pages, params=params,
                  previous=link(page - 1) if page > 1 else None,
                  next=link(page + 1) if page < pages else None,
                  export="/api/export.csv?" + urlencode(query),
                  export_excel="/api/export.csv?" + urlencode({**query, "excel": "true"}))


def _shown(row: dict) -> dict:
    """The sentence with the name marked (escaped first: page text is strangers')."""
    sentence, surface = row.get("sentence") or "", row.get("surface") or ""
    at = name_at(sentence, surface)
    if at < 0:
        marked = escape(sentence)
    else:
        marked = (escape(sentence[:at]) + Markup("<mark>") + escape(surface)
                  + Markup("</mark>") + escape(sentence[at + len(surface):]))
    return {**row, "marked": marked}


@router.get("/entity/{entity_id}", response_class=HTMLResponse)
def entity(request: Request, entity_id: Annotated[str, Path(max_length=300)],
           interval: str = Query("week", pattern="^(day|week|month)$"),
           since: Day = None, until: Day = None, no_duplicates: bool = False,
           raw: bool = False) -> HTMLResponse:
    """A party's or a politician's trend, share of voice, top sources, co-mentions and
    latest mentions, with the overview's settings (copies left out, raw figures)."""
    with request.app.state.dbs.reader() as db:
        found = db.execute("SELECT id, name, type FROM entities WHERE id = ?",
                           [entity_id]).fetchone()
        if found is None:
            raise NotFound(f"no entity {entity_id!r} in this database")
        key, name, kind = found
        shown = _window(db, since, until, interval)
        span, interval = shown.span, shown.interval
        context: dict[str, Any] = {
            "key": key, "name": name, "kind": kind, "span": span, "interval": interval,
            "shown": shown, "since": since, "until": until, "no_duplicates": no_duplicates,
            "raw": raw, "window_query": window_query(shown, no_duplicates, raw),
            # Its mentions, as the page counts them.
            "mentions_query": urlencode({
                kind: key, **({"since": span[0], "until": span[1]} if span else {}),
                **_settings(no_duplicates, raw)})}
        if span:
            memo = request.app.state.memo
            context.update(memo.get(
                ("entity", key, interval, span, no_duplicates, raw),
                lambda db: _entity(db, key, name, kind, interval, span, memo.reading,
                                   no_duplicates=no_duplicates, raw=raw)))
    if "trend_values" in context:
        t = texts(language(request))
        steps = context["steps"]
        context["trend"] = Markup(line_chart(steps, [Series(key, name, context[
            "trend_values"], PALETTE[0])], title=t["chart_of"].format(name=name)))
        context["share"] = Markup(line_chart(steps, [Series(key, name, context[
            "share_values"], PALETTE[1])], title=t["share_chart_of"].format(name=name),
            percent=True))
    return render(request, "entity.html", **context)


def window_query(shown: Shown, no_duplicates: bool = False, raw: bool = False) -> str:
    """The window a page shows (and its settings), as the query of its links to an
    entity's page: from the overview by 2007-2026, Hollande's 4 mentions were 0 on his
    page, which showed the last year, and 4 again under its "Mentions" link (dashboard
    audit); with raw figures, 4 on the overview and 3 on his page (review)."""
    if not shown.span:
        return ""
    return urlencode({"since": shown.span[0], "until": shown.span[1],
                      "interval": shown.interval, **_settings(no_duplicates, raw)})


def _settings(no_duplicates: bool, raw: bool) -> dict[str, str]:
    """The figures' settings a link passes on, as query parameters (only those set)."""
    return {name: "true" for name, on in (("no_duplicates", no_duplicates), ("raw", raw))
            if on}


def _entity(db, key: str, name: str, kind: str, interval: str,
            span: tuple[dt.date, dt.date],
            reading: Callable[[], AbstractContextManager] | None = None, *,
            no_duplicates: bool = False, raw: bool = False) -> dict[str, Any]:
    """An entity's figures (computed once per state of the database: ``Memo``). Who it
    is named with is read meanwhile on another connection (``reading``): one SQLite
    statement grouping a year of a busy politician's 140,000 (day, partner) rows, 100 to
    140 ms, while Python waits on the rest."""
    by = "party" if kind == "party" else "politician"
    q = StatsQuery(by=by, interval=interval, since=span[0], until=span[1], top=10,
                   focus=key, no_duplicates=no_duplicates, raw=raw)
    if reading is None:
        return {**_entity_figures(db, q, key, name, kind, interval, span),
                "pairs": co_mentions(db, q)}
    with ThreadPoolExecutor(1, thread_name_prefix="pairs") as pool:
        pairs = pool.submit(_co_mentions_apart, reading, q)
        figures = _entity_figures(db, q, key, name, kind, interval, span)
        figures["pairs"] = pairs.result()
    return figures


def _co_mentions_apart(reading: Callable[[], AbstractContextManager], q: StatsQuery
                       ) -> Any:
    with reading() as db:
        return co_mentions(db, q)


def _entity_figures(db, q: StatsQuery, key: str, name: str, kind: str, interval: str,
                    span: tuple[dt.date, dt.date]) -> dict[str, Any]:
    mine = counts(db, q)
    steps = periods(span[0], span[1], interval)
    cell = {c.period: c for c in mine}
    return dict(
        steps=steps, trend_values=[cell[p].mentions if p in cell else 0 for p in steps],
        share_values=[cell[p].share if p in cell else 0.0 for p in steps],
        total=sum(c.mentions for c in mine),
        sources=top_sources(db, q),
        latest=[_shown(r) for r in page_rows(db, MentionFilter(
            **({"party": key} if kind == "party" else {"politician": key}),
            since=span[0], until=span[1], no_duplicates=q.no_duplicates, raw=q.raw,
            limit=10))])


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request) -> HTMLResponse:
    """Each source's health, as `tracker sources` shows it."""
    from tracker.store import source_rows

    # Counting each source's documents reads them all (10 ms for 100,000): kept per
    # state of the database and hour (the 304 rate is over the last seven days).
    rows = request.app.state.memo.get(("sources", dt.datetime.now().strftime("%F %H")),
                                      source_rows)
    return render(request, "sources.html", rows=rows)


def _query_text(value: Any) -> str:
    return "" if value is None else str(value)


_env.filters["q"] = _query_text
_env.globals["urlencode"] = urlencode
_env.globals["max_steps"] = MAX_STEPS


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request) -> HTMLResponse:
    """The rules made from reviews, as `tracker kb rules` lists them."""
    with request.app.state.dbs.reader() as db:
        found = rules.load(db)
    return render(request, "rules.html", rules=found)


@router.get("/rules/new", response_class=HTMLResponse)
def new_rule(request: Request, mention: Annotated[str, Query(max_length=300)],
             kind: str = Query("not-entity", pattern="^(not-entity|not-mention)$"),
             source_only: bool = False,
             phrase: Annotated[str | None, Query(max_length=200)] = None) -> HTMLResponse:
    """A rule from a wrong mention, shown with the stored mentions it would have stopped
    before it is saved."""
    with request.app.state.dbs.reader() as db:
        row = db.execute("SELECT mention_id AS id, source, surface, sentence, entity, "
                         "entity_id, review FROM mention_rows WHERE mention_id = ?",
                         [mention]).fetchone()
        if row is None:
            raise NotFound(f"no mention {mention!r} in this database")
        keys = ("id", "source", "surface", "sentence", "entity", "entity_id", "review")
        shown = _shown(dict(zip(keys, row, strict=True)))
        context: dict[str, Any] = {"mention": shown, "kind": kind, "source_only": source_only,
                                   "phrase": phrase or ""}
        if kind == "not-entity" or phrase:
            try:
                rule = rules.check(db, rules.from_mention(db, mention, kind,
                                                          source_only=source_only,
                                                          phrase=phrase))
            except ConfigError as exc:
                context["problem"] = str(exc)
            else:
                total, examples = rules.matches(db, rule)
                context.update(rule=rule, matches=total,
                               examples=[_shown(e) for e in examples])
    return render(request, "rule_new.html", **context)


@router.get("/candidates", response_class=HTMLResponse)
def candidates_page(request: Request) -> HTMLResponse:
    """Who the KB lacks: discovered people (one click adds one to the user's KB file),
    then the other names the model found."""
    from tracker.candidates import discovered_people, in_file, other_names

    with request.app.state.dbs.reader() as db:
        people = discovered_people(db, 100)
        others = other_names(db, None, 50)
    kb_file = request.app.state.options.kb_file
    # Added already, not yet retagged: said so, instead of a button that adds nothing.
    return render(request, "candidates.html", people=people, others=others,
                  kb_file=kb_file, added=in_file(people, kb_file))


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request) -> HTMLResponse:
    """The config's alert rules and the outbox, as `tracker alerts status` shows them."""
    from tracker.alerts.rules import shown_target

    with request.app.state.dbs.reader() as db:
        totals = db.execute(
            "SELECT rule, status, count(*), max(coalesce(sent_at, created_at)) FROM "
            "alert_outbox GROUP BY rule, status ORDER BY rule, status").fetchall()
        waiting = db.execute(
            "SELECT rule, target, status, attempts, next_attempt_at, last_error FROM "
            "alert_outbox WHERE status != 'sent' ORDER BY status, created_at DESC "
            "LIMIT 50").fetchall()
    rules_ = [{"name": r.name, "trigger": r.trigger, "filters": r.filters,
               "to": [shown_target(t) for t in r.to]}
              for r in request.app.state.options.alerts]
    return render(request, "alerts.html", alert_rules=rules_, totals=totals,
                  waiting=[(rule, shown_target(target), *rest)
                           for rule, target, *rest in waiting])
