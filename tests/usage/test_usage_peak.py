"""The usage report: exact peak per day from seat intervals (sweep vs brute force), seat-hours,
idle hours, capacity and refusals per day, hours of the week, time zones, and a fixed query count."""

from __future__ import annotations

import datetime
import itertools
import random
from zoneinfo import ZoneInfo

import pytest

from usage.report import _hour_buckets, sweep, usage_report

from ..factories import (
    EntitlementFactory,
    LoginDenialFactory,
    PackageFactory,
    SeatFactory,
    SeatSessionFactory,
    UserFactory,
)

UTC = datetime.UTC
T0 = datetime.datetime(2025, 3, 3, tzinfo=UTC)  # a Monday


def brute_force(intervals, lo, hi, day_starts):
    """Peak per day by counting the seats held at every instant where the count can rise."""
    clipped = [(max(a, lo), min(b, hi)) for a, b in intervals]
    clipped = [(a, b) for a, b in clipped if a < b]
    bounds = [*day_starts, hi]
    peaks = []
    for d0, d1 in itertools.pairwise(bounds):
        instants = {d0} | {a for a, _ in clipped if d0 <= a < d1}
        peaks.append(max(sum(1 for a, b in clipped if a <= t < b) for t in instants))
    seconds = sum((b - a).total_seconds() for a, b in clipped)
    return peaks, seconds


def events_of(intervals, lo, hi):
    events = []
    for a, b in intervals:
        a, b = max(a, lo), min(b, hi)
        if a < b:
            events += [(a, 1), (b, -1)]
    return sorted(events)


def random_intervals(rng: random.Random, n: int, lo: datetime.datetime, days: int):
    """Intervals on a coarse grid (15 minutes) so that starts, ends and midnights often coincide."""
    slots = days * 96
    out = []
    for _ in range(n):
        a = rng.randrange(-8, slots)
        b = a + rng.choice([0, 1, 2, 4, 8, 30, 96, 200])
        out.append(
            (lo + datetime.timedelta(minutes=15 * a), lo + datetime.timedelta(minutes=15 * b))
        )
    return out


@pytest.mark.parametrize("seed", range(25))
def test_sweep_matches_brute_force_on_random_intervals(seed):
    rng = random.Random(seed)
    days = rng.randint(1, 6)
    lo, hi = T0, T0 + datetime.timedelta(days=days)
    intervals = random_intervals(rng, rng.randint(0, 60), lo, days)
    day_starts = [lo + datetime.timedelta(days=k) for k in range(days)]

    result = sweep(events_of(intervals, lo, hi), day_starts, hi)
    peaks, seconds = brute_force(intervals, lo, hi, day_starts)

    assert result.peaks == peaks
    assert sum(result.seconds) == pytest.approx(seconds)


def test_a_seat_released_exactly_at_midnight_does_not_count_the_next_day():
    lo, hi = T0, T0 + datetime.timedelta(days=2)
    midnight = T0 + datetime.timedelta(days=1)
    events = events_of([(T0 + datetime.timedelta(hours=20), midnight), (midnight, hi)], lo, hi)

    assert sweep(events, [lo, midnight], hi).peaks == [1, 1]


def test_back_to_back_seats_are_one_at_a_time_and_zero_length_ones_hold_nothing():
    t = T0 + datetime.timedelta(hours=9)
    one_hour = datetime.timedelta(hours=1)
    intervals = [(t, t + one_hour), (t + one_hour, t + 2 * one_hour), (t, t)]
    events = events_of(intervals, T0, T0 + datetime.timedelta(days=1))

    result = sweep(events, [T0], T0 + datetime.timedelta(days=1))

    assert result.peaks == [1]
    assert result.seconds == [7200]


def test_hour_buckets_follow_the_local_clock_across_daylight_saving(settings):
    settings.TIME_ZONE = "Europe/Paris"
    paris = ZoneInfo("Europe/Paris")
    # 2025-03-30: clocks go from 02:00 to 03:00, a 23-hour day.
    lo = datetime.datetime(2025, 3, 30, tzinfo=paris)
    hi = datetime.datetime(2025, 3, 31, tzinfo=paris)

    buckets = _hour_buckets(lo, hi)

    assert len(buckets) == 23
    assert [b.astimezone(paris).hour for b in buckets[:4]] == [0, 1, 3, 4]


