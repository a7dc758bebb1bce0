"""Usage of a company's licenses: the seat ledger, the usage report, the sizing simulator and the
recommendation in plain words ("Do I have enough licenses?").

Everything here reads the engine's own tables (Seat, SeatSession, LoginDenial, Entitlement); there
is no second source of truth to keep in step with the services. The number of queries of each
function is fixed, whatever the size of the period or the company: rows are streamed and folded in
one pass, or aggregated in the database.

Periods: `start` and `end` are either aware datetimes (the half-open interval [start, end)) or
dates, read as whole days in the site's time zone (TIME_ZONE): a `start` date is that day's
midnight, an `end` date includes that day. Days of the report are days of the site's time zone.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import heapq
import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Company, User

from .models import EndReason, Entitlement, LicensePackage, LoginDenial, Seat, SeatSession
from .selectors import capacity_of, idle_timeout_of

DateOrDatetime = datetime.date | datetime.datetime

# Rows fetched per round trip when streaming (server-side cursors on PostgreSQL).
CHUNK = 5000


# --- Periods ---------------------------------------------------------------------------------


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


def _local(instant: datetime.datetime) -> datetime.datetime:
    return instant.astimezone(timezone.get_default_timezone())


# --- Ledger ----------------------------------------------------------------------------------


class LedgerKind:
    """The kinds of seat events, in the order they sort when they happen at the same instant."""

    CLAIMED = "claimed"  # took a seat (first device)
    JOINED = "joined"  # signed in from another device onto the seat they already hold
    REFUSED = "refused"  # sign-in refused (seats full, no license, company inactive)
    LEFT = "left"  # one device signed out or was ended; the seat stays held by another device
    RELEASED = "released"  # the seat was freed, with the reason of its last session's end

    ALL: tuple[str, ...] = (CLAIMED, JOINED, REFUSED, LEFT, RELEASED)
    LABELS: dict[str, str] = {
        CLAIMED: "Seat claimed",
        JOINED: "Joined from another device",
        REFUSED: "Sign-in refused",
        LEFT: "Device signed out",
        RELEASED: "Seat released",
    }


_KIND_RANK = {kind: rank for rank, kind in enumerate(LedgerKind.ALL)}
_REASON_LABELS: dict[str, str] = {**dict(EndReason.choices), **dict(LoginDenial.Reason.choices)}


@dataclass(frozen=True)
class LedgerEvent:
    """One line of a company's seat ledger."""

    at: datetime.datetime
    kind: str
    user_id: int
    user_email: str
    user_name: str
    # The end reason (logout, idle, forced, expired, license) or the refusal reason.
    reason: str = ""
    device: str = ""
    ip: str = ""
    # Refusals: the numbers the engine saw at that moment.
    capacity: int | None = None
    seats_in_use: int | None = None
    # Forced releases, filled in by the support app, which owns the audit record.
    forced_by: str = ""
    forced_reason: str = ""
    # Tie-breaker among events of one kind at one instant: the row's primary key.
    row_id: int = field(default=0, compare=False)

    @property
    def kind_label(self) -> str:
        return LedgerKind.LABELS[self.kind]

    @property
    def reason_label(self) -> str:
        return _REASON_LABELS.get(self.reason, self.reason)

    def sort_key(self) -> tuple[datetime.datetime, int, int]:
        return (self.at, _KIND_RANK[self.kind], self.row_id)


def ledger(
    company: Company,
    *,
    start: DateOrDatetime,
    end: DateOrDatetime,
    user: User | int | None = None,
    kinds: Collection[str] | None = None,
) -> Iterator[LedgerEvent]:
    """The company's seat events in [start, end), oldest first, optionally of one user and kinds.

    Built from the seat, seat-session and denial tables (no event table to keep in step): one
    ordered, streamed query per kind, merged by time. Without the forced-logout actor, which the
    support app adds (`support.ledger`): this app must not depend on support.
    """
    lo, hi = period_bounds(start, end)
    wanted = set(LedgerKind.ALL if kinds is None else kinds)
    unknown = wanted - set(LedgerKind.ALL)
    if unknown:
        raise ValueError(f"Unknown ledger kinds: {', '.join(sorted(unknown))}")
    user_id = user.pk if isinstance(user, User) else user

    streams: list[Iterator[LedgerEvent]] = []
    for kind in LedgerKind.ALL:
        if kind in wanted:
            streams.append(_LEDGER_SOURCES[kind](company, lo, hi, user_id))
    return heapq.merge(*streams, key=LedgerEvent.sort_key)


