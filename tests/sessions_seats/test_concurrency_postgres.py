"""Seat counts hold under parallel sign-ins and parallel reapers, a sign-in racing a move to
another company claims for the new company, and email limits hold under parallel requests: on
real PostgreSQL connections."""

from __future__ import annotations

import datetime
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.test import Client
from django.utils import timezone

from sessions_seats import email_limits, reaper
from sessions_seats.forced_logout import sign_out_after_account_change
from sessions_seats.models import (
    ForcedLogout,
    LoginDenial,
    PasswordEmailQuota,
    Seat,
    SeatSession,
)

from ..conftest import sign_in
from ..factories import (
    CompanyFactory,
    EntitlementFactory,
    PackageFactory,
    SeatFactory,
    SeatSessionFactory,
    StaffFactory,
    UserFactory,
    seated,
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


def someone_waits_for_a_lock(timeout: float = 10.0) -> bool:
    """True once another connection to this database is waiting for a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Statistics views are read from a snapshot kept for the whole transaction.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def test_a_sign_in_racing_a_move_to_another_company_takes_no_seat_of_the_old_company():
    """Staff move a signed-in user and end their seat; before that commits, the user signs in
    again (the sign-in page loaded them with the old company). The sign-in waits for the move
    and claims a seat of the new company, never one of the old."""
    old, new = CompanyFactory(), CompanyFactory()
    for company in (old, new):
        EntitlementFactory(company=company, package=PackageFactory(seats=3))
    user = UserFactory(company=old)
    old_seat = seated(user)
    staff = StaffFactory()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["force_logout", "view_all_companies"])
    )
    moved = threading.Event()
    outcome: dict[str, object] = {}

    def move() -> None:
        with transaction.atomic():  # as the admin's change form saves
            user.company = new
            user.save()
            sign_out_after_account_change(
                actor=staff, user=user, was_active=True, old_company_id=old.pk
            )
            moved.set()
            outcome["sign_in_waited"] = someone_waits_for_a_lock()

    def sign_in_again() -> None:
        assert moved.wait(timeout=30)
        outcome["status"] = sign_in(Client(), user).status_code

    run_together(2, lambda i: move() if i == 0 else sign_in_again())

    assert outcome == {"sign_in_waited": True, "status": 302}
    assert not Seat.objects.open().filter(company=old).exists()
    assert Seat.objects.open().get(user=user).company == new
    old_seat.refresh_from_db()
    assert old_seat.release_reason == "forced"
    assert ForcedLogout.objects.get().target == user
    assert_seat_invariants()


def test_parallel_password_emails_stay_within_the_limits(settings):
    """Ten requests at once for one address (first ever: its count row does not exist yet), and
    ten at once from one client address: the database counts them, so three and four go out."""
    settings.PASSWORD_EMAILS_PER_ADDRESS = 3
    settings.PASSWORD_EMAILS_PER_IP = 4

    to_one_address = run_together(
        10, lambda i: email_limits.take_password_email("a@acme.example", f"192.0.2.{i}")
    )
    from_one_ip = run_together(
        10, lambda i: email_limits.take_password_email(f"b{i}@acme.example", "203.0.113.7")
    )

    assert (to_one_address.count(True), from_one_ip.count(True)) == (3, 4)
    assert len(PasswordEmailQuota.objects.get(key="address:a@acme.example").sent) == 3
    assert len(PasswordEmailQuota.objects.get(key="ip:203.0.113.7").sent) == 4
