"""The sizing simulator: replay a period's sign-ins under other capacities and idle timeouts.

The replay answers "how many sign-ins would have been refused with C seats and an idle timeout
of T minutes?" from the period's real history. Its first rule: replayed with the capacity that
was in force at each moment and today's idle timeout, it gives back exactly the refusals that
happened, day by day (tests/usage/test_replay_fidelity.py drives the engine to prove it). So
every modelled time is the recorded one under today's setting, and only moves with the change
a scenario makes. The rules:

1. Attempts. Every signed-in device of the period asked for a seat: the first device of a seat
   claimed it (at the seat's claim), the others joined it (at their own start). Every counted
   "seats full" refusal (`usage.refusals`: repeated clicks within a minute count once) is an
   attempt too. Refusals for another reason (no license, company inactive) are not about the
   number of seats and are left out. Attempts are replayed in time order, first come first
   served, as the engine serves them; someone who holds a seat in the replay joins it (a person
   holds one seat) and is never refused.
2. How long a device holds the seat, with timeout T where today's is T0. Its lateness is how
   long after its idle deadline under T0 (last activity + T0) it really ended; the reaper runs
   once a minute, so an idle device is ended up to a minute after its deadline, and a device
   that logged out in that minute was past its deadline too.
   - ended as idle (by the reaper, or by the idle dialog a few seconds early): its real end
     moved by T - T0, so the reaper's real timing is kept;
   - ended otherwise (logout, forced by someone, session expired, license ended or shrunk):
     its real end, or last activity + T + lateness if a shorter timeout would have ended it
     first. A forced or license ending cannot be predicted by a replay, so it is taken from
     the history as it happened, whatever the scenario;
   - still signed in: the end of the period (or now), or earlier as for a logout.
   A seat is held while any of its person's devices holds it. A shorter timeout can end the
   first device before the second signs in: that sign-in is then a claim, which may be refused.
   Last activity is the one the engine recorded (once per activity window), the one the reaper
   goes by.
3. What a refused person would have done if admitted. If they got a seat later the same day (a
   retry that worked), they would have held it from the refusal until that seat's end. If not,
   they would have held it as long as the company's median seat under the same timeout
   (one hour + T when the period has no seats to learn from).
4. Refused people do not retry beyond what the records show: a real claim refused in the replay
   leaves no seat, and the person's later real attempts are replayed as they happened.
5. Capacity. "As it was" is the capacity in force at each moment: for a refusal, the capacity
   the engine recorded with it; otherwise the capacity of that day's valid entitlements (a
   license added at noon counts all day, but a morning refusal keeps the capacity it happened
   under). Every other scenario has the same number of seats all period. Seats held when the
   period starts are replayed from their real claims and held whatever the scenario (the period
   starts as it really did); only the period's own attempts can be refused.
6. One instant. The records do not say which of two events at the same instant came first. A
   claim or join at an instant may use a seat freed at that instant (it found one free); a
   refusal at an instant is replayed before the seats freed at it (it found them all taken),
   and after the claims of that instant. With the engine's clock, two requests practically
   never share an instant, so this only decides made-up histories.
7. Refusals count sign-ins, and "days" are the company's days (in its time zone) with at least
   one counted refusal.
8. What the records cannot show. An ending is stamped with the time it starts (one time for a
   whole run of the reaper) and seen by sign-ins once it commits: a refusal in between (the
   milliseconds of a batch) replays as admitted. Seats released before the period starts are
   not replayed, though a longer timeout could have kept them into it. An entitlement edited
   after the fact counts as it is now.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import heapq
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from accounts.models import Company
from accounts.time_zones import zone_of
from sessions_seats.models import EndReason, LicensePackage
from sessions_seats.selectors import idle_timeout_of

from .history import SessionHistory, load_sessions
from .periods import DateOrDatetime, local_days, local_time, period_bounds
from .refusals import CountedRefusal, counted_refusals
from .report import capacity_per_day, report_end


@dataclass(frozen=True)
class Attempt:
    at: datetime.datetime
    user_id: int
    holds_until: datetime.datetime
    counted: bool  # inside the period (attempts before it are only replayed)
    refused: bool = False  # a recorded refusal; otherwise a claim or join that happened
    capacity: int | None = None  # the capacity in force at that moment (rule 5)


@dataclass(frozen=True)
class ReplayResult:
    refused: int
    refused_days: int
    # Most seats held at once after an attempt of the period; for an unlimited replay, the
    # fewest seats with which nobody of the period would have been refused.
    peak: int
    by_day: dict[datetime.date, int] = field(default_factory=dict)


def session_hold_end(
    session: SessionHistory,
    timeout: datetime.timedelta,
    actual_timeout: datetime.timedelta,
    until: datetime.datetime,
) -> datetime.datetime:
    """When this device would have stopped holding the seat with `timeout` (rule 2);
    `actual_timeout` is the company's, with which the result is the recorded end."""
    last_active = max(session.at, session.last_active)
    if session.ended_at is not None and session.reason == EndReason.IDLE:
        end = session.ended_at + (timeout - actual_timeout)
    else:
        ended = session.ended_at if session.ended_at is not None else until
        lateness = max(datetime.timedelta(0), ended - (last_active + actual_timeout))
        end = min(ended, last_active + timeout + lateness)
    return max(session.at, end)


