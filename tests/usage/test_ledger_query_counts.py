"""A ledger page costs the same number of queries however many rows it shows, and wherever in
the ledger it is."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ..conftest import signed_in_client
from .ledger_helpers import busy_history, period

pytestmark = pytest.mark.django_db

PORTAL = reverse("portal:ledger")


def _queries(client, monkeypatch, per_page: int, **query) -> int:
    monkeypatch.setattr("usage.pages.LEDGER_PER_PAGE", per_page)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PORTAL, {**period(), **query})
    assert response.status_code == 200
    assert len(response.context["page"].events) == per_page
    return len(captured)


def test_ten_and_a_hundred_rows_cost_the_same_queries(
    company, company_admin, monkeypatch, django_assert_num_queries
):
    busy_history(company, rounds=60)  # 300 events of every kind
    client = signed_in_client(company_admin)
    ten = _queries(client, monkeypatch, 10)

    monkeypatch.setattr("usage.pages.LEDGER_PER_PAGE", 100)
    with django_assert_num_queries(ten):
        response = client.get(PORTAL, period())

    assert len(response.context["page"].events) == 100


@pytest.mark.parametrize(
    "query", [{"page": "2"}, {"page": "30"}, {"order": "oldest", "page": "15"}]
)
def test_later_pages_and_the_far_end_cost_the_same_queries(
    company, company_admin, monkeypatch, query
):
    busy_history(company, rounds=60)
    client = signed_in_client(company_admin)

    assert _queries(client, monkeypatch, 10, **query) == _queries(client, monkeypatch, 10)
