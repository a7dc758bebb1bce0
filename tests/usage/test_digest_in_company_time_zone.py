"""The weekly digest counts each company's refusals on its own days, in its time zone, names that
zone, and covers the seven whole days before today where the company is."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from usage import digest
from usage.models import DigestSubscription

from ..factories import (
    CompanyAdminFactory,
    CompanyFactory,
    EntitlementFactory,
    LoginDenialFactory,
    UserFactory,
    past_seat,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 9)  # a Monday: the week before is Monday 2 to Sunday 8 June


def utc(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2025, 6, day, hour, tzinfo=datetime.UTC)


def company_in(zone: str, name: str, account_manager=None):
    extra = {"account_manager": account_manager} if account_manager else {}
    company = CompanyFactory(name=name, time_zone=zone, **extra)
    EntitlementFactory(company=company, starts_on=datetime.date(2025, 1, 1))
    return company


def refused_at(company, at: datetime.datetime) -> None:
    """The company's three seats held around `at`, and one more person refused then."""
    for _ in range(3):
        past_seat(
            UserFactory(company=company), claimed_at=at - datetime.timedelta(hours=1), hours=2
        )
    LoginDenialFactory(user=UserFactory(company=company), at=at)


@pytest.fixture(autouse=True)
def site_in_utc(settings):
    settings.TIME_ZONE = "UTC"


def test_a_refusal_counts_in_the_week_of_the_companys_days():
    tokyo = company_in("Asia/Tokyo", "Tokyo Ltd")
    # Sunday 1 June 20:00 UTC is Monday 2 June 05:00 in Tokyo: in its week, not in UTC's.
    refused_at(tokyo, utc(1, 20))
    # Sunday 8 June 20:00 UTC is already Monday 9 June in Tokyo: next week's.
    refused_at(tokyo, utc(8, 20))
    utc_company = company_in("", "Site Time Ltd")
    refused_at(utc_company, utc(1, 20))  # Sunday 1 June, the week before, in UTC

    result = digest.send_weekly_digests(today=TODAY)

    assert result["companies"] == 1
    body = mail.outbox[0].body
    assert "Tokyo Ltd: 1 sign-in refused on 1 day (1 person)" in body
    assert "From June 2, 2025 to June 8, 2025, days in Asia/Tokyo." in body
    assert "Site Time Ltd" not in body


def test_each_company_covers_the_whole_days_before_its_own_today(monkeypatch):
    manager_company = company_in("Asia/Tokyo", "Tokyo Ltd")
    honolulu = company_in(
        "Pacific/Honolulu", "Honolulu Ltd", account_manager=manager_company.account_manager
    )
    refused_at(manager_company, utc(3, 3))
    refused_at(honolulu, utc(3, 3))
    # Beat runs on Monday 9 June at 07:00 UTC: Monday 16:00 in Tokyo, still Sunday 21:00 in
    # Honolulu, whose Sunday is not over.
    monkeypatch.setattr(timezone, "now", lambda: utc(9, 7))

    digest.send_weekly_digests()

    [email] = mail.outbox
    assert "From June 2, 2025 to June 8, 2025, days in Asia/Tokyo." in email.body
    assert "From June 1, 2025 to June 7, 2025, days in Pacific/Honolulu." in email.body
    usage = reverse("admin:accounts_company_usage", args=[honolulu.pk])
    assert f"{usage}?start=2025-06-01&end=2025-06-07" in email.body


def test_the_company_admins_digest_names_the_zone():
    tokyo = company_in("Asia/Tokyo", "Tokyo Ltd")
    refused_at(tokyo, utc(4, 1))
    admin = CompanyAdminFactory(company=tokyo)
    DigestSubscription.objects.create(user=admin)

    digest.send_weekly_digests(today=TODAY)

    [to_admin] = [email for email in mail.outbox if email.to == [admin.email]]
    assert "days in Asia/Tokyo" in to_admin.body
    assert f"{reverse('portal:usage')}?start=2025-06-02&end=2025-06-08" in to_admin.body
