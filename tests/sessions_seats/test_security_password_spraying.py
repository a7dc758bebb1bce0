"""Password spraying: one address trying a few passwords on each of many emails is locked out
too, at a higher threshold than an email/ip pair, with the sign-in page's one lockout message."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from sessions_seats import lockout
from sessions_seats.models import Seat

from ..conftest import sign_in

pytestmark = pytest.mark.django_db

PAIR_LIMIT = 5
ADDRESS_LIMIT = 8
SPRAYER = "203.0.113.7"


@pytest.fixture(autouse=True)
def _axes_on(settings) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = PAIR_LIMIT
    settings.AXES_IP_FAILURE_LIMIT = ADDRESS_LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


def spray(client: Client, emails: list[str], per_email: int) -> list[int]:
    return [
        client.post(reverse("login"), {"username": email, "password": "wrong"}).status_code
        for email in emails
        for _ in range(per_email)
    ]


def lockout_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_address_failing_with_many_emails_is_locked_out_even_for_a_right_password(members):
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    # Two tries on each of four emails: no pair comes near its limit of five.
    statuses = spray(sprayer, [f"nobody{n}@acme.example" for n in range(4)], per_email=2)

    response = sign_in(sprayer, members[0])

    assert statuses[: ADDRESS_LIMIT - 1] == [200] * (ADDRESS_LIMIT - 1)
    assert response.status_code == 429
    assert lockout_messages(response) == [lockout.LOCKOUT_MESSAGE.format(minutes=15)]
    assert 'name="password"' in response.content.decode()
    assert "_auth_user_id" not in sprayer.session
    assert not Seat.objects.exists()


def test_the_address_lockout_says_what_the_pair_lockout_says(members):
    sprayer, guesser = Client(REMOTE_ADDR=SPRAYER), Client(REMOTE_ADDR="198.51.100.9")
    spray(sprayer, [f"nobody{n}@acme.example" for n in range(ADDRESS_LIMIT)], per_email=1)
    spray(guesser, [members[1].email], per_email=PAIR_LIMIT)

    by_address = sign_in(sprayer, members[0])
    by_pair = sign_in(guesser, members[1])

    assert (by_address.status_code, by_pair.status_code) == (429, 429)
    assert lockout_messages(by_address) == lockout_messages(by_pair)


def test_other_addresses_are_not_locked_by_a_sprayer(members):
    spray(Client(REMOTE_ADDR=SPRAYER), [m.email for m in members[:4]], per_email=2)

    assert sign_in(Client(REMOTE_ADDR="198.51.100.9"), members[0]).status_code == 302


def test_below_the_address_limit_a_right_password_signs_in(members):
    client = Client(REMOTE_ADDR=SPRAYER)
    spray(client, [f"nobody{n}@acme.example" for n in range(ADDRESS_LIMIT - 1)], per_email=1)

    assert sign_in(client, members[0]).status_code == 302


def test_the_address_lock_lifts_after_the_cool_off(members):
    client = Client(REMOTE_ADDR=SPRAYER)
    spray(client, [f"nobody{n}@acme.example" for n in range(ADDRESS_LIMIT)], per_email=1)
    assert sign_in(client, members[0]).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.latest("attempt_time").attempt_time
        - datetime.timedelta(minutes=16)
    )

    assert sign_in(client, members[0]).status_code == 302
