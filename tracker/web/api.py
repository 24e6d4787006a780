"""The JSON API under /api/: the filters and figures of `tracker mentions`, `stats` and
`export`, and the review of one mention. Parameters keep the commands' names (with _ for
-); a bad value is a 4xx with a message, never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from tracker.query import (
    EXPORT_COLUMNS,
    MentionFilter,
    count_mentions,
    csv_lines,
    page_rows,
    where_clauses,
)
from tracker.review import record
from tracker.stats import StatsQuery, figures, records

router = APIRouter(prefix="/api", tags=["api"])
MAX_LIMIT = 1000  # mentions a page; the CSV export has no limit
MAX_OFFSET = 10_000_000
Text = Annotated[str | None, Query(max_length=200)]
# Dates as the commands take them: 1900 to 2100 (beyond, date arithmetic overflows).
Day = Annotated[dt.date | None, Query(ge=dt.date(1900, 1, 1), le=dt.date(2100, 12, 31),
                                      description="YYYY-MM-DD, inclusive")]


class MentionParams(BaseModel):
    party: str | None = None
    politician: str | None = None
    source: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    lang: str | None = None
    search: str | None = None
    type: Literal["party", "politician"] | None = None
    position: Literal["title", "lead", "body"] | None = None
    direct: bool = False
    no_duplicates: bool = False
    no_discovered: bool = False
    raw: bool = False

    def filter(self, limit: int | None = None, offset: int = 0) -> MentionFilter:
        return MentionFilter(**self.model_dump(), limit=limit, offset=offset)


def mention_params(
        party: Text = None, politician: Text = None, source: Text = None,
        since: Day = None, until: Day = None,
        lang: Annotated[str | None, Query(max_length=20)] = None,
        search: Annotated[str | None, Query(max_length=500, description=(
            'words all present; "a phrase", word*, OR'))] = None,
        type: Literal["party", "politician"] | None = None,  # noqa: A002 - the CLI's name
        position: Literal["title", "lead", "body"] | None = None,
        direct: bool = False, no_duplicates: bool = False, no_discovered: bool = False,
        raw: Annotated[bool, Query(description="keep mentions reviewed as wrong")] = False,
) -> MentionParams:
    return MentionParams(party=party, politician=politician, source=source, since=since,
                         until=until, lang=lang, search=search, type=type, position=position,
                         direct=direct, no_duplicates=no_duplicates,
                         no_discovered=no_discovered, raw=raw)


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
def mentions(request: Request, params: Annotated[MentionParams, Depends(mention_params)],
             limit: Annotated[int, Query(ge=0, le=MAX_LIMIT)] = 50,
             offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict:
    """Mentions matching the filters, newest first, a page at a time, with how many
    match in all."""
    with request.app.state.dbs.reader() as db:
        flt = params.filter(limit, offset)
        rows = list(page_rows(db, flt))
        total = count_mentions(db, params.filter())
    return {"total": total, "mentions": rows}


StatsView = Literal["counts", "totals", "co-mentions", "sources", "all"]


@router.get("/stats")
def stats(request: Request,
          by: Literal["party", "politician", "source", "lang"] = "party",
          interval: Literal["day", "week", "month"] = "week",
          view: StatsView = "counts",
          since: Day = None, until: Day = None,
          direct: bool = False, source: Text = None,
          lang: Annotated[str | None, Query(max_length=20)] = None,
          type: Literal["party", "politician"] | None = None,  # noqa: A002
          search: Annotated[str | None, Query(max_length=500)] = None,
          position: Literal["title", "lead", "body"] | None = None,
          no_duplicates: bool = False, no_discovered: bool = False, raw: bool = False,
          top: Annotated[int, Query(ge=1, le=1000)] = 10) -> list[dict[str, Any]]:
    """The figures of `tracker stats --format jsonl` for the same options: one object a
    row, each with its ``view``."""
    q = StatsQuery(by=by, interval=interval, since=since, until=until, source=source,
                   lang=lang, type=type, search=search, position=position, direct=direct,
                   no_duplicates=no_duplicates, no_discovered=no_discovered, raw=raw,
                   top=top)
    with request.app.state.dbs.reader() as db:
        _, found = figures(db, q, view)
        return list(records(found))


@router.get("/export.csv", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}}})
def export_csv(request: Request, params: Annotated[MentionParams, Depends(mention_params)]
               ) -> StreamingResponse:
    """The CSV of `tracker export` for the same filters: oldest first, a header row."""
    dbs = request.app.state.dbs
    flt = params.filter()
    with dbs.reader() as db:  # a bad filter fails now, as a 400, not mid-stream
        where_clauses(db, flt)

    def lines():
        with dbs.reader() as db:
            yield ",".join(EXPORT_COLUMNS) + "\r\n"
            for (line,) in csv_lines(db, flt):
                yield line + "\r\n"

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="mentions.csv"'})


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
    with request.app.state.dbs.writer() as db:
        done = record(db, mention_id, body.verdict, reason=body.reason,
                      correct_entity=body.correct_entity, reviewer=reviewer)
    return done.as_dict()
