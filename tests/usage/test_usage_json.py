"""The usage report's figures as JSON, beside the page: the same period, summary, days,
capacity history and simulator cells as the page shows (read from the page's own tables), for
company admins in the portal and for staff who may see the company in the admin; an invalid
period answers 400 with the form's errors as JSON."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from ..conftest import sign_in, signed_in_client
from ..factories import EntitlementFactory, LoginDenialFactory, PackageFactory, past_seat
from .test_usage_pages import busy_days

pytestmark = pytest.mark.django_db

PORTAL_PAGE = reverse("portal:usage")
PORTAL_JSON = reverse("portal:usage_json")


def admin_page(company) -> str:
    return reverse("admin:accounts_company_usage", args=[company.pk])


def admin_json(company) -> str:
    return reverse("admin:accounts_company_usage_json", args=[company.pk])


class Tables(HTMLParser):
    """The text of every cell of the tables with an id, row by row, and the link to the JSON."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.json_link: str | None = None
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id"):
            self._table = attributes["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        elif tag == "a" and attributes.get("id") == "usage-json":
            self.json_link = attributes.get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._table and self._cell is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def summary_figure(html: str, label: str) -> str:
    match = re.search(rf"<li>{label} <strong>([^<]+)</strong>", html)
    assert match, label
    return match.group(1)


def refused_cell(cell: dict) -> str:
    """A simulator cell as the page writes it."""
    if not cell["refused"]:
        return "none"
    days = cell["refused_days"]
    return f"{cell['refused']} ({days} day{'s' if days != 1 else ''})"


def assert_same_numbers(html: str, data: dict) -> None:
    tables = Tables(html)
    summary = data["summary"]
    assert summary_figure(html, "Peak concurrent users") == str(summary["peak"])
    assert summary_figure(html, "Refused sign-ins") == str(summary["refused"])
    assert summary_figure(html, "People refused") == str(summary["refused_people"])
    assert summary_figure(html, "Seat-hours used") == f"{summary['seat_hours_used']:.1f}"
    assert summary_figure(html, "Seat-hours held idle") == f"{summary['seat_hours_idle']:.1f}"
    assert escape(data["recommendation"]) in html

    header, *days = tables.tables["days"]
    assert header == ["Day", "Peak", "Capacity", "Seat-hours", "Refused"]
    assert days == [
        [
            date_format(datetime.date.fromisoformat(day["day"]), "D j M Y"),
            str(day["peak"]),
            str(day["capacity"]),
            f"{day['seat_hours']:.1f}",
            str(day["refused"]),
        ]
        for day in data["days"]
    ]

    simulator = data["simulator"]
    header, *rows = tables.tables["simulator"]
    assert header == ["Seats", *(f"{t} min idle timeout" for t in simulator["idle_timeouts"])]
    per_row = len(simulator["idle_timeouts"])
    cells = simulator["cells"]
    assert len(cells) == len(rows) * per_row
    for row, first in zip(rows, range(0, len(cells), per_row), strict=True):
        theirs = cells[first : first + per_row]
        capacity = theirs[0]["capacity"]
        if capacity is None:
            assert row[0].startswith("As it was")
        else:
            assert row[0].split()[0] == str(capacity)
        assert [c["idle_timeout"] for c in theirs] == simulator["idle_timeouts"]
        assert row[1:] == [refused_cell(c) for c in theirs]


def test_the_portal_json_carries_the_numbers_the_page_shows(admin_client, company, members):
    PackageFactory(seats=10)
    busy_days(company, members, refused_people=2)
    period = {"start": (timezone.localdate() - datetime.timedelta(days=6)).isoformat()}
    period["end"] = timezone.localdate().isoformat()

    page = admin_client.get(PORTAL_PAGE, period)
    response = admin_client.get(PORTAL_JSON, period)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["period"] == period
    assert data["summary"]["refused"] == 6 and data["summary"]["capacity_today"] == 3
    assert data["capacity_history"] == [{"since": period["start"], "capacity": 3}]
    assert data["suggestion"]["seats_total"] >= data["suggestion"]["seats_needed"]
    html = page.content.decode()
    assert_same_numbers(html, data)
    # The page links to these figures, for the same period.
    assert Tables(html).json_link == f"{PORTAL_JSON}?start={period['start']}&end={period['end']}"
    assert escape(data["suggestion"]["text"]) in html


def test_the_json_describes_a_capacity_that_changed_within_the_period(
    admin_client, company, members
):
    busy_days(company, members, days=(3,), refused_people=2)
    # Ten more seats from two days ago: the refusals happened with 3.
    since = timezone.localdate() - datetime.timedelta(days=2)
    EntitlementFactory(company=company, package=PackageFactory(seats=10), starts_on=since)
    period = {"start": (timezone.localdate() - datetime.timedelta(days=4)).isoformat()}
    period["end"] = timezone.localdate().isoformat()

    html = admin_client.get(PORTAL_PAGE, period).content.decode()
    data = admin_client.get(PORTAL_JSON, period).json()

    assert data["capacity_history"] == [
        {"since": period["start"], "capacity": 3},
        {"since": since.isoformat(), "capacity": 13},
    ]
    assert data["refused_by_capacity"] == [{"capacity": 3, "refused": 2}]
    assert data["simulator"]["capacity_varies"]
    as_it_was = [c for c in data["simulator"]["cells"] if c["capacity"] is None]
    [what_happened] = [c for c in as_it_was if c["what_happened"]]
    assert what_happened["refused"] == data["summary"]["refused"] == 2
    assert data["recommendation"].startswith(
        f"With 3 seats (13 since {date_format(since, 'j F')}), 2 sign-ins were refused on 1 day,"
        " all with 3 seats."
    )
    assert 'id="capacity-history"' in html
    assert_same_numbers(html, data)


def test_the_admin_json_carries_the_numbers_of_its_page(company, members, support_agent):
    busy_days(company, members, days=(1,))
    client = signed_in_client(support_agent)
    period = {
        "start": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "end": timezone.localdate().isoformat(),
    }

    page = client.get(admin_page(company), period)
    response = client.get(admin_json(company), period)

    assert response.status_code == 200
    data = response.json()
    assert data["company"]["id"] == company.pk and data["period"] == period
    html = page.content.decode()
    assert_same_numbers(html, data)
    query = f"?start={period['start']}&amp;end={period['end']}"
    assert f'href="{admin_json(company)}{query}"' in html


@pytest.mark.parametrize("where", ["portal", "admin"])
def test_an_invalid_period_answers_400_with_the_forms_errors_as_json(
    where, company, company_admin, support_agent
):
    if where == "portal":
        client, url = Client(), PORTAL_JSON
        sign_in(client, company_admin)
    else:
        client, url = signed_in_client(support_agent), admin_json(company)

    backwards = client.get(url, {"start": "2025-02-10", "end": "2025-02-01"})
    not_a_date = client.get(url, {"start": "someday", "end": "2025-02-01"})

    assert backwards.status_code == not_a_date.status_code == 400
    assert backwards["Content-Type"] == "application/json"
    assert backwards.json() == {
        "errors": {"__all__": [{"message": "The last day is before the first day.", "code": ""}]}
    }
    assert not_a_date.json()["errors"]["start"][0]["message"] == "Enter a date."


def test_only_company_admins_get_the_portal_json(company, members, support_agent):
    member = Client()
    sign_in(member, members[0])
    staff = Client()
    staff.force_login(support_agent)

    assert member.get(PORTAL_JSON).status_code == 403
    assert staff.get(PORTAL_JSON).status_code == 403
    anonymous = Client().get(PORTAL_JSON)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]


def test_the_portal_json_is_of_the_admins_own_company(admin_client, company, other_company):
    stranger = past_seat(
        other_company.users.create(email="x@globex.example", full_name="X"),
        claimed_at=timezone.now() - datetime.timedelta(days=1),
    )
    LoginDenialFactory(user=stranger.user, at=timezone.now() - datetime.timedelta(days=1))

    data = admin_client.get(PORTAL_JSON).json()

    assert data["company"]["id"] == company.pk
    assert data["summary"]["refused"] == 0


def test_the_admin_json_keeps_to_the_staff_members_companies(
    company, other_company, account_manager, company_admin
):
    client = signed_in_client(account_manager)

    assert client.get(admin_json(company)).status_code == 200
    assert client.get(admin_json(other_company)).status_code == 404
    customer = signed_in_client(company_admin).get(admin_json(company))
    assert customer.status_code == 302 and "/admin/login/" in customer["Location"]
