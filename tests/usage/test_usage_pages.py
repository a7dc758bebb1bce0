"""The usage report pages: the portal's for company admins (their company only) and the staff
console's under a company (support: any; account managers: theirs). Period validation, the
charts with their table, the simulator and the recommendation, and a query count that does not
grow with the data."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from portal.license_requests import prefill
from sessions_seats.models import LicensePackage
from usage.periods import last_days

from ..conftest import sign_in, signed_in_client
from ..factories import (
    CompanyAdminFactory,
    LoginDenialFactory,
    PackageFactory,
    UserFactory,
    past_seat,
)

pytestmark = pytest.mark.django_db

PORTAL = reverse("portal:usage")


def admin_usage(company) -> str:
    return reverse("admin:accounts_company_usage", args=[company.pk])


def busy_days(company, people, days=(2, 3, 4), refused_people=1):
    """On each of `days` days ago, three people hold all 3 seats 09:00–12:00 and others are
    refused at 10:30."""
    today = timezone.localdate()
    for ago in days:
        day = today - datetime.timedelta(days=ago)
        nine = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
        for person in people[:3]:
            past_seat(person, claimed_at=nine, hours=3, idle_minutes=20)
        for person in people[3 : 3 + refused_people]:
            LoginDenialFactory(user=person, at=nine + datetime.timedelta(minutes=90))


def test_portal_report_shows_numbers_charts_simulator_and_recommendation(
    admin_client, company, members
):
    PackageFactory(seats=10)
    busy_days(company, members)

    response = admin_client.get(PORTAL)

    assert response.status_code == 200
    page = response.context["page"]
    assert (page.report.peak, page.report.refused, page.report.refused_people) == (3, 3, 1)
    html = response.content.decode()
    assert "With 3 seats, 3 sign-ins were refused on 3 days." in html
    assert html.count('class="usage-chart"') == 2  # the line and the bar chart
    assert 'id="days-table"' in html and 'id="simulator"' in html and 'id="busiest-hours"' in html
    assert "9.0" in html  # seat-hours used: 3 days × 3 people × 3 hours
    # The simulator's table has today's capacity and a bigger one that refuses none.
    capacities = [row.capacity for row in page.simulator_rows]
    assert 3 in capacities and any(c > 3 for c in capacities)
    assert page.suggestion is not None and page.suggestion.package.seats >= 1
    # The default period: the last 30 days.
    assert response.context["form"].period == last_days(30)


def test_the_purchase_is_phrased_as_what_is_added_and_the_total_it_makes(
    admin_client, company, members, support_agent
):
    PackageFactory(seats=10)
    busy_days(company, members, refused_people=2)  # 5 people at once with 3 seats
    sentence = (
        "Add 2 × Single user (2 seats) to today's 3 seats for 5 in total: the smallest package "
        "combination that reaches the 5 seats that would have refused nobody."
    )

    portal = admin_client.get(PORTAL).content.decode()
    admin = signed_in_client(support_agent).get(admin_usage(company)).content.decode()
    initial, prefilled = prefill(company)

    assert "5 seats would have refused none" in portal
    for html in (portal, admin):
        assert escape(sentence) in html
        assert "to reach" not in html and "would have let everyone in" not in html
    assert initial == {"package": LicensePackage.objects.get(seats=1).pk, "quantity": 2}
    assert prefilled.endswith(f"5 seats would have refused none. {sentence}")


def test_portal_report_counts_only_the_admins_own_company(admin_client, company, other_company):
    stranger = UserFactory(company=other_company)
    LoginDenialFactory(user=stranger, at=timezone.now() - datetime.timedelta(days=1))

    page = admin_client.get(PORTAL).context["page"]

    assert page.report.refused == 0
    assert page.report.company_id == company.pk


def test_portal_report_empty_period_reads_well(admin_client, company):
    html = admin_client.get(PORTAL).content.decode()

    # Only the admin, signed in to read it, has held a seat.
    assert "With 3 seats, no sign-in was refused; at most 1 person was signed in at once." in html
    assert "Refused sign-ins <strong>0</strong>" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2025-02-10", "end": "2025-02-01"}, "The last day is before the first day."),
        ({"start": "not a date", "end": "2025-02-01"}, "Enter a date."),
        ({"start": "2020-01-01", "end": "2025-01-01"}, "Choose at most 366 days"),
        ({"start": "2999-01-01", "end": "2999-01-02"}, "The period cannot start in the future."),
        ({"start": "2025-01-01"}, "Enter the last day."),
    ],
)
def test_bad_periods_are_refused_with_a_clear_message(admin_client, company, query, message):
    response = admin_client.get(PORTAL, query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "page" not in response.context


@pytest.mark.parametrize(
    "name",
    [
        "portal:usage",
        "portal:ledger",
        "portal:ledger_csv",
        "admin:accounts_company_usage",
        "admin:accounts_company_ledger",
        "admin:accounts_company_ledger_csv",
    ],
)
def test_a_period_before_2000_is_refused_east_of_utc(
    name, company, company_admin, support_agent, settings
):
    # East of UTC, the first day's local midnight is before date.min in UTC.
    settings.TIME_ZONE = "Europe/Berlin"
    client = Client()
    if name.startswith("portal:"):
        assert sign_in(client, company_admin).status_code == 302
        url = reverse(name)
    else:
        client.force_login(support_agent)
        url = reverse(name, args=[company.pk])

    early = client.get(url, {"start": "0001-01-01", "end": "0001-01-02"})
    last_of_1999 = client.get(url, {"start": "1999-12-31", "end": "2000-01-02"})
    first_of_2000 = client.get(url, {"start": "2000-01-01", "end": "2000-01-02"})

    for refused in (early, last_of_1999):
        assert refused.status_code == 400
        assert "Choose a day from Jan. 1, 2000 on." in refused.content.decode()
    assert first_of_2000.status_code == 200


def test_a_chosen_period_is_used(admin_client, company):
    response = admin_client.get(PORTAL, {"start": "2025-03-01", "end": "2025-03-07"})

    assert response.status_code == 200
    assert [d.day.isoformat() for d in response.context["page"].report.days][::6] == [
        "2025-03-01",
        "2025-03-07",
    ]


def test_members_staff_and_anonymous_do_not_get_the_portal_report(company, members, support_agent):
    member = Client()
    sign_in(member, members[0])
    staff = Client()
    staff.force_login(support_agent)

    assert member.get(PORTAL).status_code == 403
    assert staff.get(PORTAL).status_code == 403
    anonymous = Client().get(PORTAL)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]


def test_portal_home_links_company_admins_to_the_report(company, company_admin):
    client = Client()
    sign_in(client, company_admin)

    html = client.get(reverse("home")).content.decode()

    assert PORTAL in html and reverse("portal:license_request") in html


# --- The staff console ---------------------------------------------------------------------------


def test_admin_report_for_support_and_the_companys_account_manager(
    company, members, support_agent, account_manager, superuser
):
    busy_days(company, members, days=(1,))
    for user in (support_agent, account_manager, superuser):
        response = signed_in_client(user).get(admin_usage(company))
        assert response.status_code == 200, user
        assert "With 3 seats, 1 sign-in was refused on 1 day." in response.content.decode()


def test_admin_report_of_another_managers_company_is_not_found(
    company, other_company, account_manager
):
    client = signed_in_client(account_manager)

    assert client.get(admin_usage(other_company)).status_code == 404
    assert client.get("/admin/accounts/company/999999/usage/").status_code == 404


def test_admin_report_refuses_customers_and_anonymous(company, company_admin, members):
    for user in (company_admin, members[0]):
        response = signed_in_client(user).get(admin_usage(company))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert "/admin/login/" in Client().get(admin_usage(company))["Location"]


def test_admin_report_validates_the_period(company, support_agent):
    response = signed_in_client(support_agent).get(
        admin_usage(company), {"start": "2025-02-10", "end": "2025-02-01"}
    )

    assert response.status_code == 400
    assert "The last day is before the first day." in response.content.decode()


def test_company_change_page_links_to_the_report_and_ledger(company, account_manager):
    html = (
        signed_in_client(account_manager)
        .get(reverse("admin:accounts_company_change", args=[company.pk]))
        .content.decode()
    )

    assert admin_usage(company) in html
    assert reverse("admin:accounts_company_ledger", args=[company.pk]) in html


# --- Query counts do not grow with the data ------------------------------------------------------


def seats_and_denials(company, count: int) -> None:
    people = [UserFactory(company=company) for _ in range(10)]
    start = timezone.now() - datetime.timedelta(days=10)
    for n in range(count):
        past_seat(
            people[n % 10],
            claimed_at=start + datetime.timedelta(hours=3 * n),
            hours=2,
            reason="idle",
        )
        LoginDenialFactory(user=people[(n + 1) % 10], at=start + datetime.timedelta(hours=3 * n))


def queries_of(client: Client, url: str) -> int:
    client.get(url)  # warm up: sessions, activity, permissions
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("where", ["portal", "admin"])
def test_report_queries_do_not_grow_with_seats(where, company, support_agent):
    def count(n: int) -> int:
        target = CompanyAdminFactory(company=company) if where == "portal" else None
        seats_and_denials(company, n)
        client = signed_in_client(target or support_agent)
        return queries_of(client, PORTAL if where == "portal" else admin_usage(company))

    few = count(5)
    many = count(45)  # 50 in all

    assert many == few