# --- The report on the database ---------------------------------------------------------------


@pytest.fixture
def company(db):
    """A company with 3 seats since the start of 2025 (the histories below are in March 2025)."""
    return EntitlementFactory(
        package=PackageFactory(seats=3), starts_on=datetime.date(2025, 1, 1)
    ).company


def _seat(user, claimed, released=None, reason="logout", last_active=None):
    seat = SeatFactory(
        user=user,
        claimed_at=claimed,
        released_at=released,
        release_reason=reason if released else "",
    )
    SeatSessionFactory(
        seat=seat,
        started_at=claimed,
        last_activity=last_active or released or claimed,
        ended_at=released,
        end_reason=reason if released else "",
    )
    return seat


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(3))
def test_report_peaks_equal_brute_force_on_random_seats(company, seed, settings):
    settings.TIME_ZONE = "America/New_York"
    ny = ZoneInfo("America/New_York")
    rng = random.Random(seed)
    # Across the DST change of 2025-03-09; in UTC, because Python adds and compares datetimes
    # of one zone by wall clock.
    lo = datetime.datetime(2025, 3, 6, tzinfo=ny).astimezone(UTC)
    hi = datetime.datetime(2025, 3, 13, tzinfo=ny).astimezone(UTC)
    now = hi + datetime.timedelta(days=1)
    intervals = random_intervals(rng, 40, lo, 7)
    held = []
    for n, (a, b) in enumerate(intervals):
        user = UserFactory(company=company)
        if n % 10 == 0:  # still held: counts until the end of the period
            _seat(user, a, last_active=a)
            held.append((a, hi))
        else:
            b = max(b, a + datetime.timedelta(minutes=1))
            _seat(user, a, b)
            held.append((a, b))

    report = usage_report(
        company, start=datetime.date(2025, 3, 6), end=datetime.date(2025, 3, 12), now=now
    )

    day_starts = [datetime.datetime(2025, 3, 6 + k, tzinfo=ny).astimezone(UTC) for k in range(7)]
    assert day_starts[4] - day_starts[3] == datetime.timedelta(hours=23)
    peaks, seconds = brute_force(held, lo, hi, day_starts)
    assert [d.day for d in report.days] == [datetime.date(2025, 3, 6 + k) for k in range(7)]
    assert [d.peak for d in report.days] == peaks
    assert report.seat_hours_used == pytest.approx(seconds / 3600)
    assert sum(d.seat_hours for d in report.days) == pytest.approx(seconds / 3600)


@pytest.mark.django_db
def test_report_of_a_small_history(company, settings):
    settings.TIME_ZONE = "UTC"
    a, b, c = (UserFactory(company=company) for _ in range(3))
    day1 = datetime.datetime(2025, 3, 3, tzinfo=UTC)
    h = datetime.timedelta(hours=1)
    # Day 1: a 9-17 (idle from 16:00, reaped at 17:00), b 10-12 (logout), c 11-11:30.
    _seat(a, day1 + 9 * h, day1 + 17 * h, "idle", last_active=day1 + 16 * h)
    _seat(b, day1 + 10 * h, day1 + 12 * h, "logout")
    _seat(c, day1 + 11 * h, day1 + 11.5 * h, "logout")
    # Day 2: a from 23:00, still held at the end of the period (day 3 included).
    _seat(a, day1 + 47 * h, last_active=day1 + 47 * h)
    LoginDenialFactory(user=c, at=day1 + 11.75 * h)
    LoginDenialFactory(user=c, at=day1 + 12.5 * h)
    LoginDenialFactory(user=b, at=day1 + 30 * h)
    LoginDenialFactory(user=b, at=day1 + 31 * h, reason="no_license")
    # Capacity: 3 all along, plus 10 from day 2.
    EntitlementFactory(
        company=company, package=PackageFactory(seats=10), starts_on=datetime.date(2025, 3, 4)
    )

    report = usage_report(
        company,
        start=datetime.date(2025, 3, 3),
        end=datetime.date(2025, 3, 5),
        now=day1 + 100 * h,
    )

    assert [(d.peak, d.capacity, d.refused) for d in report.days] == [
        (3, 3, 2),
        (1, 13, 1),
        (1, 13, 0),
    ]
    # 8 + 2 + 0.5 on day 1; 1 hour on day 2; the whole of day 3.
    assert report.seat_hours_used == pytest.approx(10.5 + 1 + 24)
    assert [d.seat_hours for d in report.days] == pytest.approx([10.5, 1, 24])
    # a's seat on day 1 sat idle from 16:00 to 17:00; open seats are not idle yet.
    assert report.seat_hours_idle == pytest.approx(1)
    assert (report.refused, report.refused_days, report.refused_people, report.refused_other) == (
        3,
        2,
        2,
        1,
    )
    assert report.peak == 3 and report.capacity == 13
    monday_11 = report.hours_of_week[11]
    assert (monday_11.label, monday_11.peak) == ("Mon 11:00", 3)
    # Mon 11:00-12:00: a and b all hour, c half of it.
    assert monday_11.average == pytest.approx(2.5)
    assert report.busiest_hours(1) == [monday_11]
    assert len(report.hours_of_week) == 168


