"""The ledger's filters stay with every page link, and the CSV exports the whole filtered range,
not only the page shown."""

from __future__ import annotations

import html as html_text
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from ..conftest import signed_in_client
from .ledger_helpers import busy_day, busy_history, csv_rows

pytestmark = pytest.mark.django_db

PORTAL = reverse("portal:ledger")
PORTAL_CSV = reverse("portal:ledger_csv")


def _pager_links(page_html: str) -> list[dict[str, list[str]]]:
    pager = page_html[page_html.index('class="pager"') :]
    hrefs = re.findall(r'href="([^"]*)"', pager[: pager.index("</nav>")])
    return [parse_qs(urlsplit(html_text.unescape(href)).query) for href in hrefs]


def test_every_page_link_keeps_the_filters(company, company_admin, monkeypatch):
    monkeypatch.setattr("usage.pages.LEDGER_PER_PAGE", 2)
    busy_history(company, rounds=4)
    day = busy_day().isoformat()
    query = {"start": day, "end": day, "kind": ["claimed", "refused"], "order": "oldest"}

    response = signed_in_client(company_admin).get(PORTAL, {**query, "page": 2})

    links = _pager_links(response.content.decode())
    assert len(links) >= 5  # first, previous, numbers, next, last
    for link in links:
        assert link["start"] == [day] and link["end"] == [day]
        assert link["kind"] == ["claimed", "refused"] and link["order"] == ["oldest"]


def test_the_filters_are_shown_filled_in_on_a_later_page(company, company_admin, monkeypatch):
    monkeypatch.setattr("usage.pages.LEDGER_PER_PAGE", 2)
    busy_history(company, rounds=2)
    day = busy_day().isoformat()

    response = signed_in_client(company_admin).get(
        PORTAL, {"start": day, "end": day, "kind": "refused", "order": "oldest", "page": 2}
    )

    html = response.content.decode()
    assert f'name="start" value="{day}"' in html
    assert 'value="refused" id="id_kind_2" checked>' in html
    assert 'value="claimed" id="id_kind_0">' in html
    assert '<option value="oldest" selected>' in html


def test_the_csv_exports_every_page_of_the_filtered_range(company, company_admin, monkeypatch):
    monkeypatch.setattr("usage.pages.LEDGER_PER_PAGE", 3)
    busy_history(company, rounds=4)
    day = busy_day().isoformat()
    query = {"start": day, "end": day, "kind": ["joined", "left"]}
    client = signed_in_client(company_admin)

    page = client.get(PORTAL, {**query, "page": 2})
    rows = csv_rows(client.get(PORTAL_CSV, query))[1:]

    assert page.context["page"].total == 8 and len(page.context["page"].events) == 3
    assert len(rows) == 8
    assert {row[1] for row in rows} == {"Joined from another device", "Device signed out"}


def test_the_export_link_carries_the_filters_but_not_the_page(company, company_admin):
    busy_history(company, rounds=1)
    day = busy_day().isoformat()

    response = signed_in_client(company_admin).get(
        PORTAL, {"start": day, "end": day, "order": "oldest", "page": 1}
    )

    assert response.context["csv_url"] == f"{PORTAL_CSV}?start={day}&end={day}&order=oldest"
