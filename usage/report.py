"""The usage report: peak concurrent users per day (a sweep), seat-hours, refusals, busy hours."""

from __future__ import annotations

import datetime
import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import F, Max, Q
from django.utils import timezone

from accounts.models import Company
from accounts.time_zones import zone_of
from sessions_seats.models import (
    Entitlement,
    LoginDenial,
    Seat,
)

from .periods import CHUNK, DateOrDatetime, local_time, period_bounds
from .refusals import counted_refusals


@dataclass(frozen=True)
class DayUsage:
    day: datetime.date
    peak: int  # most people holding a seat at the same instant that day
    capacity: int  # seats of the entitlements valid that day
    seat_hours: float  # seats held, integrated over the day
    refused: int  # sign-ins refused because every seat was taken (counted: usage.refusals)

    @property
    def over_capacity(self) -> bool:
        return self.peak >= self.capacity and self.capacity > 0


@dataclass(frozen=True)
class CapacitySpan:
    """The capacity from `since` on, until the next span of the period starts."""

    since: datetime.date
    capacity: int


def capacity_history(
    days: Sequence[DayUsage], refused_with: dict[datetime.date, list[int]]
) -> tuple[CapacitySpan, ...]:
    """The capacity in force across the period, as spans that start on the day it changed.

    A day's capacity comes from the entitlements valid on it, which include a license added
    during that day; a refusal of that day records the capacity the engine refused with at that
    moment, before the license came. So a day contributes the capacities of its refusals, in time
    order, then its own: a license added at noon after a morning of refusals shows as a change on
    that day, and the refusals keep the capacity they really happened under.
    """
    spans: list[CapacitySpan] = []
    for day in days:
        for capacity in (*refused_with.get(day.day, ()), day.capacity):
            if not spans or spans[-1].capacity != capacity:
                spans.append(CapacitySpan(day.day, capacity))
    return tuple(spans)


@dataclass(frozen=True)
class HourOfWeek:
    """One hour of the week (Monday 00:00 is weekday 0, hour 0), in the company's time zone."""

    weekday: int
    hour: int
    # Average number of seats held during this hour: seat-hours in it / how often it occurred.
    average: float
    # The highest number of seats held at once during any occurrence of this hour.
    peak: int

    @property
    def label(self) -> str:
        return (
            f"{('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')[self.weekday]} {self.hour:02d}:00"
        )


@dataclass(frozen=True)
class UsageReport:
    company_id: int
    start: datetime.datetime
    end: datetime.datetime
    # The zone of its days and hours of the week: the company's (accounts.time_zones.zone_of).
    time_zone: datetime.tzinfo
    days: tuple[DayUsage, ...]
    seat_hours_used: float
    # From the last activity on any device of a seat to its release, for seats released in the
    # period (the time a seat was held by nobody working; open seats are not counted yet).
    seat_hours_idle: float
    refused_people: int  # distinct people refused because every seat was taken
    refused_other: int  # refusals for another reason (no valid license, company inactive)
    hours_of_week: tuple[HourOfWeek, ...]  # 168 entries, Monday 00:00 first
    # The capacity across the period (one span when it never changed), and how many refusals
    # happened under each capacity, by the capacity the engine recorded with each refusal.
    capacity_history: tuple[CapacitySpan, ...] = ()
    refused_by_capacity: tuple[tuple[int, int], ...] = ()

    @property
    def peak(self) -> int:
        return max((d.peak for d in self.days), default=0)

    @property
    def capacity(self) -> int:
        """The capacity of the period's last day."""
        return self.days[-1].capacity if self.days else 0

    @property
    def capacity_changed(self) -> bool:
        return len(self.capacity_history) > 1

    @property
    def refused(self) -> int:
        return sum(d.refused for d in self.days)

    @property
    def refused_days(self) -> int:
        return sum(1 for d in self.days if d.refused)

    def busiest_hours(self, n: int = 3) -> list[HourOfWeek]:
        """The `n` hours of the week with the most seats held on average (ignoring empty ones)."""
        ranked = sorted(self.hours_of_week, key=lambda h: (-h.average, -h.peak, h.weekday, h.hour))
        return [h for h in ranked[:n] if h.average > 0]


