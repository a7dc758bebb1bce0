"""The example application (examples/foundry_app, mozilla-django-oidc) against the provider:
real servers on both sides, talking HTTP, as in `make run`.

Back-channel deliveries run when the ending commits (the `backchannel` fixture), so each test
sees the application's session end as soon as the portal's call returns."""

from __future__ import annotations

import datetime
import time

import jwt
import pytest
from django.utils import timezone

from sessions_seats.forced_logout import force_logout
from sessions_seats.models import EndReason, Entitlement, Seat, SeatSession
from sessions_seats.reaper import reap_idle_seats
from sessions_seats.services import end_seats

from .conftest import register
from .example_app import running_example_app

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portal(live_server, backchannel, settings) -> str:
    # Logout tokens name the issuer the application was configured with.
    settings.PORTAL_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def example_app(portal, tmp_path):
    with running_example_app(portal, tmp_path) as app:
        yield app


def _signed_in(example_app, user):
    browser = example_app.browser()
    page = browser.sign_in(user.email)
    assert page.url == f"{example_app.url}/workspace/", page.text[:500]
    assert browser.signed_in()
    return browser


def test_people_sign_in_to_the_app_through_the_portal_until_the_seats_are_taken(
    example_app, members
):
    for user in members[:3]:
        page = example_app.browser().sign_in(user.email)
        assert page.url == f"{example_app.url}/workspace/"
        assert f"{user.get_full_name()}</strong>" in page.text
        assert "of Acme Foods" in page.text

    refused = example_app.browser().sign_in(members[3].email)

    assert refused.status_code == 403
    assert "You cannot sign in to Foundry right now" in refused.text
    assert "all 3 licenses of Acme Foods are in use" in refused.text
    assert Seat.objects.open().count() == 3


def test_forced_logout_signs_the_person_out_of_the_app(example_app, members, superuser):
    browser = _signed_in(example_app, members[0])

    force_logout(actor=superuser, seats=[Seat.objects.open().get()], reason="Laptop stolen")

    assert not browser.signed_in()
    # The app's page now sends the person to sign in at the portal again.
    assert "/accounts/login/" in browser.get("/workspace/").url


def test_the_idle_reaper_signs_the_person_out_of_the_app(example_app, members):
    browser = _signed_in(example_app, members[0])

    reap_idle_seats(now=timezone.now() + datetime.timedelta(hours=2))

    assert SeatSession.objects.get().end_reason == EndReason.IDLE
    assert not browser.signed_in()


def test_a_license_ending_signs_the_person_out_of_the_app(example_app, members):
    browser = _signed_in(example_app, members[0])
    Entitlement.objects.update(ends_on=timezone.localdate() - datetime.timedelta(days=1))

    reap_idle_seats()

    assert SeatSession.objects.get().end_reason == EndReason.LICENSE
    assert not browser.signed_in()


def test_logging_out_of_the_app_frees_the_seat_and_tells_the_other_app(
    example_app, members, logout_receiver, live_server
):
    browser = _signed_in(example_app, members[0])
    planner = register("Acme Planner", backchannel_logout_uri=logout_receiver.url("/planner"))
    # The same browser opens a second application: it joins the seat, it takes no other.
    authorize = planner.authorization_url().replace("http://testserver", live_server.url)
    answer = browser.session.get(authorize, allow_redirects=False, timeout=10)
    assert answer.headers["Location"].startswith(planner.redirect_uri)
    assert Seat.objects.open().count() == 1

    page = browser.log_out()

    assert page.url == f"{example_app.url}/"
    assert not Seat.objects.open().exists()
    assert SeatSession.objects.get().end_reason == EndReason.LOGOUT
    assert not browser.signed_in()
    [received] = logout_receiver.received
    keys = jwt.PyJWKClient(f"{live_server.url}/o/.well-known/jwks.json")
    token = received.logout_token
    claims = jwt.decode(
        token,
        keys.get_signing_key_from_jwt(token).key,
        algorithms=["RS256"],
        audience=planner.client_id,
        issuer=f"{live_server.url}/o",
    )
    assert claims["sid"] and "nonce" not in claims


def test_silent_reauthentication_is_activity_and_is_refused_once_the_seat_ended(
    portal, tmp_path, members, settings
):
    """An application that never hears of the ending (no back-channel URI here) still signs the
    person out at its next silent re-authentication."""
    settings.SEAT_ACTIVITY_WINDOW_SECONDS = 1
    with running_example_app(portal, tmp_path, backchannel=False, renew_seconds=2) as app:
        browser = _signed_in(app, members[0])
        long_ago = timezone.now() - datetime.timedelta(minutes=10)
        SeatSession.objects.update(last_activity=long_ago)

        time.sleep(2.2)
        page = browser.get("/workspace/")

        assert page.url == f"{app.url}/workspace/"
        assert any("prompt=none" in step.headers.get("Location", "") for step in page.history)
        assert SeatSession.objects.get().last_activity > long_ago

        end_seats([Seat.objects.open().get().pk], EndReason.FORCED)
        assert browser.signed_in()  # nobody told the application
        time.sleep(2.2)
        page = browser.get("/workspace/")

        assert page.url.startswith(f"{app.url}/signed-out/")
        assert not browser.signed_in()
