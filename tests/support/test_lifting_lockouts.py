"""Support lifts a brute-force lockout in the admin (django-axes' access attempts); account
managers cannot see or delete them."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from ..conftest import sign_in

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:axes_accessattempt_changelist")


@pytest.fixture
def locked_out(settings, members) -> AccessAttempt:
    """members[0] locked out of their usual address after five wrong passwords."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    client = Client()
    for _ in range(5):
        client.post(reverse("login"), {"username": members[0].email, "password": "wrong"})
    assert sign_in(client, members[0]).status_code == 429
    return AccessAttempt.objects.get()


def test_support_sees_the_lockout_and_deletes_it_so_the_user_can_sign_in(
    locked_out, members, support_agent
):
    staff = Client()
    staff.force_login(support_agent)

    listed = staff.get(CHANGELIST)
    deleted = staff.post(
        reverse("admin:axes_accessattempt_delete", args=[locked_out.pk]), {"post": "yes"}
    )

    assert listed.status_code == 200
    assert members[0].email in listed.content.decode()
    assert deleted.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert sign_in(Client(), members[0]).status_code == 302


def test_support_lifts_several_lockouts_at_once(locked_out, support_agent):
    staff = Client()
    staff.force_login(support_agent)

    staff.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [locked_out.pk], "post": "yes"},
    )

    assert not AccessAttempt.objects.exists()


def test_an_account_manager_can_neither_see_nor_lift_a_lockout(locked_out, account_manager):
    staff = Client()
    staff.force_login(account_manager)

    listed = staff.get(CHANGELIST)
    deleted = staff.post(
        reverse("admin:axes_accessattempt_delete", args=[locked_out.pk]), {"post": "yes"}
    )

    assert (listed.status_code, deleted.status_code) == (403, 403)
    assert AccessAttempt.objects.filter(pk=locked_out.pk).exists()
