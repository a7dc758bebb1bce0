"""Ledger times: one format on the page, with the zone named, and the zone chosen in one place
that the page and the CSV both follow."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from ..conftest import signed_in_client
from .ledger_helpers import busy_history, csv_rows, period

pytestmark = pytest.mark.django_db

PORTAL = reverse("portal:ledger")
PORTAL_CSV = reverse("portal:ledger_csv")
SHOWN_TIME = re.compile(r'<time datetime="([^"]+)">([^<]+)</time>')


def test_every_time_has_one_format_and_the_zone_is_named(settings, company, company_admin):
    settings.TIME_ZONE = "Europe/Paris"
    busy_history(company, rounds=2)

    response = signed_in_client(company_admin).get(PORTAL, period())

    html = response.content.decode()
    assert "Times in Europe/Paris." in html
    shown = SHOWN_TIME.findall(html)
    assert len(shown) == 10
    events = response.context["page"].events
    for (machine, text), event in zip(shown, events, strict=True):
        local = event.at.astimezone(ZoneInfo("Europe/Paris"))
        assert datetime.datetime.fromisoformat(machine) == event.at
        assert text == f"{local.day} {local:%b %Y, %H:%M:%S} {local.tzname()}"


def test_the_page_and_the_csv_follow_the_ledgers_time_zone(
    settings, company, company_admin, monkeypatch
):
    settings.TIME_ZONE = "UTC"
    monkeypatch.setattr("usage.pages.ledger_time_zone", lambda company: ZoneInfo("Asia/Tokyo"))
    busy_history(company, rounds=1)
    client = signed_in_client(company_admin)

    html = client.get(PORTAL, period()).content.decode()
    rows = csv_rows(client.get(PORTAL_CSV, period()))

    assert "Times in Asia/Tokyo." in html
    assert all(text.endswith(" JST") for _, text in SHOWN_TIME.findall(html))
    assert rows[1:] and all(row[0].endswith("+09:00") for row in rows[1:])
