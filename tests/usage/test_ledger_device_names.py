"""Devices in the ledger are named as on every other page ("Chrome on Windows"), by the one
helper that names them; the CSV keeps the raw User-Agent beside the name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions_seats.devices import describe_user_agent
from usage.ledger import LEDGER_CSV_HEADER

from ..conftest import signed_in_client
from .ledger_helpers import (
    CHROME_ON_WINDOWS,
    SAFARI_ON_IOS,
    busy_history,
    csv_rows,
    period,
)

pytestmark = pytest.mark.django_db

PORTAL = reverse("portal:ledger")
PORTAL_CSV = reverse("portal:ledger_csv")


def test_the_page_names_devices_instead_of_showing_the_user_agent(company, company_admin):
    busy_history(company, rounds=1)

    html = signed_in_client(company_admin).get(PORTAL, period()).content.decode()

    assert ">Chrome on Windows</span>" in html and ">Safari on iOS</span>" in html
    # The raw string is only the hint on the name, never the text of the cell.
    assert f">{CHROME_ON_WINDOWS[:30]}" not in html


def test_events_on_no_device_show_no_device_name(company, company_admin):
    busy_history(company, rounds=1)

    events = signed_in_client(company_admin).get(PORTAL, period()).context["page"].events

    named = {event.kind: event.device_name for event in events}
    assert named["refused"] == "" and named["released"] == ""
    assert named["claimed"] == "Chrome on Windows" and named["joined"] == "Safari on iOS"


def test_the_page_names_devices_with_the_shared_helper(company, company_admin, monkeypatch):
    monkeypatch.setattr(
        "usage.ledger.describe_user_agent", lambda agent: f"named:{describe_user_agent(agent)}"
    )
    busy_history(company, rounds=1)

    html = signed_in_client(company_admin).get(PORTAL, period()).content.decode()

    assert ">named:Chrome on Windows</span>" in html


def test_the_csv_has_the_raw_user_agent_and_the_readable_name_beside_it(company, company_admin):
    busy_history(company, rounds=1)

    rows = csv_rows(
        signed_in_client(company_admin).get(PORTAL_CSV, {**period(), "order": "oldest"})
    )

    device = LEDGER_CSV_HEADER.index("device")
    assert rows[0][device : device + 2] == ["device", "device_name"]
    claimed, joined = rows[1], rows[2]
    assert claimed[device : device + 2] == [CHROME_ON_WINDOWS, "Chrome on Windows"]
    assert joined[device : device + 2] == [SAFARI_ON_IOS, "Safari on iOS"]