def _seats(company: Company, user_id: int | None):
    qs = Seat.objects.filter(company=company)
    return qs if user_id is None else qs.filter(user_id=user_id)


def _sessions(company: Company, lo, hi, user_id: int | None):
    # Every session of the period belongs to a seat that overlaps the period: saying so lets the
    # planner start from the company's seats instead of all sessions of the window.
    qs = SeatSession.objects.filter(seat__company=company, seat__claimed_at__lt=hi).filter(
        Q(seat__released_at__isnull=True) | Q(seat__released_at__gte=lo)
    )
    return qs if user_id is None else qs.filter(seat__user_id=user_id)


def _claims(company, lo, hi, user_id) -> Iterator[LedgerEvent]:
    first_session = SeatSession.objects.filter(seat=OuterRef("pk")).order_by("pk")
    rows = (
        _seats(company, user_id)
        .filter(claimed_at__gte=lo, claimed_at__lt=hi)
        .annotate(
            device=Subquery(first_session.values("user_agent")[:1]),
            device_ip=Subquery(first_session.values("ip")[:1]),
        )
        .order_by("claimed_at", "pk")
        .values_list(
            "pk", "claimed_at", "user_id", "user__email", "user__full_name", "device", "device_ip"
        )
    )
    for pk, at, uid, email, name, device, ip in rows.iterator(chunk_size=CHUNK):
        yield LedgerEvent(
            at, LedgerKind.CLAIMED, uid, email, name, device=device or "", ip=ip or "", row_id=pk
        )


def _joins(company, lo, hi, user_id) -> Iterator[LedgerEvent]:
    # A session is a join when its seat already had a session: the first one is the claim.
    earlier = SeatSession.objects.filter(seat=OuterRef("seat"), pk__lt=OuterRef("pk"))
    rows = (
        _sessions(company, lo, hi, user_id)
        .filter(started_at__gte=lo, started_at__lt=hi)
        .filter(Exists(earlier))
        .order_by("started_at", "pk")
        .values_list(
            "pk",
            "started_at",
            "seat__user_id",
            "seat__user__email",
            "seat__user__full_name",
            "user_agent",
            "ip",
        )
    )
    for pk, at, uid, email, name, device, ip in rows.iterator(chunk_size=CHUNK):
        yield LedgerEvent(
            at, LedgerKind.JOINED, uid, email, name, device=device, ip=ip or "", row_id=pk
        )


def _lefts(company, lo, hi, user_id) -> Iterator[LedgerEvent]:
    # A device's end is its own line only while the seat stays held; otherwise the release says it.
    rows = (
        _sessions(company, lo, hi, user_id)
        .filter(ended_at__gte=lo, ended_at__lt=hi)
        .filter(Q(seat__released_at__isnull=True) | Q(seat__released_at__gt=F("ended_at")))
        .order_by("ended_at", "pk")
        .values_list(
            "pk",
            "ended_at",
            "seat__user_id",
            "seat__user__email",
            "seat__user__full_name",
            "end_reason",
            "user_agent",
            "ip",
        )
    )
    for pk, at, uid, email, name, reason, device, ip in rows.iterator(chunk_size=CHUNK):
        yield LedgerEvent(
            at,
            LedgerKind.LEFT,
            uid,
            email,
            name,
            reason=reason,
            device=device,
            ip=ip or "",
            row_id=pk,
        )


def _releases(company, lo, hi, user_id) -> Iterator[LedgerEvent]:
    rows = (
        _seats(company, user_id)
        .filter(released_at__gte=lo, released_at__lt=hi)
        .order_by("released_at", "pk")
        .values_list(
            "pk", "released_at", "user_id", "user__email", "user__full_name", "release_reason"
        )
    )
    for pk, at, uid, email, name, reason in rows.iterator(chunk_size=CHUNK):
        yield LedgerEvent(at, LedgerKind.RELEASED, uid, email, name, reason=reason, row_id=pk)


