"""The claim under real concurrency (PostgreSQL): a sign-in racing a deactivation gets no seat,
claims racing releases keep every company's counter equal to its open seats, and the company's
lock is taken only once Django's login is done."""

from __future__ import annotations

import threading

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from accounts.models import Company
from sessions_seats import services
from sessions_seats.forced_logout import sign_out_after_account_change
from sessions_seats.models import Seat, SeatSession

from ..conftest import sign_in
from ..factories import (
    CompanyAdminFactory,
    CompanyFactory,
    EntitlementFactory,
    PackageFactory,
    UserFactory,
)
from .test_concurrency_postgres import (
    assert_seat_invariants,
    run_together,
    someone_waits_for_a_lock,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_sign_in_racing_a_deactivation_waits_for_it_and_takes_no_seat():
    """An admin deactivates the user; before that commits, the user's password is checked (the
    account is still active then) and the sign-in goes on to claim. It waits for the
    deactivation, reads it under the user's lock, and is refused: no seat, signed out."""
    company = CompanyFactory()
    EntitlementFactory(company=company, package=PackageFactory(seats=3))
    admin = CompanyAdminFactory(company=company, full_name="Alex Admin")
    user = UserFactory(company=company)
    deactivating = threading.Event()
    outcome: dict[str, object] = {}

    def deactivate() -> None:
        with transaction.atomic():
            account_services.deactivate(actor=admin, user=user)
            sign_out_after_account_change(
                actor=admin, user=user, was_active=True, old_company_id=company.pk
            )
            deactivating.set()
            outcome["sign_in_waited"] = someone_waits_for_a_lock()

    def sign_in_now() -> None:
        assert deactivating.wait(timeout=30)
        client = Client()
        response = sign_in(client, user)
        outcome["status"] = response.status_code
        outcome["said"] = "deactivated by Alex Admin" in response.content.decode()
        outcome["signed_in"] = "_auth_user_id" in client.session

    run_together(2, lambda i: deactivate() if i == 0 else sign_in_now())

    assert outcome == {"sign_in_waited": True, "status": 200, "said": True, "signed_in": False}
    assert not Seat.objects.filter(user=user).exists()
    assert not SeatSession.objects.exists()


def test_claims_racing_releases_keep_the_counter_equal_to_the_open_seats():
    company = CompanyFactory()
    EntitlementFactory(company=company, package=PackageFactory(seats=25), quantity=2)
    users = UserFactory.create_batch(24, company=company)
    holders = [Client() for _ in range(12)]
    for client, user in zip(holders, users[:12], strict=True):
        assert sign_in(client, user).status_code == 302

    def work(i: int) -> int:
        # Half sign new people in, half log the first ones out, all at once, twice over.
        if i < 12:
            return sign_in(Client(), users[12 + i]).status_code
        return holders[i - 12].post("/accounts/logout/").status_code

    statuses = run_together(24, work)

    assert statuses == [302] * 24
    company.refresh_from_db()
    assert company.seats_in_use == Seat.objects.open().filter(company=company).count() == 12
    assert_seat_invariants()


def test_the_company_lock_is_held_for_one_statement_after_djangos_login(company, members):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.1")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)

    with CaptureQueriesContext(connection) as captured:
        assert services.sign_in(request, members[0]) is None

    sql = [q["sql"] for q in captured.captured_queries]
    [prepare] = [
        i for i, s in enumerate(sql) if 'FROM "accounts_company"' in s and "FOR NO KEY" in s
    ]
    before, claim, under = sql[:prepare], sql[prepare], sql[prepare + 1 :]
    assert any("django_session" in s for s in before)
    assert any('"last_login"' in s for s in before)
    # The connection's first claim prepares the statement, then runs it: it locks, reads and
    # inserts, and commits by itself, so nothing runs under the lock but it, and it writes no
    # session of Django's, no axes record and no `last_login`.
    assert claim.startswith("PREPARE ")
    assert len(under) == 1 and under[0].startswith("EXECUTE ")
    assert "INSERT INTO sessions_seats_seat " in claim.replace("\n", " ")
    assert "INSERT INTO sessions_seats_seatsession" in claim
    assert not any(word in claim for word in ("django_session", "axes", "last_login"))
    assert not connection.in_atomic_block
    seat_session = SeatSession.objects.get()
    assert (seat_session.seat.user, seat_session.ip) == (members[0], "192.0.2.1")
    assert Company.objects.get(pk=company.pk).seats_in_use == 1
