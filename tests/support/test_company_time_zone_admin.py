"""Who sets a company's time zone: its account manager in the company form (a list of zone
names), support on a page of its own (support changes no other company data), nobody for a company
out of their scope, and no company user; plus the audit log's date filter title."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from accounts.models import Company

from ..conftest import sign_in

pytestmark = pytest.mark.django_db


def change_url(company: Company) -> str:
    return reverse("admin:accounts_company_change", args=[company.pk])


def time_zone_url(company: Company) -> str:
    return reverse("admin:accounts_company_time_zone", args=[company.pk])


def company_form(company: Company, **changes: str) -> dict:
    """The company change form as posted, changing `changes`."""
    return {
        "name": company.name,
        "slug": company.slug,
        "is_active": "on",
        "idle_timeout": "",
        "time_zone": company.time_zone,
        **{
            f"{inline}-{key}": value
            for inline in ("entitlements", "email_domains")
            for key, value in (
                ("TOTAL_FORMS", "0"),
                ("INITIAL_FORMS", "0"),
                ("MIN_NUM_FORMS", "0"),
                ("MAX_NUM_FORMS", "1000"),
            )
        },
        **changes,
    }


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def site_in_utc(settings):
    settings.TIME_ZONE = "UTC"


def test_the_account_manager_picks_the_zone_from_a_list(company, account_manager):
    client = staff_client(account_manager)

    page = client.get(change_url(company)).content.decode()
    response = client.post(change_url(company), company_form(company, time_zone="Asia/Tokyo"))

    assert '<select name="time_zone"' in page
    assert '<option value="" selected>Site default (UTC)</option>' in page
    assert '<option value="Asia/Tokyo">Asia/Tokyo</option>' in page
    assert "Set time zone…" not in page  # the form has the field
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.time_zone == "Asia/Tokyo"


def test_a_zone_that_is_not_in_the_list_is_refused(company, account_manager):
    response = staff_client(account_manager).post(
        change_url(company), company_form(company, time_zone="Mars/Olympus_Mons")
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    company.refresh_from_db()
    assert company.time_zone == ""


def test_blank_sets_it_back_to_the_site_zone(company, account_manager):
    company.time_zone = "Asia/Tokyo"
    company.save()

    staff_client(account_manager).post(change_url(company), company_form(company, time_zone=""))

    company.refresh_from_db()
    assert company.time_zone == ""


def test_another_account_manager_can_set_neither_way(company, other_account_manager):
    client = staff_client(other_account_manager)

    form = client.post(change_url(company), company_form(company, time_zone="Asia/Tokyo"))
    page = client.post(time_zone_url(company), {"time_zone": "Asia/Tokyo"})

    assert (form.status_code, page.status_code) == (404, 404)
    company.refresh_from_db()
    assert company.time_zone == ""


def test_support_sets_the_zone_on_its_own_page_and_nothing_else(company, support_agent):
    client = staff_client(support_agent)

    change_page = client.get(change_url(company)).content.decode()
    form = client.get(time_zone_url(company))
    saved = client.post(time_zone_url(company), {"time_zone": "America/Los_Angeles"})
    renamed = client.post(change_url(company), company_form(company, name="Renamed"))

    assert "UTC (the site&#x27;s time zone)" in change_page
    assert f'href="{time_zone_url(company)}"' in change_page
    assert form.status_code == 200 and '<select name="time_zone"' in form.content.decode()
    assert saved.status_code == 302 and saved["Location"] == change_url(company)
    assert renamed.status_code == 403
    company.refresh_from_db()
    assert (company.time_zone, company.name) == ("America/Los_Angeles", "Acme Foods")
    entry = LogEntry.objects.get(object_id=str(company.pk))
    assert entry.user == support_agent and "Time zone" in entry.get_change_message()
    shown = client.get(change_url(company)).content.decode()
    assert "America/Los_Angeles" in shown and "the site&#x27;s time zone" not in shown


def test_support_gets_the_list_again_with_an_error_for_a_bad_zone(company, support_agent):
    response = staff_client(support_agent).post(time_zone_url(company), {"time_zone": "UTC+9"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    company.refresh_from_db()
    assert company.time_zone == ""


def test_company_users_cannot_set_it(company, company_admin):
    client = Client()
    assert sign_in(client, company_admin).status_code == 302

    response = client.post(time_zone_url(company), {"time_zone": "Asia/Tokyo"})

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    company.refresh_from_db()
    assert company.time_zone == ""


def test_the_audit_logs_date_filter_is_titled_by_when(client, support_agent):
    client.force_login(support_agent)

    page = client.get(reverse("admin:sessions_seats_forcedlogout_changelist")).content.decode()

    assert "By when" in page and "By at" not in page
