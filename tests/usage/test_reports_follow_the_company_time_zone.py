"""A company's reports are cut in its own time zone and say so: the usage report's days and
busiest hours, the simulator's days, the ledger's page, CSV and days, the JSON download, "today"
of the period form, and the staff console's pages of that company, whatever the site's zone."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from usage.forms import PeriodForm
from usage.ledger import ledger
from usage.report import usage_report
from usage.simulator import simulate

from ..conftest import signed_in_client
from ..factories import (
    CompanyAdminFactory,
    CompanyFactory,
    EntitlementFactory,
    LoginDenialFactory,
    PackageFactory,
    UserFactory,
    past_seat,
)
from .ledger_helpers import csv_rows

pytestmark = pytest.mark.django_db

# A Monday. 23:30 UTC is Tuesday 08:30 in Tokyo (UTC+9) and Monday 15:30 in Los Angeles (UTC-8).
MONDAY, TUESDAY = datetime.date(2025, 3, 3), datetime.date(2025, 3, 4)
LATE_MONDAY_UTC = datetime.datetime(2025, 3, 3, 23, 30, tzinfo=datetime.UTC)
PERIOD = {"start": "2025-03-03", "end": "2025-03-04"}
SHOWN_TIME = re.compile(r'<time datetime="([^"]+)">([^<]+)</time>')


def company_in(zone: str, slug: str):
    company = CompanyFactory(name=f"{slug.title()} Ltd", slug=slug, time_zone=zone)
    EntitlementFactory(
        company=company, package=PackageFactory(seats=3), starts_on=datetime.date(2025, 1, 1)
    )
    return company


@pytest.fixture(autouse=True)
def site_in_utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def tokyo():
    company = company_in("Asia/Tokyo", "tokyo")
    refused_late_on_monday(company)
    return company


@pytest.fixture
def los_angeles():
    company = company_in("America/Los_Angeles", "la")
    refused_late_on_monday(company)
    return company


def refused_late_on_monday(company) -> None:
    """A seat held from Monday 23:30 UTC for an hour, and a refusal at 23:45 UTC (recorded as the
    engine saw it then: its one seat taken)."""
    past_seat(UserFactory(company=company), claimed_at=LATE_MONDAY_UTC, hours=1)
    LoginDenialFactory(
        user=UserFactory(company=company),
        at=LATE_MONDAY_UTC + datetime.timedelta(minutes=15),
        capacity=1,
        seats_in_use=1,
    )


def report_of(company):
    return usage_report(
        company,
        start=MONDAY,
        end=TUESDAY,
        now=LATE_MONDAY_UTC + datetime.timedelta(days=7),
    )


def test_a_session_at_2330_utc_counts_on_the_next_day_in_tokyo(tokyo, los_angeles):
    in_tokyo, in_la = report_of(tokyo), report_of(los_angeles)

    assert [(d.day, d.peak, d.refused) for d in in_tokyo.days] == [
        (MONDAY, 0, 0),
        (TUESDAY, 1, 1),
    ]
    assert [(d.day, d.peak, d.refused) for d in in_la.days] == [(MONDAY, 1, 1), (TUESDAY, 0, 0)]


def test_busiest_hours_are_the_companys_clock_hours(tokyo, los_angeles):
    assert [h.label for h in report_of(tokyo).busiest_hours(5)] == ["Tue 08:00", "Tue 09:00"]
    assert [h.label for h in report_of(los_angeles).busiest_hours(5)] == [
        "Mon 15:00",
        "Mon 16:00",
    ]


def test_the_simulator_counts_refusals_on_the_companys_days(tokyo, los_angeles):
    now = LATE_MONDAY_UTC + datetime.timedelta(days=7)

    in_tokyo = simulate(tokyo, start=MONDAY, end=TUESDAY, now=now)
    in_la = simulate(los_angeles, start=MONDAY, end=TUESDAY, now=now)

    assert in_tokyo.actual_by_day == {TUESDAY: 1}
    assert in_la.actual_by_day == {MONDAY: 1}


def test_the_ledgers_days_are_the_companys(tokyo, los_angeles):
    assert {event.kind for event in ledger(tokyo, start=TUESDAY, end=TUESDAY)} == {
        "claimed",
        "refused",
        "released",
    }
    assert list(ledger(tokyo, start=MONDAY, end=MONDAY)) == []
    assert len(list(ledger(los_angeles, start=MONDAY, end=MONDAY))) == 3


# --- Pages and downloads (company admins in the portal) -----------------------------------------


def test_the_usage_page_names_the_zone_of_its_days_and_hours(tokyo):
    client = signed_in_client(CompanyAdminFactory(company=tokyo))

    response = client.get(reverse("portal:usage"), PERIOD)

    html = response.content.decode()
    assert "Days and times are in Asia/Tokyo (Tokyo Ltd's time zone)." in html
    assert "site's time zone" not in html
    assert "Hour (Asia/Tokyo)" in html
    assert [d.day for d in response.context["page"].report.days if d.peak] == [TUESDAY]


def test_the_usage_json_names_the_zone_and_its_days_are_the_companys(tokyo):
    client = signed_in_client(CompanyAdminFactory(company=tokyo))

    data = client.get(reverse("portal:usage_json"), PERIOD).json()

    assert data["time_zone"] == "Asia/Tokyo"
    assert [(d["day"], d["peak"], d["refused"]) for d in data["days"]] == [
        ("2025-03-03", 0, 0),
        ("2025-03-04", 1, 1),
    ]


def test_the_ledger_page_and_csv_show_times_in_the_companys_zone_and_name_it(los_angeles):
    client = signed_in_client(CompanyAdminFactory(company=los_angeles))
    monday = {"start": "2025-03-03", "end": "2025-03-03"}

    html = client.get(reverse("portal:ledger"), monday).content.decode()
    download = client.get(reverse("portal:ledger_csv"), monday)

    assert "Times in America/Los_Angeles." in html
    shown = [text for _, text in SHOWN_TIME.findall(html)]
    assert shown and all(text.endswith(" PST") for text in shown)
    assert "3 Mar 2025, 15:30:00 PST" in shown
    rows = csv_rows(download)
    assert [row[0] for row in rows[1:]] == [
        "2025-03-03T16:30:00-08:00",
        "2025-03-03T15:45:00-08:00",
        "2025-03-03T15:30:00-08:00",
    ]
    assert "America-Los_Angeles.csv" in download["Content-Disposition"]


def test_today_of_the_period_form_is_the_companys(tokyo, los_angeles, monkeypatch):
    # Monday 20:00 UTC: already Tuesday in Tokyo, still Monday in Los Angeles.
    monkeypatch.setattr(
        timezone, "now", lambda: datetime.datetime(2025, 3, 3, 20, tzinfo=datetime.UTC)
    )
    tuesday = {"start": "2025-03-04", "end": "2025-03-04"}

    assert PeriodForm(tuesday, company=tokyo).is_valid()
    refused = PeriodForm(tuesday, company=los_angeles)
    assert not refused.is_valid()
    assert refused.errors["start"] == ["The period cannot start in the future."]
    for company, today in [(tokyo, TUESDAY), (los_angeles, MONDAY)]:
        default = PeriodForm({}, company=company)
        assert default.is_valid() and default.period[1] == today


# --- The staff console's pages of the company ---------------------------------------------------


def test_the_staff_console_reports_a_company_in_its_zone_not_the_staffs(tokyo, settings):
    settings.TIME_ZONE = "Europe/London"  # where the staff console shows its own times
    tokyo.account_manager.groups.add(Group.objects.get(name="Account managers"))
    staff = Client()
    staff.force_login(tokyo.account_manager)

    page = staff.get(reverse("admin:accounts_company_usage", args=[tokyo.pk]), PERIOD)
    data = staff.get(reverse("admin:accounts_company_usage_json", args=[tokyo.pk]), PERIOD).json()
    ledger_page = staff.get(
        reverse("admin:accounts_company_ledger", args=[tokyo.pk]),
        {"start": "2025-03-04", "end": "2025-03-04"},
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "Days and times are in Asia/Tokyo (Tokyo Ltd's time zone)." in html
    assert [d.day for d in page.context["page"].report.days if d.peak] == [TUESDAY]
    assert data["time_zone"] == "Asia/Tokyo"
    ledger_html = ledger_page.content.decode()
    assert "Times in Asia/Tokyo." in ledger_html
    assert "4 Mar 2025, 08:30:00 JST" in ledger_html


def test_a_report_in_another_zone_costs_no_more_queries(
    tokyo, company, django_assert_max_num_queries
):
    EntitlementFactory(company=company, starts_on=datetime.date(2025, 1, 1))
    refused_late_on_monday(company)
    with django_assert_max_num_queries(50) as in_site_zone:
        report_of(company)
    with django_assert_max_num_queries(50) as in_tokyo:
        report_of(tokyo)

    assert len(in_tokyo) == len(in_site_zone)
