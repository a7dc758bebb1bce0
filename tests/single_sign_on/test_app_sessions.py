"""Opening app sessions: one statement per authorization, one open app session per application
and browser, a new one once the previous has ended."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from sessions_seats.models import SeatSession
from single_sign_on.models import AppSession
from single_sign_on.services import open_app_session
from tests.conftest import sign_in

from .conftest import follow_to_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def seat_session_id(members) -> int:
    sign_in(Client(), members[0])
    return SeatSession.objects.get().pk


def test_the_same_app_in_the_same_browser_gets_the_same_app_session(seat_session_id, planner):
    first = open_app_session(seat_session_id, planner.client_id)
    second = open_app_session(seat_session_id, planner.client_id)

    assert first == second
    assert AppSession.objects.get().pk == first


def test_a_new_app_session_opens_once_the_previous_one_ended(seat_session_id, planner):
    first = open_app_session(seat_session_id, planner.client_id)
    AppSession.objects.filter(pk=first).update(ended_at=timezone.now())

    second = open_app_session(seat_session_id, planner.client_id)

    assert second != first
    assert AppSession.objects.filter(ended_at__isnull=True).get().pk == second


def test_an_unknown_client_id_opens_nothing(seat_session_id):
    assert open_app_session(seat_session_id, "no-such-client") is None
    assert not AppSession.objects.exists()


def test_an_authorization_for_a_signed_in_person_costs_a_fixed_number_of_queries(
    members, planner, django_assert_num_queries
):
    """bench/oidc.py compares this path with django-oauth-toolkit's own (2 more queries: the
    app session upsert and its link to the code)."""
    browser = Client()
    sign_in(browser, members[0])
    follow_to_app(browser, planner.authorization_url(), planner)

    with django_assert_num_queries(10):
        follow_to_app(browser, planner.authorization_url(), planner)