def build_attempts(
    sessions: Sequence[SessionHistory],
    refusals: Sequence[CountedRefusal],
    *,
    timeout: datetime.timedelta,
    actual_timeout: datetime.timedelta,
    start: datetime.datetime,
    until: datetime.datetime,
    capacity_at: Callable[[datetime.datetime], int | None] = lambda moment: None,
    tz: datetime.tzinfo | None = None,
) -> list[Attempt]:
    """The sign-in attempts, time-ordered, with how long each would hold a seat (rules 1 to 3)
    and the capacity in force when it happened (rule 5). "The same day" is a day of `tz` (None:
    the current zone)."""
    attempts: list[Attempt] = []
    seat_claims: dict[int, tuple[int, datetime.datetime]] = {}
    seat_ends: dict[int, datetime.datetime] = {}
    for session in sessions:
        hold = session_hold_end(session, timeout, actual_timeout, until)
        if session.claimed:
            seat_claims[session.seat_id] = (session.user_id, session.at)
        seat_ends[session.seat_id] = max(hold, seat_ends.get(session.seat_id, hold))
        counted = session.at >= start
        capacity = capacity_at(session.at) if counted else None
        attempts.append(Attempt(session.at, session.user_id, hold, counted, capacity=capacity))

    by_user: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
    durations = []
    for seat_id, (user_id, claimed_at) in seat_claims.items():
        by_user[user_id].append((claimed_at, seat_ends[seat_id]))
        durations.append(seat_ends[seat_id] - claimed_at)
    for claims in by_user.values():
        claims.sort()
    # median() sorts and averages, which timedeltas support; typeshed admits numbers only.
    typical = (
        statistics.median(durations)  # type: ignore[type-var]
        if durations
        else datetime.timedelta(hours=1) + timeout
    )
    for refusal in refusals:
        at = refusal.at
        hold = at + typical
        claims = by_user.get(refusal.user_id, [])
        k = bisect.bisect_left(claims, (at,))
        if k < len(claims) and local_time(claims[k][0], tz).date() == local_time(at, tz).date():
            hold = claims[k][1]  # held until the seat of the retry that worked (rule 3)
        attempts.append(
            Attempt(at, refusal.user_id, hold, at >= start, refused=True, capacity=refusal.capacity)
        )
    # At one instant, claims and joins before refusals (rule 6), each in the order recorded.
    attempts.sort(key=lambda a: (a.at, a.refused))
    return attempts


def replay(
    attempts: Sequence[Attempt],
    capacity: int | None = None,
    *,
    as_it_was: bool = False,
    tz: datetime.tzinfo | None = None,
) -> ReplayResult:
    """First come, first served replay of time-ordered attempts against `capacity` seats (None:
    unlimited), or with `as_it_was` against the capacity in force at each attempt. Refusals are
    counted per day of `tz` (None: the current zone).

    A seat is held over [at, holds_until). A seat freed at an instant stays counted as taken for
    the refusals of that instant, and is handed to a claim of that instant that finds no other
    (rule 6).
    """
    holds: dict[int, datetime.datetime] = {}  # person -> end of the seat they hold
    ends: list[tuple[datetime.datetime, int]] = []  # heap; stale entries are skipped
    ending: list[int] = []  # people whose seat is freed at `instant`, still counted
    instant: datetime.datetime | None = None
    refused, peak = 0, 0
    by_day: Counter[datetime.date] = Counter()

    def ending_now() -> int:
        return sum(1 for user_id in ending if holds.get(user_id) == instant)

    def free_one_ending_now() -> bool:
        while ending:
            user_id = ending.pop()
            if holds.get(user_id) == instant:
                del holds[user_id]
                return True
        return False

    for attempt in attempts:
        if attempt.at != instant:
            for user_id in ending:
                if holds.get(user_id) == instant:
                    del holds[user_id]
            ending = []
            instant = attempt.at
            while ends and ends[0][0] <= instant:
                ended, user_id = heapq.heappop(ends)
                if holds.get(user_id) != ended:
                    continue
                if ended < instant:
                    del holds[user_id]
                else:
                    ending.append(user_id)
        user_id = attempt.user_id
        if attempt.refused and holds.get(user_id) == instant:
            del holds[user_id]  # refused: their own seat was already freed at this instant
        current = holds.get(user_id)
        if current is not None:  # already holds a seat: joins it (rule 1)
            if attempt.holds_until > current:
                holds[user_id] = attempt.holds_until
                heapq.heappush(ends, (attempt.holds_until, user_id))
            continue
        limit = attempt.capacity if as_it_was else capacity
        full = attempt.counted and limit is not None and len(holds) >= limit
        if full and (attempt.refused or not free_one_ending_now()):
            refused += 1
            by_day[local_time(attempt.at, tz).date()] += 1
            continue
        holds[user_id] = attempt.holds_until
        heapq.heappush(ends, (attempt.holds_until, user_id))
        if attempt.holds_until <= instant:
            ending.append(user_id)
        if attempt.counted:
            # A claim could have used the seats freed at this instant, a refusal could not.
            held = len(holds) - (ending_now() if ending and not attempt.refused else 0)
            peak = max(peak, held)
    return ReplayResult(refused, len(by_day), peak, dict(by_day))


