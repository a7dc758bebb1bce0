"""The claim runs after Django's login, under the company's lock; whatever it decides, no browser
stays signed in without a seat, and an account deactivated meanwhile gets no seat."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from accounts import services as account_services
from sessions_seats import services
from sessions_seats.models import LoginDenial, Seat, SeatSession

from ..conftest import sign_in
from ..factories import CompanyAdminFactory

pytestmark = pytest.mark.django_db


def signed_in_sessions_of(user) -> list[Session]:
    return [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]


def test_a_deactivation_landing_between_the_password_check_and_the_claim_takes_no_seat(
    client, company, members
):
    admin = CompanyAdminFactory(company=company, full_name="Alex Admin")
    user = members[0]

    def deactivate_now(sender, user, **kwargs):
        # Django's login has run (the password was right); the claim has not.
        account_services.deactivate(actor=admin, user=user)

    user_logged_in.connect(deactivate_now, dispatch_uid="test-deactivate-now")
    try:
        response = sign_in(client, user)
    finally:
        user_logged_in.disconnect(dispatch_uid="test-deactivate-now")

    assert response.status_code == 200
    assert "Your account was deactivated by Alex Admin" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not signed_in_sessions_of(user)
    assert not Seat.objects.filter(user=user).exists()
    assert not SeatSession.objects.exists()
    assert not LoginDenial.objects.exists()


def test_a_refused_sign_in_leaves_no_signed_in_session_and_records_its_denial(members):
    for member in members[:3]:
        sign_in(Client(), member)
    refused = Client()

    response = sign_in(refused, members[3])

    assert response.status_code == 403
    assert not signed_in_sessions_of(members[3])
    assert "_auth_user_id" not in refused.session
    denial = LoginDenial.objects.get(user=members[3])
    assert (denial.reason, denial.capacity, denial.seats_in_use) == ("seats_full", 3, 3)


def test_a_refused_sign_in_is_not_the_users_last_login(members):
    for member in members[:3]:
        sign_in(Client(), member)
    assert members[0].__class__.objects.get(pk=members[0].pk).last_login is not None

    sign_in(Client(), members[3])

    members[3].refresh_from_db()
    assert members[3].last_login is None


def test_a_claim_that_fails_signs_the_browser_out_again_and_leaves_no_seat(client, members):
    def seat_session_insert_fails(execute, sql, params, many, context):
        # Every way of claiming writes the seat session with the seat: fail there.
        if re.search(r'INSERT INTO "?sessions_seats_seatsession"?', sql):
            raise RuntimeError("the database went away")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(seat_session_insert_fails), pytest.raises(RuntimeError):
        sign_in(client, members[0])

    assert not signed_in_sessions_of(members[0])
    assert not Seat.objects.exists()
    members[0].company.refresh_from_db()
    assert members[0].company.seats_in_use == 0


def test_the_lock_probe_sees_every_claim_and_costs_nothing_when_off(members, monkeypatch):
    holds: list[tuple[float, float]] = []
    monkeypatch.setattr(
        services, "claim_lock_probe", lambda locked, done: holds.append((locked, done))
    )

    sign_in(Client(), members[0])
    sign_in(Client(), members[0])  # a join is a claim too

    assert len(holds) == 2
    assert all(0 < locked <= done for locked, done in holds)
