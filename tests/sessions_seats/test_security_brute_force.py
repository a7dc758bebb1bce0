"""Brute force: django-axes locks an email/ip pair after repeated failures; a lockout never
claims a seat, records no refusal and says why on the sign-in page."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse

from sessions_seats import lockout
from sessions_seats.models import LoginDenial, Seat, SeatSession

from ..conftest import sign_in
from ..factories import seated

pytestmark = pytest.mark.django_db

LIMIT = 5


@pytest.fixture(autouse=True)
def _axes_on(settings) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


def fail(client: Client, email: str, times: int = LIMIT, **extra) -> list[int]:
    return [
        client.post(reverse("login"), {"username": email, "password": "wrong"}, **extra).status_code
        for _ in range(times)
    ]


def test_the_pair_is_locked_after_the_limit_and_the_right_password_then_takes_no_seat(members):
    client = Client()
    user = members[0]

    statuses = fail(client, user.email)
    response = sign_in(client, user)

    assert statuses[: LIMIT - 1] == [200] * (LIMIT - 1)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-ins for this email" in page
    assert "Wait 15 minutes" in page
    assert 'name="password"' in page  # the sign-in form is still there
    assert "_auth_user_id" not in client.session
    assert not Seat.objects.exists()
    assert not SeatSession.objects.exists()
    assert not LoginDenial.objects.exists()


def test_a_lockout_when_every_seat_is_taken_is_not_recorded_as_a_refusal(members):
    for user in members[:3]:
        seated(user)
    client = Client()

    fail(client, members[3].email)
    response = sign_in(client, members[3])

    assert response.status_code == 429
    assert Seat.objects.filter(released_at__isnull=True).count() == 3
    assert not LoginDenial.objects.exists()


def test_the_email_is_locked_whatever_its_case(members):
    client = Client()
    user = members[0]

    fail(client, user.email.upper())
    response = client.post(reverse("login"), {"username": user.email, "password": "x"})

    assert response.status_code == 429
    assert AccessAttempt.objects.get().username == user.email


def test_the_same_email_from_another_address_still_signs_in(members):
    user = members[0]
    fail(Client(REMOTE_ADDR="203.0.113.7"), user.email)

    response = sign_in(Client(REMOTE_ADDR="198.51.100.9"), user)

    assert response.status_code == 302
    assert Seat.objects.filter(user=user, released_at__isnull=True).count() == 1


def test_another_email_from_the_locked_address_still_signs_in(members):
    client = Client()
    fail(client, members[0].email)

    assert sign_in(client, members[1]).status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(members):
    client = Client()
    user = members[0]
    fail(client, user.email, times=LIMIT - 1)
    assert sign_in(client, user).status_code == 302
    client.post(reverse("logout"))

    fail(client, user.email, times=LIMIT - 1)

    assert sign_in(client, user).status_code == 302


def test_the_lock_lifts_after_the_cool_off(members):
    client = Client()
    user = members[0]
    fail(client, user.email)
    assert sign_in(client, user).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=16)
    )

    assert sign_in(client, user).status_code == 302
    assert Seat.objects.filter(user=user, released_at__isnull=True).exists()


def test_a_foreign_next_is_not_echoed_into_the_lockout_page(members):
    client = Client()
    fail(client, members[0].email)

    response = client.post(
        reverse("login"),
        {"username": members[0].email, "password": "x", "next": "https://evil.example/"},
    )

    assert response.status_code == 429
    assert "evil.example" not in response.content.decode()


class TestClientAddress:
    def request(self, forwarded: str | None = None) -> object:
        extra = {"REMOTE_ADDR": "10.0.0.2"}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        return RequestFactory().post("/accounts/login/", **extra)

    def test_directly_exposed_only_the_socket_address_counts(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0

        assert lockout.client_ip(self.request("1.2.3.4")) == "10.0.0.2"

    def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_prepended(
        self, settings
    ):
        settings.TRUSTED_PROXY_COUNT = 1

        assert lockout.client_ip(self.request("6.6.6.6, 192.0.2.10")) == "192.0.2.10"
        assert lockout.client_ip(self.request()) == "10.0.0.2"