@dataclass(frozen=True)
class Scenario:
    capacity: int | None  # None: the capacity in force at each moment, as it was
    idle_timeout: int
    refused: int
    refused_days: int


@dataclass(frozen=True)
class Simulation:
    start: datetime.datetime
    end: datetime.datetime
    attempts: int  # sign-ins of the period (devices signed in and counted refusals)
    actual_capacity: int  # on the period's last day
    actual_timeout: int  # the company's idle timeout in minutes, today
    capacities: tuple[int, ...]  # the scenarios with that many seats all period
    timeouts: tuple[int, ...]
    scenarios: tuple[Scenario, ...]  # every capacity (and None, as it was) × every timeout
    # Seats needed so that nobody would have been refused, per timeout.
    needed: dict[int, int] = field(default_factory=dict)
    # The capacity was not the same all period (rule 5): "as it was" differs from every row.
    capacity_varies: bool = False
    # The replay as it was, with today's timeout, per day of the company: what really happened.
    actual_by_day: dict[datetime.date, int] = field(default_factory=dict)

    def get(self, capacity: int | None, timeout: int) -> Scenario:
        for scenario in self.scenarios:
            if (scenario.capacity, scenario.idle_timeout) == (capacity, timeout):
                return scenario
        raise KeyError((capacity, timeout))

    @property
    def as_it_was(self) -> Scenario:
        """The company's own setting replayed: the capacity in force and today's timeout."""
        return self.get(None, self.actual_timeout)

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
    nobody would have been refused with), as it was, and each idle timeout (plus the company's
    own). Days are the company's, in its time zone. Four queries."""
    tz = zone_of(company)
    lo, hi = period_bounds(start, end, tz)
    until = max(lo, report_end(hi, now))
    days = local_days(lo, hi, tz)
    day_capacity = dict(zip(days, capacity_per_day(company, days), strict=True))

    @functools.cache
    def capacity_at(moment: datetime.datetime) -> int | None:
        # The same moments come back for every timeout: one time-zone conversion each.
        return day_capacity.get(local_time(moment, tz).date())

    actual_capacity = day_capacity[days[-1]]
    actual_timeout = idle_timeout_of(company)
    minutes = tuple(sorted({*timeouts, actual_timeout}))
    sessions = load_sessions(company, lo, until)
    refusals = list(counted_refusals(company, lo, hi))

    attempts_by_timeout = {
        t: build_attempts(
            sessions,
            refusals,
            timeout=datetime.timedelta(minutes=t),
            actual_timeout=datetime.timedelta(minutes=actual_timeout),
            start=lo,
            until=until,
            capacity_at=capacity_at,
            tz=tz,
        )
        for t in minutes
    }
    # With at least as many seats as the unlimited replay held at once, nobody is refused.
    needed = {t: replay(a, None, tz=tz).peak for t, a in attempts_by_timeout.items()}
    if capacities is None:
        package_seats = LicensePackage.objects.values_list("seats", flat=True)
        ladder = catalogue_capacities(package_seats, max([*needed.values(), 1]))
        # Far below today's capacity is not a question anyone asks ("do I have enough?"), and
        # each capacity costs a replay per timeout.
        ladder = [c for c in ladder if 2 * c >= actual_capacity]
        if ladder and needed[actual_timeout] > actual_capacity:
            # The exact number that refuses nobody, which the recommendation names.
            ladder.append(needed[actual_timeout])
        capacities = {*ladder, actual_capacity} if actual_capacity else set(ladder)
    caps = tuple(sorted(c for c in set(capacities) if c > 0))

    # Every moment of the period under today's capacity: "as it was" is then today's row.
    varies = any(c != actual_capacity for c in day_capacity.values()) or any(
        capacity_at(refusal.at) != refusal.capacity for refusal in refusals
    )
    scenarios = []
    as_it_was = {}
    for t in minutes:
        results = {
            c: ReplayResult(0, 0, 0) if c >= needed[t] else replay(attempts_by_timeout[t], c, tz=tz)
            for c in caps
        }
        same = None if varies else results.get(actual_capacity)
        as_it_was[t] = same or replay(attempts_by_timeout[t], as_it_was=True, tz=tz)
        scenarios.append(Scenario(None, t, as_it_was[t].refused, as_it_was[t].refused_days))
        scenarios += [Scenario(c, t, r.refused, r.refused_days) for c, r in results.items()]
    attempts = sum(1 for a in attempts_by_timeout[minutes[0]] if a.counted)
    return Simulation(
        lo,
        hi,
        attempts,
        actual_capacity,
        actual_timeout,
        caps,
        minutes,
        tuple(scenarios),
        needed,
        capacity_varies=varies,
        actual_by_day=as_it_was[actual_timeout].by_day,
    )
