"""The sizing simulator on hand-made histories with known answers, and the recommendation."""

from __future__ import annotations

import datetime

import pytest

from sessions_seats.models import LicensePackage
from usage.history import SessionHistory
from usage.recommendation import recommendation, suggested_purchase
from usage.refusals import CountedRefusal
from usage.report import usage_report
from usage.simulator import (
    Simulation,
    build_attempts,
    catalogue_capacities,
    replay,
    session_hold_end,
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


_seat_ids = iter(range(1, 10_000))


def SeatHistory(user, claimed, last_active, released, reason) -> SessionHistory:
    """A seat signed in on one device, from its claim to its release."""
    return SessionHistory(next(_seat_ids), user, claimed, last_active, released, reason)


def hold_end(seat, timeout, until=END, company_timeout=30):
    return session_hold_end(seat, minutes(timeout), minutes(company_timeout), until)


def refused(seats, denials, capacity, timeout, company_timeout=30):
    refusals = [CountedRefusal(user, when, capacity or 0) for user, when in denials]
    attempts = build_attempts(
        seats,
        refusals,
        timeout=minutes(timeout),
        actual_timeout=minutes(company_timeout),
        start=START,
        until=END,
    )
    return replay(attempts, capacity)


# --- How long a seat would be held -----------------------------------------------------------


def test_an_idle_seat_keeps_its_real_end_moved_by_the_change_of_timeout():
    seat = SeatHistory(A, at(9), at(9, 10), at(9, 40), "idle")  # reaped 30 minutes after 9:10

    assert hold_end(seat, 10) == at(9, 20)
    assert hold_end(seat, 60) == at(10, 10)
    # The reaper ran a minute after the deadline: the same minute late with any timeout.
    late = SeatHistory(A, at(9), at(9, 10), at(9, 41), "idle")
    assert (hold_end(late, 10), hold_end(late, 30)) == (at(9, 21), at(9, 41))


def test_a_logout_is_never_later_but_an_abandoned_seat_is_freed_earlier():
    seat = SeatHistory(A, at(9), at(10), at(12), "logout")  # idle two hours, then logged out

    assert hold_end(seat, 60, company_timeout=600) == at(11)
    assert hold_end(seat, 600, company_timeout=600) == at(12)


def test_a_logout_after_the_idle_deadline_keeps_its_real_time_with_the_companys_timeout():
    # Idle since 9:00 with a 30-minute timeout, logged out at 9:30:40, before the reaper's run.
    seat = SeatHistory(A, at(9), at(9), at(9, 30) + datetime.timedelta(seconds=40), "logout")

    assert hold_end(seat, 30) == seat.ended_at
    assert hold_end(seat, 10) == at(9, 10) + datetime.timedelta(seconds=40)


def test_a_seat_still_held_counts_until_the_end_unless_it_would_have_been_reaped():
    idle = SeatHistory(A, at(9), at(9), None, "")
    busy = SeatHistory(A, at(9), at(11, 50), None, "")

    assert hold_end(idle, 30, until=at(12), company_timeout=180) == at(9, 30)
    assert hold_end(busy, 30, until=at(12), company_timeout=180) == at(12)
    # With the company's own timeout it is held as it really is: until the end.
    assert hold_end(idle, 30, until=at(12), company_timeout=30) == at(12)


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
    # A in at 9:00, last active 9:10, reaped at 9:40 (a 30-minute timeout). B refused at 9:21 and
    # 9:35 and gave up.
    seats = [SeatHistory(A, at(9), at(9, 10), at(9, 40), "idle")]
    denials = [(B, at(9, 21)), (B, at(9, 35))]

    # 10 minutes: A's seat is free at 9:20.
    assert refused(seats, denials, 1, 10).refused == 0
    # 20 minutes: free at 9:30; B's first try is refused, the second gets in.
    assert refused(seats, denials, 1, 20).refused == 1
    assert refused(seats, denials, 1, 30).refused == 2
    assert refused(seats, denials, 1, 60).refused == 2
    assert refused(seats, denials, 2, 60).refused == 0


def test_at_the_instant_a_seat_is_freed_a_claim_gets_it_and_a_refusal_stays_refused():
    # A's seat is freed at 9:40 sharp; C claims at that instant and B is refused at it.
    seats = [
        SeatHistory(A, at(9), at(9, 10), at(9, 40), "idle"),
        SeatHistory(C, at(9, 40), at(10), at(10), "logout"),
    ]
    denials = [(B, at(9, 40))]

    # A refusal proves every seat was taken; a claim, that one was free: both are kept.
    assert refused(seats, denials, 1, 30).refused == 1
    # With two seats too, A's (until that instant) and C's are both taken when B asks.
    assert refused(seats, denials, 2, 30).refused == 1
    assert refused(seats, denials, 3, 30).refused == 0


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
        "With 3 seats (10 since 5 March), 5 sign-ins were refused on 2 days, all with 3 seats. "
        "The 10 seats of today would have refused none."
    )


# --- The capacity the refusals happened under ------------------------------------------------


