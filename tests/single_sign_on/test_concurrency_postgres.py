"""Thirty people of one company signing in to an application at once, through the provider and the
portal's sign-in page, on real PostgreSQL connections: the license holds (docs/DESIGN.md rule 3),
and an application takes no seat of its own."""

from __future__ import annotations

import pytest
from django.test import Client

from sessions_seats.models import LoginDenial, Seat, SeatSession
from single_sign_on.models import AppSession
from tests.factories import CompanyFactory, EntitlementFactory, PackageFactory, UserFactory
from tests.sessions_seats.test_concurrency_postgres import assert_seat_invariants, run_together

from .conftest import (
    RelyingParty,
    callback_params,
    follow_to_app,
    login_next,
    register,
    sign_in_for,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

PEOPLE = 30
SEATS = 3


def test_thirty_parallel_sign_ins_to_an_app_for_three_seats_give_three_codes_and_27_refusals():
    company = CompanyFactory(name="Acme Foods")
    EntitlementFactory(company=company, package=PackageFactory(seats=SEATS))
    users = UserFactory.create_batch(PEOPLE, company=company)
    planner = register("Acme Planner")
    # One relying-party session per person: each request has its own state and PKCE verifier.
    apps = [RelyingParty(planner.registered) for _ in range(PEOPLE)]

    def sign_in_to_the_app(i: int) -> tuple[int, str]:
        browser = Client()
        to_login = browser.get(apps[i].authorization_url())
        answer = sign_in_for(browser, users[i], login_next(to_login["Location"]))
        if answer.status_code != 302:
            return answer.status_code, answer.content.decode()
        return 302, follow_to_app(browser, answer["Location"], apps[i])

    outcomes = run_together(PEOPLE, sign_in_to_the_app)

    callbacks = {i: page for i, (status, page) in enumerate(outcomes) if status == 302}
    refusals = [page for status, page in outcomes if status == 403]
    assert (len(callbacks), len(refusals)) == (SEATS, PEOPLE - SEATS), [s for s, _ in outcomes]
    assert all("code" in callback_params(url) for url in callbacks.values())
    assert all(
        "You cannot sign in to Acme Planner right now: all 3 licenses of Acme Foods are in use"
        in page
        for page in refusals
    )
    assert Seat.objects.open().filter(company=company).count() == SEATS
    assert SeatSession.objects.open().count() == SEATS
    assert AppSession.objects.filter(ended_at__isnull=True).count() == SEATS
    assert set(AppSession.objects.values_list("seat_session_id", flat=True)) == set(
        SeatSession.objects.open().values_list("pk", flat=True)
    )
    assert (
        LoginDenial.objects.filter(company=company, reason="seats_full").count() == PEOPLE - SEATS
    )
    assert_seat_invariants()
    # The three codes are real: each is exchanged for an ID token of the person who signed in.
    for i, url in callbacks.items():
        claims = apps[i].validated_id_token(apps[i].fetch_token(url))
        assert claims["email"] == users[i].email
