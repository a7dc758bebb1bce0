"""A ledger with nothing to show says what to try next, and bad page numbers or filters get a
clear answer, never a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..conftest import signed_in_client
from .ledger_helpers import busy_day, busy_history, period

pytestmark = pytest.mark.django_db

PORTAL = reverse("portal:ledger")
PORTAL_CSV = reverse("portal:ledger_csv")


def test_an_empty_period_says_so_and_suggests_a_longer_one(company, company_admin):
    response = signed_in_client(company_admin).get(PORTAL, period())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>0 entries</strong>" in html
    assert f"No seat events from {busy_day():%-d %b %Y} to {busy_day():%-d %b %Y}." in html
    assert "Choose a longer period above" in html
    assert 'id="ledger"' not in html and 'class="pager"' not in html


def test_filters_that_match_nothing_offer_to_clear_them(company, company_admin, members):
    busy_history(company, rounds=1)

    html = (
        signed_in_client(company_admin)
        .get(PORTAL, {**period(), "user": members[0].pk, "kind": "refused"})
        .content.decode()
    )

    assert "No seat events match these filters" in html
    day = busy_day().isoformat()
    assert f'<a href="?start={day}&amp;end={day}">Show everyone and every kind of event</a>' in html


@pytest.mark.parametrize("asked", ["abc", "-3", "0", "", "2.5", "１"])
def test_a_page_that_is_not_a_number_shows_the_first_page(company, company_admin, asked):
    busy_history(company, rounds=1)

    response = signed_in_client(company_admin).get(PORTAL, {**period(), "page": asked})

    assert response.status_code == 200 and response.context["page"].number == 1


def test_a_page_past_the_last_shows_the_last_and_says_why(company, company_admin, monkeypatch):
    monkeypatch.setattr("usage.pages.LEDGER_PER_PAGE", 2)
    busy_history(company, rounds=1)

    response = signed_in_client(company_admin).get(PORTAL, {**period(), "page": "40"})

    html = response.content.decode()
    assert response.status_code == 200 and response.context["page"].number == 3
    assert "That page is past the end: 5 entries make 3 pages, and this is the last." in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2025-13-40"}, "Enter a date."),
        ({"start": "2025-05-02", "end": "2025-05-01"}, "The last day is before the first day."),
        ({"kind": "exploded"}, "Select a valid choice."),
        ({"user": "not-a-person"}, "Select a valid choice."),
        ({"order": "random"}, "Choose newest first or oldest first."),
    ],
)
def test_bad_filters_get_a_message_on_the_page_and_in_the_download(company_admin, query, message):
    client = signed_in_client(company_admin)

    page = client.get(PORTAL, query)
    download = client.get(PORTAL_CSV, query)

    assert page.status_code == 400 and message in page.content.decode()
    assert download.status_code == 400 and message in download.content.decode()