def test_refusals_are_described_with_the_capacity_of_that_moment_after_an_upgrade_that_day(
    three_seats,
):
    _crowded_mornings(three_seats)
    # After the second crowded morning, the account manager adds 10 seats, valid from that day.
    EntitlementFactory(
        company=three_seats,
        package=PackageFactory(seats=10),
        starts_on=datetime.date(2025, 3, 4),
    )
    now = at(0, day=10)

    report = usage_report(three_seats, start=START, end=END, now=now)
    simulation = simulate(three_seats, start=START, end=END, now=now)

    assert [day.capacity for day in report.days] == [3, 13]
    assert recommendation(report, simulation) == (
        "With 3 seats (13 since 4 March), 5 sign-ins were refused on 2 days, all with 3 seats. "
        "The 13 seats of today would have refused none."
    )
    # The replay with the capacity of each moment is what happened; 13 all along, nobody.
    assert simulation.capacity_varies
    assert simulation.as_it_was.refused == report.refused == 5
    assert simulation.get(13, 30).refused == 0


def test_refusals_under_two_capacities_are_counted_under_each(three_seats):
    _crowded_mornings(three_seats)
    people = list(three_seats.users.order_by("pk"))
    # From 5 March, 4 seats; that day a refusal when all four are taken.
    EntitlementFactory(
        company=three_seats,
        package=PackageFactory(seats=1),
        starts_on=datetime.date(2025, 3, 5),
    )
    LoginDenialFactory(user=people[4], at=at(10, day=2), capacity=4, seats_in_use=4)
    now = at(0, day=10)
    start, end = datetime.date(2025, 3, 3), datetime.date(2025, 3, 5)

    report = usage_report(three_seats, start=start, end=end, now=now)

    assert report.refused_by_capacity == ((3, 5), (4, 1))
    assert recommendation(report, simulate(three_seats, start=start, end=end, now=now)).startswith(
        "With 3 seats (4 since 5 March), 6 sign-ins were refused on 3 days: "
        "5 with 3 seats, 1 with 4 seats."
    )


# --- The suggested purchase --------------------------------------------------------------------


def _simulation(*, today: int, needed: int, timeout: int = 30) -> Simulation:
    return Simulation(
        start=START,
        end=END,
        attempts=0,
        actual_capacity=today,
        actual_timeout=timeout,
        capacities=(today,),
        timeouts=(timeout,),
        scenarios=(),
        needed={timeout: needed},
    )


def _catalogue(*seats: int) -> list[LicensePackage]:
    return [
        LicensePackage(pk=n, seats=n, name="Single user" if n == 1 else f"{n} users") for n in seats
    ]


@pytest.mark.parametrize(
    ("seats", "today", "needed", "bought"),
    [
        # Four more: 2 × 3 (two over) rather than 1 × 10 (six over).
        ((3, 10, 25), 3, 7, (3, 2)),
        # Exactly, with the fewest units: 3 × 3 rather than 9 × 1.
        ((1, 3, 10, 25), 3, 12, (3, 3)),
        ((1, 3, 10, 25), 3, 13, (10, 1)),
        # Nothing reaches it exactly: the fewest seats over, then the fewest units.
        ((3, 10), 3, 14, (3, 4)),
        ((10, 25), 13, 40, (10, 3)),
    ],
)
def test_the_suggested_purchase_is_the_cheapest_catalogue_line_that_reaches_the_need(
    seats, today, needed, bought
):
    suggestion = suggested_purchase(_simulation(today=today, needed=needed), _catalogue(*seats))

    assert suggestion is not None
    assert (suggestion.package.seats, suggestion.quantity) == bought
    assert suggestion.seats_total >= needed
    assert suggestion.seats_total == today + suggestion.seats_added


def test_the_suggestion_says_what_is_added_what_it_makes_and_why():
    suggestion = suggested_purchase(_simulation(today=3, needed=7), _catalogue(3, 10, 25))

    assert suggestion is not None
    assert suggestion.sentence == (
        "Add 2 × 3 users (6 seats) to today's 3 seats for 9 in total: the smallest package "
        "combination that reaches the 7 seats that would have refused nobody."
    )
    without_license = suggested_purchase(_simulation(today=0, needed=2), _catalogue(3, 10))
    assert without_license is not None
    assert without_license.sentence.startswith("Add 1 × 3 users (3 seats): the smallest")


def test_no_purchase_is_suggested_when_today_is_enough_or_the_catalogue_is_empty():
    assert suggested_purchase(_simulation(today=5, needed=5), _catalogue(1, 3)) is None
    assert suggested_purchase(_simulation(today=3, needed=5), []) is None


def test_the_recommendation_names_the_seats_the_suggestion_reaches(three_seats):
    _crowded_mornings(three_seats)
    now = at(0, day=10)
    report = usage_report(three_seats, start=START, end=END, now=now)
    simulation = simulate(three_seats, start=START, end=END, now=now)

    suggestion = suggested_purchase(simulation)

    assert suggestion is not None
    # 5 needed with 3 today: 2 × Single user reaches it exactly.
    assert (suggestion.package.seats, suggestion.quantity, suggestion.seats_total) == (1, 2, 5)
    assert "5 seats would have refused none" in recommendation(report, simulation)
    assert "reaches the 5 seats that would have refused nobody" in suggestion.sentence
