""" "Minutes of warning" is asked for only with the countdown: required then, ignored when
signing out now; the page shows or hides it with a static script (the CSP allows no inline one)."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from sessions_seats.models import ForcedLogout, Seat
from support.forms import ForceLogoutForm

from ..factories import seated

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sessions_seats_seat_changelist")
CONFIRM = reverse("admin:sessions_seats_seat_force_logout")
BASE = {"reason": "Customer asked", "acknowledge": "on"}


@pytest.mark.parametrize("minutes", [None, "", "0", "abc", "500"])
def test_signing_out_now_needs_no_minutes_whatever_the_field_holds(minutes):
    data = {**BASE, "when": "now"}
    if minutes is not None:
        data["delay_minutes"] = minutes

    form = ForceLogoutForm(data)

    assert form.is_valid(), form.errors
    assert not form.warn_first


def test_the_countdown_requires_the_minutes():
    form = ForceLogoutForm({**BASE, "when": "warn", "delay_minutes": ""})

    assert not form.is_valid()
    assert form.errors["delay_minutes"] == ["Say how many minutes of warning they get."]


@pytest.mark.parametrize("minutes", ["0", "61", "abc"])
def test_the_countdown_still_checks_the_minutes_range(minutes):
    form = ForceLogoutForm({**BASE, "when": "warn", "delay_minutes": minutes})

    assert not form.is_valid()
    assert list(form.errors) == ["delay_minutes"]


def test_the_countdown_with_minutes_is_accepted():
    form = ForceLogoutForm({**BASE, "when": "warn", "delay_minutes": "7"})

    assert form.is_valid(), form.errors
    assert form.delay == datetime.timedelta(minutes=7)


def test_the_admin_schedules_nothing_without_minutes_and_says_why(client, support_agent, members):
    seat = seated(members[0])
    client.force_login(support_agent)

    response = client.post(
        CHANGELIST,
        {
            "action": "force_logout",
            "post": "yes",
            ACTION_CHECKBOX_NAME: [seat.pk],
            **BASE,
            "when": "warn",
        },
    )

    assert response.status_code == 200
    assert "Say how many minutes of warning they get." in response.content.decode()
    seat.refresh_from_db()
    assert seat.logout_scheduled_at is None and seat.released_at is None


def test_the_admin_signs_out_now_without_minutes(client, support_agent, members):
    seat = seated(members[0])
    client.force_login(support_agent)

    client.post(
        CHANGELIST,
        {
            "action": "force_logout",
            "post": "yes",
            ACTION_CHECKBOX_NAME: [seat.pk],
            **BASE,
            "when": "now",
        },
    )

    assert Seat.objects.get(pk=seat.pk).released_at is not None
    assert ForcedLogout.objects.get().warned_at is None


def test_the_page_loads_the_script_that_shows_the_field_and_has_no_inline_code(
    client, support_agent, members
):
    seat = seated(members[0])
    client.force_login(support_agent)

    page = client.get(f"{CONFIRM}?seat={seat.pk}").content.decode()

    assert 'src="/static/js/force-logout.js"' in page
    assert 'class="field field-delay_minutes"' in page
    assert "<script>" not in page and " onclick=" not in page and " style=" not in page
