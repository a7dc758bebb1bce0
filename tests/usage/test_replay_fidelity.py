"""Replaying a period with the company's own seats and idle timeout reproduces, day by day,
exactly the "seats full" refusals that happened. Histories are made by the engine itself
(sign-in, log-out, activity, the reaper, the idle dialog, forced logouts, expired sessions, a
license added in the middle of a day and extra seats that end at midnight) on a controlled
clock, then reported and replayed."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions_seats import binding, forced_logout, reaper, services
from sessions_seats.models import Entitlement, ForcedLogout, LoginDenial, Seat
from usage.report import usage_report
from usage.simulator import simulate

from ..factories import (
    CompanyAdminFactory,
    CompanyFactory,
    EntitlementFactory,
    PackageFactory,
    UserFactory,
)

START = datetime.datetime(2025, 11, 18, 7, 0, tzinfo=datetime.UTC)
PEOPLE = 5


class Clock:
    """What `timezone.now()` answers while a history is made."""

    def __init__(self, start: datetime.datetime) -> None:
        self.now = start

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


@contextlib.contextmanager
def controlled_clock(start: datetime.datetime) -> Iterator[Clock]:
    clock = Clock(start)
    real_now = timezone.now
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch("django.utils.timezone.now", clock))
        # A field's default keeps the function it was given when the model was defined (the
        # engine records a refusal's time that way).
        for model in (LoginDenial, ForcedLogout, Entitlement):
            for model_field in model._meta.concrete_fields:
                if model_field.default is real_now:
                    stack.enter_context(mock.patch.object(model_field, "_get_default", clock))
        yield clock


def browser() -> HttpRequest:
    request = RequestFactory().post("/accounts/login/", HTTP_USER_AGENT="replay test")
    request.session = SessionStore()
    request.user = AnonymousUser()
    return request


class History:
    """A company whose people sign in and out through the engine, on the clock."""

    def __init__(self, clock: Clock, capacity: int, timeout: int) -> None:
        self.clock = clock
        self.company = CompanyFactory(idle_timeout=timeout)
        EntitlementFactory(
            company=self.company,
            package=PackageFactory(seats=1),
            quantity=capacity,
            starts_on=datetime.date(2025, 1, 1),
        )
        self.people = [UserFactory(company=self.company) for _ in range(PEOPLE)]
        self.admin = CompanyAdminFactory(company=self.company)
        self.devices: dict[int, list[HttpRequest]] = {n: [] for n in range(PEOPLE)}
        self.licenses_added = 0

    def live(self, person: int) -> list[HttpRequest]:
        """The person's browsers whose seat session is still open."""
        open_ids = set(
            Seat.objects.open()
            .filter(user=self.people[person])
            .values_list("sessions__pk", flat=True)
        )
        self.devices[person] = [
            request
            for request in self.devices[person]
            if binding.seat_session_id_of(request.session) in open_ids
        ]
        return self.devices[person]

    def device(self, person: int, pick: int) -> HttpRequest | None:
        live = self.live(person)
        return live[pick % len(live)] if live else None

    def sign_in(self, person: int) -> None:
        request = browser()
        if services.sign_in(request, self.people[person]) is None:
            self.devices[person].append(request)

    def add_license(self, *, ends_today: bool) -> None:
        """An account manager adds two seats now, valid from today (or for today only)."""
        today = timezone.localdate()
        services.assign_entitlement(
            Entitlement(
                company=self.company,
                package=PackageFactory(seats=1),
                quantity=2,
                starts_on=today,
                ends_on=today if ends_today else None,
            ),
            assigned_by=self.admin,
        )
        self.licenses_added += 1

    def do(self, action: str, person: int, pick: int) -> None:
        now = self.clock.now
        device = self.device(person, pick)
        if action == "sign_in":
            self.sign_in(person)
        elif action == "reap":
            reaper.reap_idle_seats(now=now)
        elif action == "force":
            seats = Seat.objects.open().filter(user=self.people[person])
            if seats:
                forced_logout.force_logout(actor=self.admin, seats=seats, reason="replay test")
        elif action in ("add_license", "add_license_for_today") and self.licenses_added < 2:
            self.add_license(ends_today=action == "add_license_for_today")
        elif device is None:
            return
        elif action == "sign_out":
            services.sign_out(device)
        elif action == "touch":
            services.touch_seat_session(binding.seat_session_id_of(device.session), now=now)
        elif action == "idle_dialog":
            services.end_if_idle(binding.seat_session_id_of(device.session), now=now)
        elif action == "expire":
            device.session.delete()  # the reaper ends it as expired

    def report_and_replay(self):
        first, last = START.date(), timezone.localdate(self.clock.now)
        now = self.clock.now
        report = usage_report(self.company, start=first, end=last, now=now)
        simulation = simulate(self.company, start=first, end=last, now=now)
        return report, simulation


def refused_per_day(report) -> dict[datetime.date, int]:
    return {day.day: day.refused for day in report.days if day.refused}


ACTIONS = st.sampled_from(
    ["sign_in"] * 6
    + ["sign_out"] * 2
    + ["touch"] * 3
    + ["reap"] * 3
    + ["idle_dialog", "force", "expire", "add_license", "add_license_for_today"]
)
# Often at the same instant or seconds apart (ties, and refusals just before or after the
# reaper's run or an idle deadline), often minutes, sometimes hours (idle timeouts, midnight).
GAPS = st.one_of(
    st.integers(0, 2),
    st.integers(3, 120),
    st.integers(60, 45 * 60),
    st.integers(1800, 6 * 3600),
)
STEPS = st.lists(
    st.tuples(GAPS, ACTIONS, st.integers(0, PEOPLE - 1), st.integers(0, 3)),
    min_size=10,
    max_size=60,
)