def _refusals(company, lo, hi, user_id) -> Iterator[LedgerEvent]:
    qs = LoginDenial.objects.filter(company=company, at__gte=lo, at__lt=hi)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    rows = qs.order_by("at", "pk").values_list(
        "pk",
        "at",
        "user_id",
        "user__email",
        "user__full_name",
        "reason",
        "capacity",
        "seats_in_use",
    )
    for pk, at, uid, email, name, reason, capacity, in_use in rows.iterator(chunk_size=CHUNK):
        yield LedgerEvent(
            at,
            LedgerKind.REFUSED,
            uid,
            email,
            name,
            reason=reason,
            capacity=capacity,
            seats_in_use=in_use,
            row_id=pk,
        )


_LEDGER_SOURCES = {
    LedgerKind.CLAIMED: _claims,
    LedgerKind.JOINED: _joins,
    LedgerKind.REFUSED: _refusals,
    LedgerKind.LEFT: _lefts,
    LedgerKind.RELEASED: _releases,
}

LEDGER_CSV_HEADER = (
    "time",
    "event",
    "email",
    "name",
    "reason",
    "device",
    "ip",
    "capacity",
    "seats_in_use",
    "forced_by",
    "forced_reason",
)


class _Line:
    """A file-like that hands back what csv.writer writes, so rows stream one by one."""

    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting like a formula (user agents and reasons are typed
    # by people): quote it as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_row(event: LedgerEvent) -> list[str]:
    return [
        _local(event.at).isoformat(timespec="seconds"),
        event.kind_label,
        _cell(event.user_email),
        _cell(event.user_name),
        _cell(event.reason_label),
        _cell(event.device),
        _cell(event.ip),
        _cell(event.capacity),
        _cell(event.seats_in_use),
        _cell(event.forced_by),
        _cell(event.forced_reason),
    ]


def ledger_csv_lines(events: Iterable[LedgerEvent]) -> Iterator[str]:
    """CSV lines (header first, each ending in CRLF) for a StreamingHttpResponse; times in the
    site's time zone."""
    writer = csv.writer(_Line())
    yield writer.writerow(LEDGER_CSV_HEADER)
    for event in events:
        yield writer.writerow(_csv_row(event))


def write_ledger_csv(events: Iterable[LedgerEvent], out: IO[str]) -> int:
    """Write the ledger as CSV to a text file; returns the number of events written."""
    count = -1  # the header is not an event
    for count, line in enumerate(ledger_csv_lines(events)):  # noqa: B007
        out.write(line)
    return count


# --- Usage report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayUsage:
    day: datetime.date
    peak: int  # most people holding a seat at the same instant that day
    capacity: int  # seats of the entitlements valid that day
    seat_hours: float  # seats held, integrated over the day
    refused: int  # sign-ins refused because every seat was taken

    @property
    def over_capacity(self) -> bool:
        return self.peak >= self.capacity and self.capacity > 0


@dataclass(frozen=True)
class HourOfWeek:
    """One hour of the week (Monday 00:00 is weekday 0, hour 0), in the site's time zone."""

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
    days: tuple[DayUsage, ...]
    seat_hours_used: float
    # From the last activity on any device of a seat to its release, for seats released in the
    # period (the time a seat was held by nobody working; open seats are not counted yet).
    seat_hours_idle: float
    refused_people: int  # distinct people refused because every seat was taken
    refused_other: int  # refusals for another reason (no valid license, company inactive)
    hours_of_week: tuple[HourOfWeek, ...]  # 168 entries, Monday 00:00 first

    @property
    def peak(self) -> int:
        return max((d.peak for d in self.days), default=0)

    @property
    def capacity(self) -> int:
        """The capacity of the period's last day."""
        return self.days[-1].capacity if self.days else 0

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


def _hour_buckets(lo: datetime.datetime, hi: datetime.datetime) -> list[datetime.datetime]:
    """Starts of the site-local clock hours covering [lo, hi), the first clipped to `lo`.

    Built from local wall-clock hours so that days and hours of the week follow the site's time
    zone, DST included (an hour that does not exist is skipped, a repeated one is one bucket).
    """
    tz = timezone.get_default_timezone()
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


def _report_end(hi: datetime.datetime, now: datetime.datetime | None) -> datetime.datetime:
    # Seats still held count until the end of the period, or until now when it reaches the future.
    return min(hi, now or timezone.now())


def _overlapping_seats(company: Company, lo: datetime.datetime, hi: datetime.datetime):
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
    usage by hour of the week, for [start, end). A fixed number of queries (five)."""
    lo, hi = period_bounds(start, end)
    until = max(lo, _report_end(hi, now))
    buckets = _hour_buckets(lo, hi)
    seats = _overlapping_seats(company, lo, until)

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
        local = _local(begins)
        day, slot = local.date(), local.weekday() * 24 + local.hour
        day_peak[day] = max(day_peak.get(day, 0), result.peaks[k])
        day_seconds[day] += result.seconds[k]
        how_peak[slot] = max(how_peak[slot], result.peaks[k])
        how_seconds[slot] += result.seconds[k]
        # Hours after `until` (the future) have not happened: they do not dilute the average.
        how_hours[slot] += max(0.0, (min(bounds[k + 1], until) - begins).total_seconds()) / 3600

    days = sorted(day_peak)
    capacities = capacity_per_day(company, days)

    tz = timezone.get_default_timezone()
    denials = LoginDenial.objects.filter(company=company, at__gte=lo, at__lt=hi)
    refused_by_day: dict[datetime.date, int] = defaultdict(int)
    refused_other = 0
    for day, reason, n in (
        denials.annotate(day=TruncDate("at", tzinfo=tz))
        .values_list("day", "reason")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if reason == LoginDenial.Reason.SEATS_FULL:
            refused_by_day[day] += n
        else:
            refused_other += n
    refused_people = denials.filter(reason=LoginDenial.Reason.SEATS_FULL).aggregate(
        n=Count("user", distinct=True)
    )["n"]

    return UsageReport(
        company_id=company.pk,
        start=lo,
        end=hi,
        days=tuple(
            DayUsage(
                day=day,
                peak=day_peak[day],
                capacity=capacity,
                seat_hours=day_seconds[day] / 3600,
                refused=refused_by_day.get(day, 0),
            )
            for day, capacity in zip(days, capacities, strict=True)
        ),
        seat_hours_used=sum(result.seconds) / 3600,
        seat_hours_idle=idle_seconds / 3600,
        refused_people=refused_people,
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
    )


# --- Simulator -------------------------------------------------------------------------------
#
# The replay answers "how many sign-ins would have been refused with C seats and an idle timeout
# of T minutes?" from the period's real history. Its assumptions:
#
# 1. Attempts. Every seat claim and every "seats full" refusal of the period is a sign-in attempt,
#    replayed in time order, first come first served, as the engine serves them. Refusals for
#    another reason (no license, company inactive) are not about seat count and are left out.
# 2. How long an admitted person holds the seat. Each real seat is a demand from its claim to:
#    - released as idle: last activity + T (the reaper frees it T after the last activity; the
#      reaper's own delay of up to a minute is ignored);
#    - released otherwise (logout, forced, expired, license): the real release, or last activity
#      + T if that comes first (a shorter timeout frees an abandoned seat earlier);
#    - still held: the end of the period, or last activity + T if that comes first.
#    Idle time is only known at the end of a seat (last activity to release): pauses in the middle
#    of a seat are not visible in the records, so a shorter timeout never splits a seat in two.
# 3. What a refused person would have done if admitted. If they got a seat later the same day (a
#    retry that worked), they would have held it from the refusal until that seat's release. If
#    not, they would have held it as long as the company's median seat under the same timeout
#    (one hour + T when the period has no seats to learn from).
# 4. A person holds one seat: an attempt by someone already holding a seat in the replay is a
#    join, never a refusal, and extends their hold if it ends later.
# 5. Refused people do not retry beyond what the records show: a real claim refused in the replay
#    leaves no seat, and the person's later real attempts are replayed as they happened.
# 6. The capacity is the same all period. Seats claimed before the period start are replayed too
#    (so the period starts with the seats really held then), but their refusals are not counted.
# 7. Refusals count sign-ins, and "days" are site-local days with at least one counted refusal.


@dataclass(frozen=True)
class SeatHistory:
    """What the replay needs of one real seat."""

    user_id: int
    claimed_at: datetime.datetime
    last_active: datetime.datetime
    released_at: datetime.datetime | None
    reason: str


@dataclass(frozen=True)
class Attempt:
    at: datetime.datetime
    user_id: int
    holds_until: datetime.datetime
    counted: bool  # inside the period (refusals of earlier claims are not counted)


@dataclass(frozen=True)
class ReplayResult:
    refused: int
    refused_days: int
    peak: int  # most seats held at once in the replay


def seat_hold_end(
    seat: SeatHistory, timeout: datetime.timedelta, until: datetime.datetime
) -> datetime.datetime:
    """When the seat would have been freed with this idle timeout (assumption 2)."""
    last_active = max(seat.claimed_at, seat.last_active)
    idle_end = last_active + timeout
    if seat.released_at is None:
        end = min(until, idle_end)
    elif seat.reason == EndReason.IDLE:
        end = idle_end
    else:
        end = min(seat.released_at, idle_end)
    return max(seat.claimed_at, end)


def build_attempts(
    seats: Sequence[SeatHistory],
    denials: Sequence[tuple[int, datetime.datetime]],
    *,
    timeout: datetime.timedelta,
    start: datetime.datetime,
    until: datetime.datetime,
) -> list[Attempt]:
    """The period's sign-in attempts, time-ordered, with how long each would hold a seat
    (assumptions 2 and 3). `denials` are (user id, time) of "seats full" refusals."""
    attempts: list[Attempt] = []
    by_user: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
    for seat in seats:
        hold = seat_hold_end(seat, timeout, until)
        attempts.append(Attempt(seat.claimed_at, seat.user_id, hold, seat.claimed_at >= start))
        by_user[seat.user_id].append((seat.claimed_at, hold))
    for claims in by_user.values():
        claims.sort()

    durations = [a.holds_until - a.at for a in attempts]
    typical = statistics.median(durations) if durations else datetime.timedelta(hours=1) + timeout
    for user_id, at in denials:
        hold = at + typical
        claims = by_user.get(user_id, [])
        k = bisect.bisect_left(claims, (at,))
        if k < len(claims) and _local(claims[k][0]).date() == _local(at).date():
            hold = claims[k][1]  # held until the seat of the retry that worked (assumption 3)
        attempts.append(Attempt(at, user_id, hold, at >= start))
    # Stable: at one instant, claims before refusals, each in the order they were recorded.
    attempts.sort(key=lambda a: a.at)
    return attempts


def replay(attempts: Sequence[Attempt], capacity: int | None) -> ReplayResult:
    """First come, first served replay of time-ordered attempts against `capacity` seats (None:
    unlimited). A seat is free again at its hold's end: [at, holds_until) is half-open."""
    holds: dict[int, datetime.datetime] = {}  # person -> end of the seat they hold
    ends: list[tuple[datetime.datetime, int]] = []  # heap; stale entries are skipped
    refused, peak = 0, 0
    refused_days: set[datetime.date] = set()
    for attempt in attempts:
        while ends and ends[0][0] <= attempt.at:
            ended, user_id = heapq.heappop(ends)
            if holds.get(user_id) == ended:
                del holds[user_id]
        current = holds.get(attempt.user_id)
        if current is not None:  # already holds a seat: joins it (assumption 4)
            if attempt.holds_until > current:
                holds[attempt.user_id] = attempt.holds_until
                heapq.heappush(ends, (attempt.holds_until, attempt.user_id))
            continue
        if capacity is not None and len(holds) >= capacity:
            if attempt.counted:
                refused += 1
                refused_days.add(_local(attempt.at).date())
            continue
        if attempt.holds_until > attempt.at:
            holds[attempt.user_id] = attempt.holds_until
            heapq.heappush(ends, (attempt.holds_until, attempt.user_id))
            peak = max(peak, len(holds))
    return ReplayResult(refused, len(refused_days), peak)


@dataclass(frozen=True)
class Scenario:
    capacity: int
    idle_timeout: int  # minutes
    refused: int
    refused_days: int


@dataclass(frozen=True)
class Simulation:
    start: datetime.datetime
    end: datetime.datetime
    attempts: int  # sign-ins of the period (claims and "seats full" refusals)
    actual_capacity: int  # on the period's last day
    actual_timeout: int  # the company's idle timeout in minutes, today
    capacities: tuple[int, ...]
    timeouts: tuple[int, ...]
    scenarios: tuple[Scenario, ...]
    # Seats needed so that nobody would have been refused, per timeout.
    needed: dict[int, int] = field(default_factory=dict)

    def get(self, capacity: int, timeout: int) -> Scenario:
        for scenario in self.scenarios:
            if (scenario.capacity, scenario.idle_timeout) == (capacity, timeout):
                return scenario
        raise KeyError((capacity, timeout))

    def smallest_capacity_without_refusals(self, timeout: int | None = None) -> int | None:
        timeout = self.actual_timeout if timeout is None else timeout
        for capacity in self.capacities:
            if self.get(capacity, timeout).refused == 0:
                return capacity
        return None


def catalogue_capacities(package_seats: Iterable[int], up_to: int, *, units: int = 3) -> list[int]:
    """Capacities the catalogue allows, up to the first one >= `up_to`: sums of up to `units`
    packages, then multiples of the largest package (bigger companies buy several)."""
    sizes = sorted(set(package_seats))
    if not sizes:
        return []
    sums = {0}
    for _ in range(units):
        sums |= {s + size for s in sums for size in sizes}
    largest = sizes[-1]
    sums |= {largest * k for k in range(1, up_to // largest + 2)}
    ladder = sorted(s for s in sums if s > 0)
    cut = next((k for k, c in enumerate(ladder) if c >= up_to), len(ladder) - 1)
    return ladder[: cut + 1]


def load_history(
    company: Company, lo: datetime.datetime, until: datetime.datetime
) -> tuple[list[SeatHistory], list[tuple[int, datetime.datetime]]]:
    """The seats and "seats full" refusals the replay needs, in two queries."""
    seats = [
        SeatHistory(uid, claimed, last or claimed, released, reason)
        for uid, claimed, released, reason, last in _overlapping_seats(company, lo, until)
        .annotate(last_active=Max("sessions__last_activity"))
        .order_by("claimed_at", "pk")
        .values_list("user_id", "claimed_at", "released_at", "release_reason", "last_active")
        .iterator(chunk_size=CHUNK)
    ]
    denials = list(
        LoginDenial.objects.filter(
            company=company, at__gte=lo, at__lt=until, reason=LoginDenial.Reason.SEATS_FULL
        )
        .order_by("at", "pk")
        .values_list("user_id", "at")
    )
    return seats, denials


DEFAULT_TIMEOUTS = (10, 20, 30, 60)


def simulate(
    company: Company,
    *,
    start: DateOrDatetime,
    end: DateOrDatetime,
    timeouts: Iterable[int] = DEFAULT_TIMEOUTS,
    capacities: Iterable[int] | None = None,
    now: datetime.datetime | None = None,
) -> Simulation:
    """Replay [start, end) against each capacity (default: what the catalogue allows, up to what
    nobody would have been refused with) and each idle timeout (plus the company's own)."""
    lo, hi = period_bounds(start, end)
    until = max(lo, _report_end(hi, now))
    last_day = _local(hi - datetime.timedelta(microseconds=1)).date()
    actual_capacity = capacity_of(company, on=last_day)
    actual_timeout = idle_timeout_of(company)
    minutes = tuple(sorted({*timeouts, actual_timeout}))
    seats, denials = load_history(company, lo, until)

    attempts_by_timeout = {
        t: build_attempts(
            seats, denials, timeout=datetime.timedelta(minutes=t), start=lo, until=until
        )
        for t in minutes
    }
    # With at least as many seats as the unlimited replay held at once, nobody is refused.
    needed = {t: replay(a, None).peak for t, a in attempts_by_timeout.items()}
    if capacities is None:
        package_seats = LicensePackage.objects.values_list("seats", flat=True)
        ladder = catalogue_capacities(package_seats, max([*needed.values(), 1]))
        # Far below today's capacity is not a question anyone asks ("do I have enough?"), and
        # each capacity costs a replay per timeout.
        ladder = [c for c in ladder if 2 * c >= actual_capacity]
        capacities = {*ladder, actual_capacity} if actual_capacity else set(ladder)
    caps = tuple(sorted(c for c in set(capacities) if c > 0))

    scenarios = []
    for t in minutes:
        for c in caps:
            result = ReplayResult(0, 0, 0) if c >= needed[t] else replay(attempts_by_timeout[t], c)
            scenarios.append(Scenario(c, t, result.refused, result.refused_days))
    attempts = sum(1 for a in attempts_by_timeout[minutes[0]] if a.counted)
    return Simulation(
        lo, hi, attempts, actual_capacity, actual_timeout, caps, minutes, tuple(scenarios), needed
    )


# --- Recommendation --------------------------------------------------------------------------


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _refused_phrase(count: int) -> str:
    return "none" if count == 0 else str(count)


def recommendation(report: UsageReport, simulation: Simulation) -> str:
    """The answer to "Do I have enough licenses?" in plain words, from what happened and the
    replay. Numbers of what happened come from the records; the alternatives from the replay."""
    capacity = simulation.actual_capacity
    if capacity == 0:
        return "There is no valid license today, so nobody of this company can sign in."
    seats = _n(capacity, "seat")
    if report.refused == 0:
        return (
            f"With {seats}, no sign-in was refused; at most {report.peak} "
            f"{'person was' if report.peak == 1 else 'people were'} signed in at once."
        )
    # The capacity when people were refused: it may have changed within the period.
    then = max(d.capacity for d in report.days if d.refused)
    verb = "was" if report.refused == 1 else "were"
    sentence = (
        f"With {_n(then, 'seat')}, {_n(report.refused, 'sign-in')} {verb} refused "
        f"on {_n(report.refused_days, 'day')}."
    )
    baseline = simulation.get(capacity, simulation.actual_timeout).refused
    if baseline == 0:
        if then != capacity:
            return f"{sentence} The {capacity} seats of today would have refused none."
        return (
            f"{sentence} Replayed with today's {simulation.actual_timeout}-minute idle timeout, "
            "the same sign-ins would all have found a seat."
        )
    enough = next(
        (
            c
            for c in simulation.capacities
            if c > capacity and simulation.get(c, simulation.actual_timeout).refused == 0
        ),
        None,
    )
    options = []
    if enough is not None:
        options.append(f"{_n(enough, 'seat')} would have refused none")
    shorter = [
        simulation.get(capacity, t)
        for t in simulation.timeouts
        # Better than both the replay of today's setting and what really happened.
        if t < simulation.actual_timeout
        and simulation.get(capacity, t).refused < min(baseline, report.refused)
    ]
    if shorter:
        # Fewest refusals; among equals, the longest timeout (people lose their seat the least).
        best = min(shorter, key=lambda s: (s.refused, -s.idle_timeout))
        options.append(
            f"a {best.idle_timeout}-minute idle timeout on {seats} would have refused {_refused_phrase(best.refused)}"
        )
    if not options:
        return sentence
    text = "; ".join(options)
    return f"{sentence} {text[0].upper()}{text[1:]}."


__all__ = [
    "DEFAULT_TIMEOUTS",
    "LEDGER_CSV_HEADER",
    "Attempt",
    "DayUsage",
    "HourOfWeek",
    "LedgerEvent",
    "LedgerKind",
    "ReplayResult",
    "Scenario",
    "SeatHistory",
    "Simulation",
    "UsageReport",
    "build_attempts",
    "capacity_per_day",
    "catalogue_capacities",
    "last_days",
    "ledger",
    "ledger_csv_lines",
    "load_history",
    "period_bounds",
    "recommendation",
    "replay",
    "seat_hold_end",
    "simulate",
    "sweep",
    "usage_report",
    "write_ledger_csv",
]
