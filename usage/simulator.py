"""The sizing simulator: replay a period's sign-ins under other capacities and idle timeouts."""

from __future__ import annotations

import bisect
import datetime
import heapq
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Max

from accounts.models import Company
from sessions_seats.models import (
    EndReason,
    LicensePackage,
    LoginDenial,
)
from sessions_seats.selectors import capacity_of, idle_timeout_of

from .periods import CHUNK, DateOrDatetime, local_time, period_bounds
from .report import overlapping_seats, report_end

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
    # median() sorts and averages, which timedeltas support; typeshed admits numbers only.
    typical = (
        statistics.median(durations)  # type: ignore[type-var]
        if durations
        else datetime.timedelta(hours=1) + timeout
    )
    for user_id, at in denials:
        hold = at + typical
        claims = by_user.get(user_id, [])
        k = bisect.bisect_left(claims, (at,))
        if k < len(claims) and local_time(claims[k][0]).date() == local_time(at).date():
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
                refused_days.add(local_time(attempt.at).date())
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
        for uid, claimed, released, reason, last in overlapping_seats(company, lo, until)
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
    until = max(lo, report_end(hi, now))
    last_day = local_time(hi - datetime.timedelta(microseconds=1)).date()
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
