"""The one-statement claim of PostgreSQL reads with a snapshot taken before it waited for the
company's lock: what the lock's previous holder changed meanwhile is still taken into account.

Each test holds the company's lock in one connection, lets a sign-in start and wait for it (its
snapshot is then taken), changes the user's seats, commits, and checks what the sign-in did."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from accounts.models import Company
from sessions_seats import claim_sql
from sessions_seats.models import EndReason, Seat, SeatSession

from ..conftest import sign_in
from ..factories import (
    CompanyFactory,
    EntitlementFactory,
    PackageFactory,
    UserFactory,
    seated,
)
from .test_concurrency_postgres import assert_seat_invariants, someone_waits_for_a_lock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def company_with(seats: int) -> Company:
    company = CompanyFactory()
    EntitlementFactory(company=company, package=PackageFactory(seats=seats))
    return company


def sign_in_while(company: Company, user, change) -> dict[str, object]:
    """Sign `user` in while another transaction holds `company`'s lock and makes `change`."""
    outcome: dict[str, object] = {}
    waiting = threading.Event()

    def sign_in_now() -> None:
        try:
            waiting.wait(timeout=30)
            client = Client()
            outcome["status"] = sign_in(client, user).status_code
            outcome["signed_in"] = "_auth_user_id" in client.session
        finally:
            connection.close()

    thread = threading.Thread(target=sign_in_now)
    thread.start()
    with transaction.atomic():
        Company.objects.select_for_update(no_key=True).get(pk=company.pk)
        waiting.set()
        outcome["waited"] = someone_waits_for_a_lock()
        change()
    thread.join(timeout=30)
    return outcome


@pytest.mark.parametrize("seats", [1, 2], ids=["the company is then full", "a seat is free"])
def test_a_seat_the_users_other_device_took_while_the_claim_waited_is_joined(seats):
    """With the company full, the statement would refuse (it cannot see the seat); with a seat
    free, it would claim a second one (the unique index stops it). Either way the sign-in joins."""
    company = company_with(seats)
    user = UserFactory(company=company)
    other_device: dict[str, Seat] = {}

    outcome = sign_in_while(company, user, lambda: other_device.update(seat=seated(user)))

    assert outcome == {"waited": True, "status": 302, "signed_in": True}
    assert list(Seat.objects.open().filter(user=user)) == [other_device["seat"]]
    assert SeatSession.objects.open().filter(seat=other_device["seat"]).count() == 2
    company.refresh_from_db()
    assert company.seats_in_use == Seat.objects.open().filter(company=company).count() == 1
    assert_seat_invariants()


def test_a_seat_released_while_the_claim_waited_is_not_joined_a_new_one_is_claimed():
    company = company_with(3)
    user = UserFactory(company=company)
    old_seat = seated(user)

    def release() -> None:
        SeatSession.objects.filter(seat=old_seat).update(
            ended_at=old_seat.claimed_at, end_reason=EndReason.LOGOUT
        )
        Seat.objects.filter(pk=old_seat.pk).update(
            released_at=old_seat.claimed_at, release_reason=EndReason.LOGOUT
        )

    outcome = sign_in_while(company, user, release)

    assert outcome == {"waited": True, "status": 302, "signed_in": True}
    [new_seat] = Seat.objects.open().filter(user=user)
    assert new_seat != old_seat
    assert SeatSession.objects.open().get().seat == new_seat
    company.refresh_from_db()
    assert company.seats_in_use == 1
    assert_seat_invariants()


def test_the_last_free_seat_taken_while_the_claim_waited_refuses_it():
    company = company_with(1)
    user = UserFactory(company=company)

    outcome = sign_in_while(company, user, lambda: seated(UserFactory(company=company)))

    assert outcome == {"waited": True, "status": 403, "signed_in": False}
    assert not Seat.objects.filter(user=user).exists()
    assert user.login_denials.get().seats_in_use == 1


def test_only_the_claims_own_commit_skips_waiting_for_the_disk():
    company = company_with(3)
    user = UserFactory(company=company)

    assert sign_in(Client(), user).status_code == 302

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def test_the_statement_names_every_column_a_seat_and_its_session_need(company, members):
    """A column added to the seat or seat-session table without a default would make every
    claim fail; this fails first, naming it."""
    written = claim_sql._STATEMENT
    for model in (Seat, SeatSession):
        for field in model._meta.concrete_fields:
            if field.primary_key:
                continue
            assert field.column in written, f"{model.__name__}.{field.name} is not written"
