"""Session fixation: signing in issues a new session key, and a key known before sign-in (planted
by an attacker, or simply stolen) is worth nothing afterwards."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from sessions_seats.models import SeatSession

from ..conftest import sign_in

pytestmark = pytest.mark.django_db


def anonymous_session_key(client: Client) -> str:
    session = client.session
    session["planted"] = True
    session.save()
    return session.session_key


def test_the_key_changes_at_sign_in_and_the_seat_is_bound_to_the_new_one(members):
    victim = Client()
    before = anonymous_session_key(victim)

    assert sign_in(victim, members[0]).status_code == 302

    after = victim.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert SeatSession.objects.get().session_key == after
    assert not Session.objects.filter(session_key=before).exists()


def test_a_planted_session_id_is_useless_after_the_victim_signs_in(members):
    attacker = Client()
    planted = anonymous_session_key(attacker)
    victim = Client()
    victim.cookies[settings.SESSION_COOKIE_NAME] = planted

    sign_in(victim, members[0])
    home = attacker.get(reverse("home"))

    assert victim.get(reverse("home")).status_code == 200
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("login"))
    assert attacker.get(reverse("portal:my_sessions")).status_code == 302


def test_a_staff_sign_in_rotates_the_key_too(support_agent):
    client = Client()
    before = anonymous_session_key(client)

    sign_in(client, support_agent)

    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert not Session.objects.filter(session_key=before).exists()
