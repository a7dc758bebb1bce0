"""A user moved to another company signs in for that company: the sign-in never joins a seat of
the company they left, and never claims one there (docs/DESIGN.md rules 2 and 3)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from accounts.models import User
from sessions_seats import services
from sessions_seats.forced_logout import sign_out_after_account_change
from sessions_seats.models import LoginDenial, Seat, SeatSession

from ..conftest import sign_in
from ..factories import CompanyFactory, seated

pytestmark = pytest.mark.django_db


def browser_request() -> HttpRequest:
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.1")
    SessionMiddleware(lambda request: HttpResponse()).process_request(request)
    return request


def test_a_sign_in_that_loaded_the_user_before_a_move_claims_for_the_new_company(
    company, other_company, members, support_agent
):
    user = members[0]
    seated(user)
    # The sign-in page has checked the password: it holds the user as they were then.
    loaded_before_the_move = User.objects.get(pk=user.pk)
    # Staff move them, and the move signs them out of the old company (as the admin does).
    user.company = other_company
    user.save()
    sign_out_after_account_change(
        actor=support_agent, user=user, was_active=True, old_company_id=company.pk
    )

    refusal = services.sign_in(browser_request(), loaded_before_the_move)

    assert refusal is None
    assert Seat.objects.open().get(user=user).company == other_company
    assert not Seat.objects.open().filter(company=company).exists()


def test_an_open_seat_of_the_old_company_is_ended_not_joined(company, other_company, members):
    user = members[0]
    old_seat = seated(user)
    old_session = old_seat.sessions.get()
    # A move that signed nobody out (a script, a bulk update): the old seat is still open.
    User.objects.filter(pk=user.pk).update(company=other_company)
    client = Client()

    response = sign_in(client, user)

    assert response.status_code == 302
    old_seat.refresh_from_db()
    old_session.refresh_from_db()
    assert (old_seat.released_at is not None, old_seat.release_reason) == (True, "license")
    assert old_session.end_reason == "license"
    new_seat = Seat.objects.open().get(user=user)
    assert new_seat.company == other_company
    assert new_seat.sessions.get().session_key == client.session.session_key
    assert not SeatSession.objects.open().filter(seat__company=company).exists()


def test_a_moved_user_refused_by_the_new_company_does_not_keep_the_old_seat(company, members):
    user = members[0]
    old_seat = seated(user)
    unlicensed = CompanyFactory(name="Initech", slug="initech")
    User.objects.filter(pk=user.pk).update(company=unlicensed)

    response = sign_in(Client(), user)

    assert response.status_code == 403
    old_seat.refresh_from_db()
    assert old_seat.release_reason == "license"
    assert not Seat.objects.open().filter(user=user).exists()
    denial = LoginDenial.objects.get()
    assert (denial.company, denial.reason) == (unlicensed, "no_license")


def test_a_second_device_still_joins_the_seat_of_the_same_company(members):
    first, second = Client(), Client()
    sign_in(first, members[0])

    assert sign_in(second, members[0]).status_code == 302

    seat = Seat.objects.get(user=members[0])
    assert seat.released_at is None
    assert seat.sessions.open().count() == 2
