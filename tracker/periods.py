"""The calendar of the figures: the period (day, week, month) a day counts in, a window's
periods, and a window cut into the whole months and weeks that the roll-ups of the daily
counts (m011) answer for."""

from __future__ import annotations

import datetime as dt
import functools


@functools.lru_cache(maxsize=8192)
def period_of(day: str, interval: str) -> str:
    """The first day of the interval holding ``day`` (an ISO date)."""
    if interval == "day":
        return day
    if interval == "month":
        return day[:8] + "01"
    date = dt.date.fromisoformat(day)
    return (date - dt.timedelta(days=date.weekday())).isoformat()


INTERVALS = ("day", "week", "month")  # finest first


def periods(since: dt.date, until: dt.date, interval: str) -> list[str]:
    """Every period from the one holding ``since`` to the one holding ``until``."""
    out, day = [], since
    while day <= until:
        p = period_of(day.isoformat(), interval)
        if not out or out[-1] != p:
            out.append(p)
        day += dt.timedelta(days=1)
    return out


def blocks(span: tuple[dt.date, dt.date], interval: str | None
            ) -> dict[str, list[tuple[str, str]]]:
    """The window cut into whole months and whole weeks, read from the roll-ups
    (m011), and the days left over, read from the daily counts; each block with the
    period it counts in (``interval`` None: the whole window, period ''). A block is whole
    when its days all lie in the window and in one period."""
    out: dict[str, list[tuple[str, str]]] = {"month": [], "week": [], "day": []}
    day = span[0]
    while day <= span[1]:
        at = day.isoformat()
        period = period_of(at, interval) if interval else ""
        for grain in ("month", "week"):
            if interval == "day" or period_of(at, grain) != at:
                continue
            last = (day + dt.timedelta(days=6) if grain == "week"
                    else (day + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1))
            if last > span[1] or (interval and period_of(last.isoformat(), interval) != period):
                continue
            out[grain].append((at, period))
            day = last + dt.timedelta(days=1)
            break
        else:
            out["day"].append((at, period))
            day += dt.timedelta(days=1)
    return out


def period_count(since: dt.date, until: dt.date, interval: str) -> int:
    """How many periods ``periods`` gives, without making them."""
    if interval == "day":
        return (until - since).days + 1
    if interval == "week":
        monday = lambda day: day - dt.timedelta(days=day.weekday())  # noqa: E731
        return (monday(until) - monday(since)).days // 7 + 1
    return (until.year - since.year) * 12 + until.month - since.month + 1


def fitting(since: dt.date, until: dt.date, interval: str, most: int) -> str:
    """``interval``, or the first coarser one that cuts the window into at most ``most``
    periods (months when none does): a chart of 13,000 days is a smear, and drawing it
    took seconds."""
    for step in INTERVALS[INTERVALS.index(interval):]:
        if period_count(since, until, step) <= most:
            return step
    return INTERVALS[-1]