def _hour_buckets(
    lo: datetime.datetime, hi: datetime.datetime, tz: datetime.tzinfo | None = None
) -> list[datetime.datetime]:
    """Starts of the clock hours of `tz` (None: the current zone) covering [lo, hi), the first
    clipped to `lo`.

    Built from local wall-clock hours so that days and hours of the week follow the zone, DST
    included (an hour that does not exist is skipped, a repeated one is one bucket).
    """
    tz = tz if tz is not None else timezone.get_current_timezone()
    local = lo.astimezone(tz)
    day, hour = local.date(), local.hour
    starts = [lo]
    while True:
        hour += 1
        if hour == 24:
            day, hour = day + datetime.timedelta(days=1), 0
        instant = datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz).astimezone(
            datetime.UTC
        )
        if instant >= hi:
            break
        if instant > starts[-1]:
            starts.append(instant)
    return starts


@dataclass
class SweepResult:
    peaks: list[int]  # per bucket
    seconds: list[float]  # seat-seconds per bucket


def sweep(
    events: Iterable[tuple[datetime.datetime, int]],
    buckets: Sequence[datetime.datetime],
    end: datetime.datetime,
) -> SweepResult:
    """Fold time-ordered +1 (claim) / -1 (release) events into the peak count and the seat-seconds
    of each bucket [buckets[k], buckets[k+1]) (the last one ends at `end`).

    Seats are held over half-open intervals [claimed, released): at one instant, releases come
    before claims (`events` must be sorted by (time, delta)), and a seat released exactly at a
    bucket's start does not count in that bucket. Events must lie in [buckets[0], end].
    """
    n = len(buckets)
    peaks = [0] * n
    seconds = [0.0] * n
    i, current, last = 0, 0, buckets[0]

    def advance(t: datetime.datetime, inclusive: bool) -> None:
        nonlocal i, last
        while i + 1 < n and (buckets[i + 1] < t or (inclusive and buckets[i + 1] == t)):
            seconds[i] += current * (buckets[i + 1] - last).total_seconds()
            last = buckets[i + 1]
            i += 1
            peaks[i] = max(peaks[i], current)  # held across the bucket's start

    for t, delta in events:
        advance(t, inclusive=False)
        seconds[i] += current * (t - last).total_seconds()
        last = t
        if delta < 0:
            current -= 1
            continue
        advance(t, inclusive=True)
        current += 1
        peaks[i] = max(peaks[i], current)
    advance(end, inclusive=True)
    seconds[i] += current * (end - last).total_seconds()
    return SweepResult(peaks, seconds)


def report_end(hi: datetime.datetime, now: datetime.datetime | None) -> datetime.datetime:
    # Seats still held count until the end of the period, or until now when it reaches the future.
    return min(hi, now or timezone.now())


def overlapping_seats(company: Company, lo: datetime.datetime, hi: datetime.datetime):
    """Seats held for a positive time within [lo, hi)."""
    # The OR stays on released_at alone so that the (company, released_at) index serves both
    # arms; zero-length seats (released as claimed) hold nothing and are left out.
    return (
        Seat.objects.filter(company=company, claimed_at__lt=hi)
        .filter(Q(released_at__isnull=True) | Q(released_at__gt=lo))
        .exclude(released_at__lte=F("claimed_at"))
    )


def capacity_per_day(company: Company, days: Sequence[datetime.date]) -> list[int]:
    """Capacity of each day (entitlements valid that day), in one query."""
    if not days:
        return []
    first, last = days[0], days[-1]
    rows = list(
        Entitlement.objects.filter(company=company, starts_on__lte=last)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .values_list("starts_on", "ends_on", "package__seats", "quantity")
    )
    return [
        sum(seats * qty for s, e, seats, qty in rows if s <= day and (e is None or e >= day))
        for day in days
    ]


