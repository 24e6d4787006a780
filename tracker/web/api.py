"""The JSON API under /api/: the filters and figures of `tracker mentions`, `stats` and
`export`, the review of one mention, and the rules made from reviews. Parameters keep
the commands' names (with _ for -); a bad value is a 4xx with a message, never a 500."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, BeforeValidator, Field

from tracker import rules
from tracker.errors import ConfigError, NotFound
from tracker.export import records_json_chunks
from tracker.figures import figures_as_read, snapshot
from tracker.kb import slug
from tracker.query import (
    EXPORT_COLUMNS,
    MentionFilter,
    count_mentions,
    csv_lines,
    page_rows,
    where_clauses,
)
from tracker.review import record
from tracker.stats import StatsQuery
from tracker.web.app import ReadOnly


def known_parameters(request: Request) -> None:
    """A parameter the endpoint does not take is refused, not ignored: ``politican=Macron``
    (a typo) listed every mention, and ``/api/stats?party=PS`` (stats have no party
    filter) gave every party's figures, each a 200."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return
    taken = _taken(dependant)
    unknown = sorted({name for name in request.query_params if name not in taken})
    if unknown:
        raise ConfigError(f"unknown parameter{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(map(repr, unknown))}: this address takes "
                          f"{', '.join(sorted(taken)) or 'none'}")


def _taken(dependant: Any) -> set[str]:
    """The query parameters a route and its dependencies declare (a few microseconds)."""
    found = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        found |= _taken(sub)
    return found


def given(name: str, value: str | None) -> str | None:
    """A filter given empty is refused: ``party=$PARTY`` with the variable unset listed
    every party's mentions under that party's name (`--party ""` is refused too)."""
    if value is not None and not value.strip():
        raise ConfigError(f"{name} is empty: give a value, or leave {name} out")
    return value


router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(known_parameters)])
MAX_LIMIT = 1000  # mentions a page; the CSV export has no limit
MAX_OFFSET = 10_000_000
Text = Annotated[str | None, Query(max_length=200)]