@pytest.mark.django_db
def test_open_seats_count_until_now_when_the_period_reaches_the_future(company, settings):
    settings.TIME_ZONE = "UTC"
    now = datetime.datetime(2025, 3, 3, 12, tzinfo=UTC)
    _seat(UserFactory(company=company), now - datetime.timedelta(hours=2))

    report = usage_report(
        company, start=datetime.date(2025, 3, 3), end=datetime.date(2025, 3, 4), now=now
    )

    assert report.seat_hours_used == pytest.approx(2)
    assert [d.peak for d in report.days] == [1, 0]


@pytest.mark.django_db
def test_days_follow_the_site_time_zone(company, settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # UTC+9
    tokyo = ZoneInfo("Asia/Tokyo")
    # 23:30 to 00:30 Tokyo time: both Tokyo days; in UTC it would all be one day.
    claimed = datetime.datetime(2025, 3, 3, 23, 30, tzinfo=tokyo)
    _seat(UserFactory(company=company), claimed, claimed + datetime.timedelta(hours=1))
    LoginDenialFactory(
        user=UserFactory(company=company), at=datetime.datetime(2025, 3, 4, 0, 10, tzinfo=tokyo)
    )

    report = usage_report(
        company,
        start=datetime.date(2025, 3, 3),
        end=datetime.date(2025, 3, 4),
        now=claimed + datetime.timedelta(days=2),
    )

    assert [(d.day.day, d.peak, d.refused) for d in report.days] == [(3, 1, 0), (4, 1, 1)]


@pytest.mark.django_db
def test_other_companies_do_not_count(company, settings):
    settings.TIME_ZONE = "UTC"
    other = EntitlementFactory().company
    t = datetime.datetime(2025, 3, 3, 9, tzinfo=UTC)
    _seat(UserFactory(company=other), t, t + datetime.timedelta(hours=1))
    LoginDenialFactory(user=UserFactory(company=other), at=t)

    report = usage_report(
        company,
        start=datetime.date(2025, 3, 3),
        end=datetime.date(2025, 3, 3),
        now=t + datetime.timedelta(days=1),
    )

    assert (report.peak, report.seat_hours_used, report.refused) == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("seats", [2, 60])
def test_report_runs_a_fixed_number_of_queries(
    company, seats, settings, django_assert_max_num_queries
):
    settings.TIME_ZONE = "UTC"
    t = datetime.datetime(2025, 3, 3, 9, tzinfo=UTC)
    for n in range(seats):
        user = UserFactory(company=company)
        _seat(user, t + datetime.timedelta(hours=n), t + datetime.timedelta(hours=n + 3), "idle")
        LoginDenialFactory(user=user, at=t + datetime.timedelta(hours=n, minutes=5))

    with django_assert_max_num_queries(5):
        report = usage_report(
            company,
            start=datetime.date(2025, 3, 1),
            end=datetime.date(2025, 3, 30),
            now=t + datetime.timedelta(days=40),
        )

    assert report.refused == seats
    assert len(report.days) == 30


def test_naive_or_empty_periods_are_refused():
    from usage.periods import period_bounds

    with pytest.raises(ValueError):
        period_bounds(datetime.datetime(2025, 3, 3), datetime.datetime(2025, 3, 4))
    with pytest.raises(ValueError):
        period_bounds(datetime.date(2025, 3, 4), datetime.date(2025, 3, 3))
