"""Periods of the usage pages: whole days in a time zone, or aware instants.

A company's reports pass its zone (`accounts.time_zones.zone_of`); `tz=None` is Django's current
zone, which is the site's outside a request.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

DateOrDatetime = datetime.date | datetime.datetime

# Rows fetched per round trip when streaming (server-side cursors on PostgreSQL).
CHUNK = 5000


def _zone(tz: datetime.tzinfo | None) -> datetime.tzinfo:
    return tz if tz is not None else timezone.get_current_timezone()


def period_bounds(
    start: DateOrDatetime, end: DateOrDatetime, tz: datetime.tzinfo | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """The half-open instant range [start, end) of a period given as dates (whole days in `tz`)
    or aware datetimes."""
    zone = _zone(tz)

    def instant(value: DateOrDatetime, *, is_end: bool) -> datetime.datetime:
        if isinstance(value, datetime.datetime):
            if timezone.is_naive(value):
                raise ValueError("Period bounds must be aware datetimes or dates.")
            # In UTC: Python compares and adds datetimes of one zone by wall clock, across DST too.
            return value.astimezone(datetime.UTC)
        day = value + datetime.timedelta(days=1) if is_end else value
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone).astimezone(
            datetime.UTC
        )

    lo, hi = instant(start, is_end=False), instant(end, is_end=True)
    if hi <= lo:
        raise ValueError("The period must end after it starts.")
    return lo, hi


def today_in(tz: datetime.tzinfo | None = None) -> datetime.date:
    """Today's date in `tz`."""
    return timezone.localdate(timezone=_zone(tz))


def last_days(
    days: int = 30, *, today: datetime.date | None = None, tz: datetime.tzinfo | None = None
) -> tuple[datetime.date, datetime.date]:
    """The default period: the last `days` days of the calendar of `tz`, today included."""
    today = today or today_in(tz)
    return today - datetime.timedelta(days=days - 1), today


def default_period(
    days: int,
    *,
    first_day: datetime.date | None,
    today: datetime.date | None = None,
    tz: datetime.tzinfo | None = None,
) -> tuple[datetime.date, datetime.date]:
    """The last `days` days, starting no earlier than `first_day` (a company's first entitlement):
    the days before it would only pad the report with empty days and lower every average."""
    start, end = last_days(days, today=today, tz=tz)
    if first_day is not None and start < first_day <= end:
        start = first_day
    return start, end


def local_time(instant: datetime.datetime, tz: datetime.tzinfo | None = None) -> datetime.datetime:
    return instant.astimezone(_zone(tz))


def local_days(
    lo: datetime.datetime, hi: datetime.datetime, tz: datetime.tzinfo | None = None
) -> list[datetime.date]:
    """The days of `tz` that [lo, hi) touches, in order."""
    first = local_time(lo, tz).date()
    last = local_time(hi - datetime.timedelta(microseconds=1), tz).date()
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
