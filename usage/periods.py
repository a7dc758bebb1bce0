"""Periods of the usage pages: whole days in the site's time zone, or aware instants."""

from __future__ import annotations

import datetime

from django.utils import timezone

DateOrDatetime = datetime.date | datetime.datetime

# Rows fetched per round trip when streaming (server-side cursors on PostgreSQL).
CHUNK = 5000


def period_bounds(
    start: DateOrDatetime, end: DateOrDatetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """The half-open instant range [start, end) of a period given as dates or aware datetimes."""
    tz = timezone.get_default_timezone()

    def instant(value: DateOrDatetime, *, is_end: bool) -> datetime.datetime:
        if isinstance(value, datetime.datetime):
            if timezone.is_naive(value):
                raise ValueError("Period bounds must be aware datetimes or dates.")
            # In UTC: Python compares and adds datetimes of one zone by wall clock, across DST too.
            return value.astimezone(datetime.UTC)
        day = value + datetime.timedelta(days=1) if is_end else value
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz).astimezone(datetime.UTC)

    lo, hi = instant(start, is_end=False), instant(end, is_end=True)
    if hi <= lo:
        raise ValueError("The period must end after it starts.")
    return lo, hi


def last_days(
    days: int = 30, *, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """The default period: the last `days` days of the site's calendar, today included."""
    today = today or timezone.localdate(timezone=timezone.get_default_timezone())
    return today - datetime.timedelta(days=days - 1), today


def default_period(
    days: int,
    *,
    first_day: datetime.date | None,
    today: datetime.date | None = None,
) -> tuple[datetime.date, datetime.date]:
    """The last `days` days, starting no earlier than `first_day` (a company's first entitlement):
    the days before it would only pad the report with empty days and lower every average."""
    start, end = last_days(days, today=today)
    if first_day is not None and start < first_day <= end:
        start = first_day
    return start, end


def local_time(instant: datetime.datetime) -> datetime.datetime:
    return instant.astimezone(timezone.get_default_timezone())


def local_days(lo: datetime.datetime, hi: datetime.datetime) -> list[datetime.date]:
    """The site-local days that [lo, hi) touches, in order."""
    first = local_time(lo).date()
    last = local_time(hi - datetime.timedelta(microseconds=1)).date()
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