def usage_report(
    company: Company,
    *,
    start: DateOrDatetime,
    end: DateOrDatetime,
    now: datetime.datetime | None = None,
) -> UsageReport:
    """Peak concurrent users, capacity and refusals per day, seat-hours used and held idle, and
    usage by hour of the week, for [start, end). Days and hours are the company's, in its time
    zone. A fixed number of queries (five).

    "Seats full" refusals are the counted ones (`usage.refusals.counted_refusals`): repeated
    clicks of one person within a minute count once. Other refusals are all counted, apart."""
    tz = zone_of(company)
    lo, hi = period_bounds(start, end, tz)
    until = max(lo, report_end(hi, now))
    buckets = _hour_buckets(lo, hi, tz)
    seats = overlapping_seats(company, lo, until)

    # One streaming pass: claims and releases come ordered from the database and are merged, so
    # memory does not grow with the company's history.
    claims = (
        (max(at, lo), 1)
        for at in seats.order_by("claimed_at")
        .values_list("claimed_at", flat=True)
        .iterator(chunk_size=CHUNK)
    )
    idle_seconds = 0.0
    released = (
        seats.filter(released_at__lt=until)
        .annotate(last_active=Max("sessions__last_activity"))
        .order_by("released_at")
        .values_list("claimed_at", "released_at", "last_active")
    )

    def releases() -> Iterator[tuple[datetime.datetime, int]]:
        nonlocal idle_seconds
        for claimed_at, released_at, last_active in released.iterator(chunk_size=CHUNK):
            idle_from = max(lo, claimed_at, last_active or claimed_at)
            idle_seconds += max(0.0, (released_at - idle_from).total_seconds())
            yield released_at, -1

    result = sweep(heapq.merge(releases(), claims), buckets, until)

    # Buckets (local hours) to local days and hours of the week.
    day_peak: dict[datetime.date, int] = {}
    day_seconds: dict[datetime.date, float] = defaultdict(float)
    how_peak = [0] * 168
    how_seconds = [0.0] * 168
    how_hours = [0.0] * 168
    bounds = [*buckets, hi]
    for k, begins in enumerate(buckets):
        local = local_time(begins, tz)
        day, slot = local.date(), local.weekday() * 24 + local.hour
        day_peak[day] = max(day_peak.get(day, 0), result.peaks[k])
        day_seconds[day] += result.seconds[k]
        how_peak[slot] = max(how_peak[slot], result.peaks[k])
        how_seconds[slot] += result.seconds[k]
        # Hours after `until` (the future) have not happened: they do not dilute the average.
        how_hours[slot] += max(0.0, (min(bounds[k + 1], until) - begins).total_seconds()) / 3600

    days = sorted(day_peak)
    capacities = capacity_per_day(company, days)

    refused_other = (
        LoginDenial.objects.filter(company=company, at__gte=lo, at__lt=hi)
        .exclude(reason=LoginDenial.Reason.SEATS_FULL)
        .count()
    )
    refused_by_day: dict[datetime.date, int] = defaultdict(int)
    refused_with: dict[datetime.date, list[int]] = defaultdict(list)
    by_capacity: dict[int, int] = {}  # in order of the first refusal under each capacity
    people: set[int] = set()
    for refusal in counted_refusals(company, lo, hi):
        day = local_time(refusal.at, tz).date()
        refused_by_day[day] += 1
        if refused_with[day][-1:] != [refusal.capacity]:
            refused_with[day].append(refusal.capacity)
        by_capacity[refusal.capacity] = by_capacity.get(refusal.capacity, 0) + 1
        people.add(refusal.user_id)
    day_usage = tuple(
        DayUsage(
            day=day,
            peak=day_peak[day],
            capacity=capacity,
            seat_hours=day_seconds[day] / 3600,
            refused=refused_by_day.get(day, 0),
        )
        for day, capacity in zip(days, capacities, strict=True)
    )

    return UsageReport(
        company_id=company.pk,
        start=lo,
        end=hi,
        time_zone=tz,
        days=day_usage,
        seat_hours_used=sum(result.seconds) / 3600,
        seat_hours_idle=idle_seconds / 3600,
        refused_people=len(people),
        refused_other=refused_other,
        hours_of_week=tuple(
            HourOfWeek(
                weekday=slot // 24,
                hour=slot % 24,
                average=how_seconds[slot] / 3600 / how_hours[slot] if how_hours[slot] else 0.0,
                peak=how_peak[slot],
            )
            for slot in range(168)
        ),
        capacity_history=capacity_history(day_usage, refused_with),
        refused_by_capacity=tuple(by_capacity.items()),
    )