@pytest.fixture
def berlin(settings):
    # Days start at 23:00 UTC: site-local days and the engine's local date must agree.
    settings.TIME_ZONE = "Europe/Berlin"


@pytest.mark.django_db
@settings(
    deadline=None,
    max_examples=30,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS, capacity=st.integers(1, 3), timeout=st.sampled_from([5, 10, 30]))
def test_replaying_a_history_made_by_the_engine_with_its_own_setting_reproduces_its_refusals(
    berlin, steps, capacity, timeout
):
    with transaction.atomic(), controlled_clock(START) as clock:
        history = History(clock, capacity, timeout)
        for gap, action, person, pick in steps:
            clock.advance(gap)
            history.do(action, person, pick)
        clock.advance(1)

        report, simulation = history.report_and_replay()

        assert simulation.actual_by_day == refused_per_day(report)
        assert simulation.as_it_was.refused == report.refused
        assert simulation.as_it_was.refused_days == report.refused_days
        if not simulation.capacity_varies:
            # Then today's row of the simulator's table is that same replay.
            today = simulation.get(simulation.actual_capacity, simulation.actual_timeout)
            assert today.refused == report.refused
        transaction.set_rollback(True)


# --- The histories where the replay used to disagree -------------------------------------------


def at(clock: Clock, hh: int, mm: int = 0, ss: int = 0) -> None:
    clock.now = START.replace(hour=hh, minute=mm, second=ss)


@pytest.mark.django_db
def test_a_seat_on_two_devices_is_replayed_until_its_real_release_not_its_latest_activity():
    # One seat, 30-minute timeout. A works on a laptop (from 9:00, then leaves it) and a phone
    # (active until 9:20, logged out at 9:21); the reaper frees the seat at 9:31. B gets it at
    # 9:35, C is refused at 9:40. Counting from the phone's activity kept A's seat until 9:50:
    # B's claim and C were both replayed as refused.
    with controlled_clock(START) as clock:
        history = History(clock, capacity=1, timeout=30)
        at(clock, 9)
        history.sign_in(0)
        at(clock, 9, 5)
        history.sign_in(0)
        at(clock, 9, 20)
        history.do("touch", 0, 1)
        at(clock, 9, 21)
        history.do("sign_out", 0, 1)
        at(clock, 9, 31)
        reaper.reap_idle_seats(now=clock.now)
        at(clock, 9, 35)
        history.sign_in(1)
        at(clock, 9, 40)
        history.sign_in(2)
        at(clock, 10)

        report, simulation = history.report_and_replay()

    assert report.refused == 1
    assert simulation.as_it_was.refused == simulation.get(1, 30).refused == 1


@pytest.mark.django_db
def test_a_refusal_between_the_idle_deadline_and_the_reapers_run_stays_refused():
    # A is idle from 9:00 (30-minute timeout); B is refused at 9:30:30, before the reaper's run
    # at 9:31 frees A's seat; C gets it at 9:40 and B is refused again at 9:50. Freeing the seat
    # at the deadline let B in at 9:30:30 and refused C instead.
    with controlled_clock(START) as clock:
        history = History(clock, capacity=1, timeout=30)
        at(clock, 9)
        history.sign_in(0)
        at(clock, 9, 30, 30)
        history.sign_in(1)
        at(clock, 9, 31)
        reaper.reap_idle_seats(now=clock.now)
        at(clock, 9, 40)
        history.sign_in(2)
        at(clock, 9, 50)
        history.sign_in(1)
        at(clock, 10)

        report, simulation = history.report_and_replay()

    assert report.refused == 2
    assert simulation.actual_by_day == {START.date(): 2}
    # A 10-minute timeout would have freed A's seat at 9:11 (the reaper's minute kept): B in.
    assert simulation.get(1, 10).refused == 1


@pytest.mark.django_db
def test_refusals_before_a_license_added_that_day_are_replayed_with_the_seats_of_then():
    # One seat in the morning, refusals at 9:10 and 9:20; at noon two seats more, valid from
    # that day; a refusal at 14:00 when all three are taken.
    with controlled_clock(START) as clock:
        history = History(clock, capacity=1, timeout=30)
        at(clock, 9)
        history.sign_in(0)
        for minute, person in ((10, 1), (20, 2)):
            at(clock, 9, minute)
            history.sign_in(person)
        at(clock, 12)
        history.add_license(ends_today=False)
        for minute, person in ((1, 1), (2, 2)):
            at(clock, 13, minute)
            history.sign_in(person)
        for minute in range(0, 60, 10):  # everyone busy
            at(clock, 13, 30, minute)
            for person in range(3):
                history.do("touch", person, 0)
        at(clock, 14)
        history.sign_in(3)
        at(clock, 15)

        report, simulation = history.report_and_replay()

    assert report.refused == 3
    assert report.refused_by_capacity == ((1, 2), (3, 1))
    assert simulation.capacity_varies
    assert simulation.as_it_was.refused == 3
    # Three seats all day would have let the morning's two in: only the 14:00 refusal is left.
    assert simulation.get(3, 30).refused == 1
