"""Seat counts hold under parallel sign-ins and parallel reapers, on real PostgreSQL connections."""

from __future__ import annotations

import datetime
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test import Client
from django.utils import timezone

from sessions_seats import reaper
from sessions_seats.models import LoginDenial, Seat, SeatSession

from ..conftest import sign_in
from ..factories import (
    CompanyFactory,
    EntitlementFactory,
    PackageFactory,
    SeatFactory,
    SeatSessionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count: int, work: Callable[[int], object]) -> list[object]:
    """Run `work(i)` in `count` threads released at the same instant, each on its own connection."""
    barrier = threading.Barrier(count)

    def one(i: int) -> object:
        try:
            barrier.wait(timeout=30)
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def assert_seat_invariants() -> None:
    open_session = SeatSession.objects.filter(seat=OuterRef("pk"), ended_at__isnull=True)
    assert not Seat.objects.filter(released_at__isnull=False).filter(Exists(open_session)).exists()
    assert not Seat.objects.filter(released_at__isnull=True).exclude(Exists(open_session)).exists()


def test_thirty_parallel_sign_ins_for_three_seats_give_three_seats_and_27_denials():
    company = CompanyFactory()
    EntitlementFactory(company=company, package=PackageFactory(seats=3))
    users = UserFactory.create_batch(30, company=company)

    statuses = run_together(30, lambda i: sign_in(Client(), users[i]).status_code)

    assert sorted(statuses) == [302] * 3 + [403] * 27
    assert Seat.objects.filter(company=company, released_at__isnull=True).count() == 3
    assert LoginDenial.objects.filter(company=company, reason="seats_full").count() == 27
    assert SeatSession.objects.filter(ended_at__isnull=True).count() == 3
    assert_seat_invariants()


def test_two_reapers_at_once_end_each_session_exactly_once():
    company = CompanyFactory()
    EntitlementFactory(company=company, package=PackageFactory(seats=25), quantity=4)
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    sessions = [
        SeatSessionFactory(
            seat=SeatFactory(user=UserFactory(company=company)), last_activity=long_ago
        )
        for _ in range(80)
    ]

    reports = run_together(2, lambda i: reaper.reap_idle_seats(batch_size=5))

    assert sum(r.sessions["idle"] for r in reports) == len(sessions)
    assert sum(r.seats_released for r in reports) == len(sessions)
    assert SeatSession.objects.filter(end_reason="idle").count() == len(sessions)
    assert not SeatSession.objects.filter(ended_at__isnull=True).exists()
    assert_seat_invariants()


def test_devices_joining_while_the_reaper_releases_never_leave_a_session_on_a_released_seat():
    company = CompanyFactory()
    EntitlementFactory(company=company, package=PackageFactory(seats=10))
    users = UserFactory.create_batch(10, company=company)
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    for user in users:
        SeatSessionFactory(seat=SeatFactory(user=user), last_activity=long_ago)
    rng = random.Random(7)

    def work(i: int) -> None:
        if i % 4 == 0:
            reaper.reap_idle_seats(batch_size=2)
        else:
            sign_in(Client(), users[rng.randrange(len(users))])

    run_together(16, work)

    assert_seat_invariants()
    assert Seat.objects.filter(company=company, released_at__isnull=True).count() <= 10
