"""The sizing simulator on hand-made histories with known answers, and the recommendation."""

from __future__ import annotations

import datetime

import pytest

from usage.recommendation import recommendation
from usage.report import usage_report
from usage.simulator import (
    SeatHistory,
    build_attempts,
    catalogue_capacities,
    replay,
    seat_hold_end,
    simulate,
)

from ..factories import (
    CompanyFactory,
    EntitlementFactory,
    LoginDenialFactory,
    PackageFactory,
    SeatFactory,
    SeatSessionFactory,
    UserFactory,
)

UTC = datetime.UTC
DAY = datetime.datetime(2025, 3, 3, tzinfo=UTC)
START, END = DAY, DAY + datetime.timedelta(days=2)
A, B, C = 1, 2, 3


def at(hh: int, mm: int = 0, day: int = 0) -> datetime.datetime:
    return DAY + datetime.timedelta(days=day, hours=hh, minutes=mm)


def minutes(n: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


def refused(seats, denials, capacity, timeout):
    attempts = build_attempts(seats, denials, timeout=minutes(timeout), start=START, until=END)
    return replay(attempts, capacity)


# --- How long a seat would be held -----------------------------------------------------------


def test_an_idle_seat_is_held_until_last_activity_plus_the_timeout_longer_or_shorter():
    seat = SeatHistory(A, at(9), at(9, 10), at(9, 40), "idle")

    assert seat_hold_end(seat, minutes(10), END) == at(9, 20)
    assert seat_hold_end(seat, minutes(60), END) == at(10, 10)


def test_a_logout_is_never_later_but_an_abandoned_seat_is_freed_earlier():
    seat = SeatHistory(A, at(9), at(10), at(12), "logout")  # idle two hours, then logged out

    assert seat_hold_end(seat, minutes(60), END) == at(11)
    assert seat_hold_end(seat, minutes(600), END) == at(12)


def test_a_seat_still_held_counts_until_the_end_unless_it_would_have_been_reaped():
    assert seat_hold_end(SeatHistory(A, at(9), at(9), None, ""), minutes(30), at(12)) == at(9, 30)
    assert seat_hold_end(SeatHistory(A, at(9), at(11, 50), None, ""), minutes(30), at(12)) == at(12)


# --- Replays with known answers --------------------------------------------------------------


def test_a_refused_person_who_got_in_later_would_have_held_the_seat_from_the_refusal():
    # A 9-12 (logout); B refused at 10, then in from 12:30 to 14:00.
    seats = [
        SeatHistory(A, at(9), at(12), at(12), "logout"),
        SeatHistory(B, at(12, 30), at(14), at(14), "logout"),
    ]
    denials = [(B, at(10))]

    assert refused(seats, denials, 1, 30).refused == 1
    # With two seats B is in from 10; the claim at 12:30 joins B's seat: nobody refused.
    two = refused(seats, denials, 2, 30)
    assert (two.refused, two.peak) == (0, 2)
    # So in the replay B holds a seat from 10: C arriving at 11 finds both seats taken.
    seats.append(SeatHistory(C, at(11), at(11, 30), at(11, 30), "logout"))
    assert refused(seats, denials, 2, 30).refused == 1
    assert refused(seats, denials, 1, 30).refused == 2


def test_a_shorter_idle_timeout_frees_the_seat_earlier():
    # A in at 9:00, last active 9:10, reaped at 9:40 (a 30-minute timeout). B refused at 9:20 and
    # 9:35 and gave up.
    seats = [SeatHistory(A, at(9), at(9, 10), at(9, 40), "idle")]
    denials = [(B, at(9, 20)), (B, at(9, 35))]

    # 10 minutes: A's seat is free at 9:20 sharp (a seat freed at an instant is free at it).
    assert refused(seats, denials, 1, 10).refused == 0
    # 20 minutes: free at 9:30; B's first try is refused, the second gets in.
    assert refused(seats, denials, 1, 20).refused == 1
    assert refused(seats, denials, 1, 30).refused == 2
    assert refused(seats, denials, 1, 60).refused == 2
    assert refused(seats, denials, 2, 60).refused == 0


def test_someone_already_holding_a_seat_is_never_refused():
    seats = [
        SeatHistory(A, at(9), at(11), at(11), "logout"),
        SeatHistory(A, at(10), at(12), at(12), "logout"),  # the records of a second seat
    ]

    assert refused(seats, [], 1, 30).refused == 0


def test_refusals_before_the_period_are_not_counted_and_days_are_counted_once():
    seats = [
        SeatHistory(A, at(23, day=-1), at(9), at(9), "logout"),
        SeatHistory(B, at(23, 30, day=-1), at(1), at(1), "logout"),  # refused before the period
        SeatHistory(C, at(9), at(10, day=1), at(10, day=1), "logout"),  # in as A leaves
    ]
    denials = [(B, at(8, 30)), (B, at(8, 45)), (B, at(9, 30, day=1))]

    result = refused(seats, denials, 1, 30)

    # B at 8:30 and 8:45 (A holds the seat) and the next day (C holds it).
    assert (result.refused, result.refused_days) == (3, 2)


def test_catalogue_capacities_are_sums_of_packages_up_to_what_is_needed():
    assert catalogue_capacities([1, 3, 10, 25], 13) == [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13]
    assert catalogue_capacities([3, 10, 25], 14)[-3:] == [10, 13, 16]
    assert catalogue_capacities([1, 3, 10, 25], 100)[-1] == 100
    assert catalogue_capacities([], 5) == []


# --- On the database, with the recommendation -------------------------------------------------


def _seat(user, claimed, last_active, released, reason):
    seat = SeatFactory(user=user, claimed_at=claimed, released_at=released, release_reason=reason)
    SeatSessionFactory(
        seat=seat,
        started_at=claimed,
        last_activity=last_active,
        ended_at=released,
        end_reason=reason,
    )


@pytest.fixture
def three_seats(db, settings):
    settings.TIME_ZONE = "UTC"
    company = CompanyFactory(idle_timeout=30)
    EntitlementFactory(
        company=company, package=PackageFactory(seats=3), starts_on=datetime.date(2025, 1, 1)
    )
    PackageFactory(seats=1)
    PackageFactory(seats=10)
    PackageFactory(seats=25)
    return company


def _crowded_mornings(company):
    """Two days: three people work 9-12 and walk away (reaped 30 minutes after), a fourth and a
    fifth are refused at 10 and give up; on day two the fourth also tries at 12:15."""
    people = [UserFactory(company=company) for _ in range(5)]
    for day in (0, 1):
        for person in people[:3]:
            _seat(person, at(9, day=day), at(12, day=day), at(12, 30, day=day), "idle")
        LoginDenialFactory(user=people[3], at=at(10, day=day), capacity=3, seats_in_use=3)
        LoginDenialFactory(user=people[4], at=at(10, day=day), capacity=3, seats_in_use=3)
    LoginDenialFactory(user=people[3], at=at(12, 15, day=1), capacity=3, seats_in_use=3)


def test_simulation_and_recommendation_of_a_crowded_company(
    three_seats, django_assert_max_num_queries
):
    _crowded_mornings(three_seats)
    now = at(0, day=10)

    with django_assert_max_num_queries(5):
        simulation = simulate(three_seats, start=START, end=END, now=now)
    report = usage_report(three_seats, start=START, end=END, now=now)

    assert simulation.attempts == 6 + 5
    assert (simulation.actual_capacity, simulation.actual_timeout) == (3, 30)
    assert simulation.timeouts == (10, 20, 30, 60)
    # From half of today's capacity up to what nobody would have been refused with.
    assert simulation.capacities == (2, 3, 4, 5)
    assert simulation.needed[30] == 5
    assert simulation.get(3, 30).refused == 5
    assert simulation.get(3, 30).refused_days == 2
    # 4 seats: the fourth person is in at 10; the fifth still refused twice.
    assert simulation.get(4, 30).refused == 2
    assert simulation.get(5, 30).refused == 0
    # At 12:15 on day two, a 10-minute timeout has freed the seats of 12:00; 20 minutes has not.
    assert simulation.get(3, 10).refused == 4
    assert simulation.get(3, 20).refused == 5
    assert simulation.smallest_capacity_without_refusals() == 5

    assert recommendation(report, simulation) == (
        "With 3 seats, 5 sign-ins were refused on 2 days. "
        "5 seats would have refused none; a 10-minute idle timeout on 3 seats would have refused 4."
    )


def test_recommendation_when_nobody_was_refused(three_seats):
    person = UserFactory(company=three_seats)
    _seat(person, at(9), at(10), at(10), "logout")
    now = at(0, day=10)

    text = recommendation(
        usage_report(three_seats, start=START, end=END, now=now),
        simulate(three_seats, start=START, end=END, now=now),
    )

    assert text == "With 3 seats, no sign-in was refused; at most 1 person was signed in at once."


def test_recommendation_without_a_license(db):
    company = CompanyFactory()
    now = at(0, day=10)

    text = recommendation(
        usage_report(company, start=START, end=END, now=now),
        simulate(company, start=START, end=END, now=now),
    )

    assert "no valid license" in text


def test_simulation_only_replays_its_own_company(three_seats):
    other = EntitlementFactory(starts_on=datetime.date(2025, 1, 1)).company
    _crowded_mornings(other)

    simulation = simulate(three_seats, start=START, end=END, now=at(0, day=10))

    assert simulation.attempts == 0
    assert {s.refused for s in simulation.scenarios} == {0}


def test_recommendation_after_an_upgrade_within_the_period(three_seats):
    _crowded_mornings(three_seats)
    # The company moved to 10 seats (3 + 7 more) after the crowded days.
    EntitlementFactory(
        company=three_seats,
        package=PackageFactory(seats=1),
        quantity=7,
        starts_on=datetime.date(2025, 3, 5),
    )
    now = at(0, day=10)
    start, end = datetime.date(2025, 3, 3), datetime.date(2025, 3, 5)

    text = recommendation(
        usage_report(three_seats, start=start, end=end, now=now),
        simulate(three_seats, start=start, end=end, now=now),
    )

    assert text == (
        "With 3 seats, 5 sign-ins were refused on 2 days. The 10 seats of today would have "
        "refused none."
    )