def _written_day(value: Any) -> Any:
    """A date as the commands take it, YYYY-MM-DD: pydantic read a number as a Unix time
    (``since=0`` was 1970-01-01, ``since=20260101`` an error about datetimes)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError("a date is written YYYY-MM-DD, e.g. 2026-03-01")
    return value


# Dates as the commands take them: 1900 to 2100 (beyond, date arithmetic overflows).
Day = Annotated[dt.date | None, BeforeValidator(_written_day),
                Query(ge=dt.date(1900, 1, 1), le=dt.date(2100, 12, 31),
                      description="YYYY-MM-DD, inclusive")]
# A two-letter language code, whatever its case, as `--lang` takes it ("french" matched
# nothing, silently).
Lang = Annotated[str | None, Query(pattern="^[A-Za-z]{2}$",
                                   description="two-letter language code: fr, en ...")]


def mention_params(
        request: Request,
        party: Text = None, politician: Text = None, source: Text = None,
        since: Day = None, until: Day = None,
        lang: Lang = None,
        search: Annotated[str | None, Query(max_length=500, description=(
            'words all present; "a phrase", word*, OR'))] = None,
        type: Literal["party", "politician"] | None = None,  # noqa: A002 - the CLI's name
        position: Literal["title", "lead", "body"] | None = None,
        direct: bool = False, no_duplicates: bool = False, no_discovered: bool = False,
        raw: Annotated[bool, Query(description="keep mentions reviewed as wrong")] = False,
        review: Annotated[Literal["right", "wrong", "none"] | None, Query(
            description="only mentions confirmed, marked wrong, or not reviewed yet")] = None,
) -> MentionFilter:
    """The filters of `tracker mentions`, as query parameters (FastAPI documents and
    checks them from this signature)."""
    for name in ("party", "politician", "source", "since", "until", "lang", "search"):
        if len(request.query_params.getlist(name)) > 1:
            # ?party=PS&party=UMP kept UMP alone, silently (journalist audit)
            raise ConfigError(f"{name} given {len(request.query_params.getlist(name))} "
                              "times; one value per query")
    party, politician, source = (given(name, value) for name, value in (
        ("party", party), ("politician", politician), ("source", source)))
    return MentionFilter(party=party, politician=politician, source=source, since=since,
                         until=until, lang=lang and lang.lower(), search=search, type=type,
                         position=position, direct=direct, no_duplicates=no_duplicates,
                         no_discovered=no_discovered, raw=raw, review=review)


class Mention(BaseModel):
    id: str
    published_at: str | None
    source: str | None
    url: str | None
    title: str | None
    entity: str | None
    entity_id: str
    entity_type: str | None
    party: str | None
    party_id: str | None
    surface: str
    sentence: str | None
    lang: str | None
    method: str | None
    confidence: float | None
    review: Literal["right", "wrong"] | None


class MentionPage(BaseModel):
    total: int
    mentions: list[Mention]


@router.get("/mentions", response_model=MentionPage)
def mentions(request: Request, params: Annotated[MentionFilter, Depends(mention_params)],
             limit: Annotated[int, Query(ge=0, le=MAX_LIMIT)] = 50,
             offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict:
    """Mentions matching the filters, newest first, a page at a time, with how many
    match in all."""
    rows, total = listing(request, params, limit, offset)
    return {"total": total, "mentions": rows}


def listing(request: Request, params: MentionFilter, limit: int, offset: int
            ) -> tuple[list[dict], int]:
    """A page of the mentions matching ``params`` and how many match, both kept per state
    of the database (the API's pages and the dashboard's)."""
    state = request.app.state
    page = dataclasses.replace(params, limit=limit, offset=offset)
    rows = state.rows.get(("rows", repr(page)), lambda db: list(page_rows(db, page)))
    total = state.memo.get(("count", repr(params)), lambda db: count_mentions(db, params))
    return rows, total


StatsView = Literal["counts", "totals", "co-mentions", "sources", "all"]


@router.get("/stats")
def stats(request: Request,
          by: Literal["party", "politician", "source", "lang"] = "party",
          interval: Literal["day", "week", "month"] = "week",
          view: StatsView = "counts",
          since: Day = None, until: Day = None,
          direct: bool = False, source: Text = None,
          lang: Lang = None,
          type: Literal["party", "politician"] | None = None,  # noqa: A002
          search: Annotated[str | None, Query(max_length=500)] = None,
          position: Literal["title", "lead", "body"] | None = None,
          no_duplicates: bool = False, no_discovered: bool = False, raw: bool = False,
          top: Annotated[int, Query(ge=1, le=1000)] = 10) -> list[dict[str, Any]]:
    """The figures of `tracker stats --format jsonl` for the same options: one object a
    row, each with its ``view``."""
    q = StatsQuery(by=by, interval=interval, since=since, until=until,
                   source=given("source", source),
                   lang=lang and lang.lower(), type=type, search=search,
                   position=position, direct=direct,
                   no_duplicates=no_duplicates, no_discovered=no_discovered, raw=raw,
                   top=top)
    # Straight to JSON: validating tens of thousands of rows would cost more than
    # computing them. Written as they are made, in one state of the database (every
    # politician by month is 113 MB); kept as bytes, once per state.
    def produce(db) -> Iterator[bytes]:
        with snapshot(db):
            yield from records_json_chunks(figures_as_read(db, q, view))

    body = request.app.state.memo.stream(("stats", q, view), produce)
    if isinstance(body, bytes):
        return Response(body, media_type="application/json")
    # The first rows are made before the headers go: a bad request is still a 4xx, and
    # the server's time (Server-Timing) is that of real rows.
    first = next(body)
    return StreamingResponse(itertools.chain([first], body), media_type="application/json")


@router.get("/export.csv", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}}})
def export_csv(request: Request, params: Annotated[MentionFilter, Depends(mention_params)],
               excel: Annotated[bool, Query(description=(
                   "for French Excel, as `tracker export --excel`: a BOM, ';' between "
                   "cells"))] = False) -> StreamingResponse:
    """The CSV of `tracker export` for the same filters: oldest first, a header row."""
    dbs = request.app.state.dbs
    flt = params
    with dbs.reader() as db:  # a bad filter fails now, as a 400, not mid-stream
        where_clauses(db, flt)
    sep = ";" if excel else ","

    def lines():
        with dbs.reader(kept=False) as db:
            yield ("\ufeff" if excel else "") + sep.join(EXPORT_COLUMNS) + "\r\n"
            for (line,) in csv_lines(db, flt, delimiter=sep):
                yield line + "\r\n"

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{download_name(flt, excel)}"'})


def download_name(f: MentionFilter, excel: bool = False) -> str:
    """``mentions-ps-2026-01-01-2026-03-31.csv``: a second download with other filters
    no longer lands on the first one's ``mentions.csv``. An entity's slug (ASCII
    letters, digits and '-'), so that the header needs no quoting rules."""
    parts = ["mentions", f.party, f.politician, f.source, f.since, f.until,
             f.review and f"review-{f.review}", excel and "excel"]
    return slug(" ".join(str(p) for p in parts if p))[:120] + ".csv"


class ReviewIn(BaseModel):
    verdict: Literal["right", "wrong"]
    reason: str | None = Field(default=None, max_length=1000)
    correct_entity: str | None = Field(default=None, max_length=200)
    reviewer: str | None = Field(default=None, max_length=200)


class ReviewOut(BaseModel):
    mention_id: str
    entity_id: str
    document_id: str
    surface: str
    verdict: Literal["right", "wrong"]
    reason: str | None
    correct_entity: str | None
    reviewer: str | None
    reviewed_at: str


@router.post("/mentions/{mention_id}/review", response_model=ReviewOut,
             responses={403: {"description": "read-only server, or no CSRF token"},
                        404: {"description": "no such mention"}})
def review(request: Request, mention_id: Annotated[str, Path(max_length=300)],
           body: ReviewIn) -> dict:
    """Say a mention is right or wrong. A wrong one leaves every count, stat, export and
    report (``raw`` shows it); the verdict survives `tracker retag`."""
    reviewer = body.reviewer or request.app.state.options.reviewer
    with request.app.state.dbs.writer(review=True) as db:
        done = record(db, mention_id, body.verdict, reason=body.reason,
                      correct_entity=body.correct_entity, reviewer=reviewer)
    return done.as_dict()


class RuleIn(BaseModel):
    mention_id: str = Field(max_length=300, description="the wrong mention it comes from")
    kind: Literal["not-entity", "not-mention"] = "not-entity"
    source_only: bool = Field(default=False, description="only in the mention's source")
    phrase: str | None = Field(default=None, max_length=200,
                               description="not-mention: words of the sentence around the name")
    reason: str | None = Field(default=None, max_length=1000)
    reviewer: str | None = Field(default=None, max_length=200)


class RuleOut(BaseModel):
    id: int | None
    kind: Literal["not-entity", "not-mention"]
    text: str
    entity_id: str | None
    source: str | None
    reason: str | None
    made_from: str | None
    reviewer: str | None
    created_at: str | None
    description: str


class RulePreview(BaseModel):
    rule: RuleOut
    matches: int = Field(description="stored mentions it would have stopped")
    examples: list[dict[str, Any]]


def _rule(db, body: RuleIn):
    made = rules.from_mention(db, body.mention_id, body.kind, source_only=body.source_only,
                              phrase=body.phrase)
    return rules.check(db, dataclasses.replace(
        made, reason=body.reason, reviewer=body.reviewer))


@router.get("/rules", response_model=list[RuleOut])
def list_rules(request: Request) -> list[dict]:
    """The rules made from reviews, oldest first (`tracker kb rules`)."""
    with request.app.state.dbs.reader() as db:
        return [r.as_dict() for r in rules.load(db)]


@router.post("/rules/preview", response_model=RulePreview,
             responses={403: {"description": "read-only server, or no CSRF token"},
                        404: {"description": "no such mention"}})
def preview_rule(request: Request, body: RuleIn) -> dict:
    """The rule a wrong mention would make, and the stored mentions it would have
    stopped: what a reviewer sees before saving it. Nothing is written."""
    with request.app.state.dbs.reader() as db:
        rule = _rule(db, body)
        total, examples = rules.matches(db, rule)
    return {"rule": rule.as_dict(), "matches": total, "examples": examples}


@router.post("/rules", response_model=RuleOut, status_code=201,
             responses={403: {"description": "read-only server, or no CSRF token"},
                        404: {"description": "no such mention"}})
def make_rule(request: Request, body: RuleIn, response: Response) -> dict:
    """Save the rule: from now on the store leaves out the mentions it describes
    (`tracker retag` applies it to stored documents). A rule already stored is given
    back as it is, with 200 instead of 201."""
    body = body.model_copy(update={"reviewer": body.reviewer
                                   or request.app.state.options.reviewer})
    with request.app.state.dbs.writer() as db:
        rule = _rule(db, body)
        if (stored := rules.same_rule(db, rule)) is not None:
            response.status_code = 200
            return stored.as_dict()
        return rules.save(db, rule).as_dict()


@router.delete("/rules/{rule_id}", status_code=204,
               responses={403: {"description": "read-only server, or no CSRF token"},
                          404: {"description": "no such rule"}})
def delete_rule(request: Request, rule_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    with request.app.state.dbs.writer() as db:
        rules.delete(db, rule_id)
    return Response(status_code=204)


class Accepted(BaseModel):
    added: list[dict[str, Any]]
    already: bool = Field(description="the person was in the file already: nothing added")
    file: str
    next_step: str


@router.post("/candidates/{entity_id}/accept", response_model=Accepted,
             responses={403: {"description": "read-only server, or no CSRF token"},
                        404: {"description": "no such discovered person"}})
def accept_candidate(request: Request, entity_id: Annotated[str, Path(max_length=300)]
                     ) -> dict:
    """Add a discovered person to the user's KB file (the first file under ``entities:``
    in config.yaml), as `tracker kb accept ID -o FILE` does."""
    from tracker.candidates import accept, discovered_people

    options = request.app.state.options
    if options.read_only:
        raise ReadOnly("this server is read-only (--read-only)")
    if options.kb_file is None:
        raise ConfigError("no KB file of yours in config.yaml (`entities:`): `tracker init` "
                          "writes my-entities.yaml and lists it there")
    with request.app.state.dbs.reader() as db:
        rows = discovered_people(db, ids=[entity_id])
    if not rows:
        raise NotFound(f"no discovered person {entity_id!r} in this database")
    added = accept(rows, options.kb_file, options.entities)
    return {"added": added, "already": not added, "file": str(options.kb_file),
            "next_step": "send SIGHUP to `tracker run` (or restart it), then `tracker retag`"}
