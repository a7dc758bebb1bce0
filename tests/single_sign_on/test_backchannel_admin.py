"""Back-channel logouts in the staff console: read-only, failures first, for support and
superusers; account managers see none."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from single_sign_on.models import AppSession, BackchannelDelivery
from tests.factories import SeatSessionFactory

from .conftest import register

CHANGELIST = "admin:single_sign_on_backchanneldelivery_changelist"


@pytest.fixture
def deliveries(db):
    app = register(backchannel_logout_uri="https://planner.example/backchannel").registered
    app_session = AppSession.objects.create(
        seat_session=SeatSessionFactory(), application=app.application, ended_at=timezone.now()
    )
    now = timezone.now()
    made = {}
    for age, status, times in [
        (3, "delivered", {"delivered_at": now}),
        (2, "failed", {"failed_at": now, "last_error": "HTTP 500"}),
        (1, "open", {}),
    ]:
        made[status] = BackchannelDelivery.objects.create(
            app_session=app_session,
            application=app.application,
            sid="sid",
            sub="1",
            uri="https://planner.example/backchannel",
            created_at=now - datetime.timedelta(minutes=age),
            status=status,
            attempts=1,
            **times,
        )
    return made


def test_support_reads_deliveries_failures_first_and_cannot_change_them(
    client, support_agent, deliveries
):
    client.force_login(support_agent)

    page = client.get(reverse(CHANGELIST))
    failed = deliveries["failed"]
    change_url = reverse("admin:single_sign_on_backchanneldelivery_change", args=[failed.pk])

    assert page.status_code == 200
    assert [row.status for row in page.context["cl"].result_list] == ["failed", "open", "delivered"]
    assert "HTTP 500" in page.content.decode()
    assert (
        client.get(reverse(CHANGELIST), {"status__exact": "failed"}).context["cl"].result_count == 1
    )
    assert client.get(change_url).status_code == 200
    assert client.post(change_url, {"status": "delivered"}).status_code == 403
    deleted = client.post(
        reverse("admin:single_sign_on_backchanneldelivery_delete", args=[failed.pk]),
        {"post": "yes"},
    )
    assert deleted.status_code == 403
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_superusers_read_deliveries(client, superuser, deliveries):
    client.force_login(superuser)

    assert client.get(reverse(CHANGELIST)).status_code == 200


def test_account_managers_see_no_deliveries(client, account_manager, deliveries):
    client.force_login(account_manager)

    assert client.get(reverse(CHANGELIST)).status_code == 403


def test_single_sign_on_lists_and_records_name_the_time_zone(
    client, support_agent, deliveries, settings
):
    settings.TIME_ZONE = "Europe/Berlin"
    client.force_login(support_agent)
    failed = deliveries["failed"]

    # Column headers are capitalised by the admin.
    deliveries_page = client.get(reverse(CHANGELIST)).content.decode().lower()
    sessions_page = (
        client.get(reverse("admin:single_sign_on_appsession_changelist")).content.decode().lower()
    )
    record = client.get(
        reverse("admin:single_sign_on_backchanneldelivery_change", args=[failed.pk])
    ).content.decode()

    assert "owed since (europe/berlin)" in deliveries_page
    assert "last attempt (europe/berlin)" in deliveries_page
    assert "signed in at (europe/berlin)" in sessions_page
    assert "ended at (europe/berlin)" in sessions_page
    assert "Times are in Europe/Berlin." in record
