"""The idle warning's server side: "Stay signed in" is activity; the countdown's end signs out
only someone really idle; polling the status is not activity."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions_seats.models import SeatSession

from ..conftest import sign_in
from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

TIMEOUT = datetime.timedelta(minutes=30)


def idle_for(delta: datetime.timedelta) -> SeatSession:
    SeatSession.objects.update(last_activity=timezone.now() - delta)
    return SeatSession.objects.get()


def test_status_tells_the_idle_time_left_and_when_to_warn(client, members, settings):
    settings.SEAT_IDLE_WARNING_SECONDS = 90
    sign_in(client, members[0])
    idle_for(TIMEOUT - datetime.timedelta(seconds=100))

    status = client.get(reverse("session-status")).json()

    assert 95 <= status["idle_seconds_left"] <= 100
    assert status["idle_warning_seconds"] == 90
    assert status["idle_timeout_minutes"] == 30


def test_stay_signed_in_records_activity_even_inside_the_activity_window(client, members):
    sign_in(client, members[0])
    before = idle_for(TIMEOUT - datetime.timedelta(seconds=60)).last_activity

    status = client.post(reverse("stay-signed-in")).json()

    after = SeatSession.objects.get().last_activity
    assert after > before + datetime.timedelta(minutes=25)
    assert status["idle_seconds_left"] > 29 * 60


def test_stay_signed_in_needs_post_and_csrf(members):
    browser = Client(enforce_csrf_checks=True)
    token = browser.get(reverse("login")).context["csrf_token"]
    browser.post(
        reverse("login"),
        {"username": members[0].email, "password": PASSWORD, "csrfmiddlewaretoken": str(token)},
    )

    # Signing in rotates the CSRF secret: take the token a signed-in page carries.
    token = browser.get(reverse("home")).context["csrf_token"]

    assert browser.get(reverse("stay-signed-in")).status_code == 405
    assert browser.post(reverse("stay-signed-in")).status_code == 403
    assert browser.post(reverse("stay-signed-in"), HTTP_X_CSRFTOKEN=str(token)).status_code == 200


def test_countdown_end_signs_out_someone_really_idle(client, members):
    sign_in(client, members[0])
    seat_session = idle_for(TIMEOUT - datetime.timedelta(seconds=2))

    response = client.post(reverse("idle-sign-out"))

    assert response.status_code == 401
    assert response.json()["login_url"] == reverse("login")
    seat_session.refresh_from_db()
    assert seat_session.end_reason == "idle"
    assert seat_session.seat.release_reason == "idle"
    assert not Session.objects.filter(session_key=seat_session.session_key).exists()
    page = client.get(reverse("login")).content.decode()
    assert "signed out after 30 minutes of inactivity to free a license" in page


def test_countdown_end_keeps_someone_active_in_another_tab(client, members):
    sign_in(client, members[0])
    idle_for(datetime.timedelta(minutes=3))

    response = client.post(reverse("idle-sign-out"))

    assert response.status_code == 200
    assert response.json()["idle_seconds_left"] > 26 * 60
    assert SeatSession.objects.get().ended_at is None


def test_asking_for_the_idle_sign_out_is_not_activity(client, members):
    sign_in(client, members[0])
    session = client.session
    session["_seat_touched_at"] -= 120  # past the activity window
    session.save()
    before = idle_for(datetime.timedelta(minutes=10)).last_activity

    client.post(reverse("idle-sign-out"))
    client.get(reverse("session-status"))

    assert SeatSession.objects.get().last_activity == before
