"""The ledger's order: newest first unless the URL asks for oldest first, on the page, in its
links and in the CSV."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..conftest import signed_in_client
from .ledger_helpers import busy_history, csv_rows, period

pytestmark = pytest.mark.django_db

PORTAL = reverse("portal:ledger")
PORTAL_CSV = reverse("portal:ledger_csv")


def test_the_ledger_shows_the_newest_events_first_by_default(company, company_admin):
    busy_history(company, rounds=3)

    events = signed_in_client(company_admin).get(PORTAL, period()).context["page"].events

    times = [event.at for event in events]
    assert times == sorted(times, reverse=True) and len(set(times)) == 15
    assert events[0].kind == "released"


def test_oldest_first_is_the_exact_reverse(company, company_admin):
    busy_history(company, rounds=3)
    client = signed_in_client(company_admin)

    newest = client.get(PORTAL, period()).context["page"].events
    oldest = client.get(PORTAL, {**period(), "order": "oldest"}).context["page"].events

    assert oldest == newest[::-1]


def test_the_toggle_and_the_page_links_keep_the_order_in_the_url(
    company, company_admin, monkeypatch
):
    monkeypatch.setattr("usage.pages.LEDGER_PER_PAGE", 5)
    busy_history(company, rounds=3)
    client = signed_in_client(company_admin)

    newest = client.get(PORTAL, period()).content.decode()
    oldest = client.get(PORTAL, {**period(), "order": "oldest"}).content.decode()

    assert "order=oldest" in newest and "Oldest first</a>" in newest
    assert '<strong aria-current="true">Newest first</strong>' in newest
    assert "page=2" in oldest and "order=oldest&amp;page=2" in oldest
    assert '<strong aria-current="true">Oldest first</strong>' in oldest


def test_the_csv_comes_in_the_order_of_the_page(company, company_admin):
    busy_history(company, rounds=3)
    client = signed_in_client(company_admin)

    for order in ("newest", "oldest"):
        query = {**period(), "order": order}
        shown = [event.kind_label for event in client.get(PORTAL, query).context["page"].events]
        exported = [row[1] for row in csv_rows(client.get(PORTAL_CSV, query))[1:]]
        assert exported == shown, order


def test_an_unknown_order_is_refused_with_a_message(company_admin):
    client = signed_in_client(company_admin)

    page = client.get(PORTAL, {"order": "sideways"})
    download = client.get(PORTAL_CSV, {"order": "sideways"})

    assert page.status_code == 400 and download.status_code == 400
    assert "Choose newest first or oldest first." in page.content.decode()
    assert "Choose newest first or oldest first." in download.content.decode()
