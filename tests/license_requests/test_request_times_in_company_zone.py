"""A license request records when it was asked in the company's time zone, naming it, so the
account manager's email (and the staff console, which shows the note) reads the customer's time."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from license_requests import services, tasks
from license_requests.models import LicenseRequest

from ..factories import CompanyAdminFactory, PackageFactory

pytestmark = pytest.mark.django_db

ASKED = datetime.datetime(2025, 6, 1, 20, 5, tzinfo=datetime.UTC)  # 2 June, 05:05 in Tokyo


@pytest.fixture(autouse=True)
def tasks_run_inline(monkeypatch):
    for task in (tasks.notify_license_request, tasks.notify_license_decision):
        monkeypatch.setattr(task, "delay", lambda _t=task, **kw: _t.apply(kwargs=kw))


def test_the_note_and_the_account_managers_email_say_when_in_the_companys_zone(
    company, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TIME_ZONE = "UTC"
    company.time_zone = "Asia/Tokyo"
    company.save()
    admin = CompanyAdminFactory(company=company, full_name="Kei Admin")
    monkeypatch.setattr(timezone, "now", lambda: ASKED)

    with django_capture_on_commit_callbacks(execute=True):
        services.request_more_licenses(
            requester=admin, package=PackageFactory(seats=10), quantity=1, note="Busy season"
        )

    in_tokyo = date_format(ASKED.astimezone(ZoneInfo("Asia/Tokyo")), "DATETIME_FORMAT")
    assert in_tokyo.startswith("June 2, 2025, 5:05")
    signed = f"Kei Admin <{admin.email}>, {in_tokyo} Asia/Tokyo: Busy season"
    assert LicenseRequest.objects.get().note == signed
    [email] = mail.outbox
    assert signed in email.body


def test_a_company_in_the_site_zone_names_the_site_zone(company, settings, monkeypatch):
    settings.TIME_ZONE = "Europe/Berlin"
    admin = CompanyAdminFactory(company=company)
    monkeypatch.setattr(timezone, "now", lambda: ASKED)

    services.request_more_licenses(requester=admin, package=PackageFactory(seats=10), quantity=1)

    in_berlin = date_format(ASKED.astimezone(ZoneInfo("Europe/Berlin")), "DATETIME_FORMAT")
    assert LicenseRequest.objects.get().note.endswith(f", {in_berlin} Europe/Berlin: (no note)")
