"""The weekly refusals digest: who gets it (each account manager for their companies, support for
companies without one, company admins who opted in), what it says, the beat entry, and the
portal's opt-in toggle."""

from __future__ import annotations

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from usage import digest, tasks
from usage.models import DigestSubscription

from ..conftest import sign_in
from ..factories import (
    CompanyAdminFactory,
    CompanyFactory,
    EntitlementFactory,
    LoginDenialFactory,
    UserFactory,
    past_seat,
)

pytestmark = pytest.mark.django_db

# A Monday; the digest covers Monday 2 to Sunday 8 June 2025.
TODAY = datetime.date(2025, 6, 9)
DIGEST_PERIOD = (datetime.date(2025, 6, 2), datetime.date(2025, 6, 8))


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2025, 6, day, hour, tzinfo=datetime.UTC)


def refused(company, day: int, people: int = 1) -> None:
    """Three people hold the three seats at 09:00–12:00 of `day`; `people` others are refused."""
    holders = [UserFactory(company=company) for _ in range(3)]
    for person in holders:
        past_seat(person, claimed_at=at(day, 9), hours=3)
    for _ in range(people):
        LoginDenialFactory(user=UserFactory(company=company), at=at(day, 10))


@pytest.fixture
def week(company, other_company):
    """Acme had refusals on two days, Globex on none, and Acme's refusals outside the week do
    not count."""
    EntitlementFactory(company=company, starts_on=datetime.date(2025, 1, 1))
    EntitlementFactory(company=other_company, starts_on=datetime.date(2025, 1, 1))
    refused(company, 3, people=2)
    refused(company, 5)
    refused(company, 1)  # the Sunday before the week
    refused(company, 9)  # today
    past_seat(UserFactory(company=other_company), claimed_at=at(4, 9))
    return company


def test_the_period_is_the_seven_days_before_today():
    assert digest.digest_period(TODAY) == DIGEST_PERIOD


def test_each_account_manager_gets_their_companies_with_the_recommendation(
    week, account_manager, other_account_manager
):
    result = digest.send_weekly_digests(today=TODAY)

    assert result == {"companies": 1, "staff_emails": 1, "admin_emails": 0}
    [email] = mail.outbox
    assert email.to == [account_manager.email]
    assert email.subject == "Refused sign-ins last week: 1 company"
    body = email.body
    assert "Acme Foods: 3 sign-ins refused on 2 days (3 people)" in body
    assert "With 3 seats, 3 sign-ins were refused on 2 days." in body
    assert (
        reverse("admin:accounts_company_usage", args=[week.pk]) + "?start=2025-06-02&end=2025-06-08"
    ) in body
    assert "Globex" not in body


def test_several_companies_of_one_manager_come_in_one_email(week, account_manager):
    second = CompanyFactory(name="Initech", account_manager=account_manager)
    EntitlementFactory(company=second, starts_on=datetime.date(2025, 1, 1))
    refused(second, 6)

    digest.send_weekly_digests(today=TODAY)

    [email] = mail.outbox
    assert "2 companies" in email.subject
    assert email.body.index("Acme Foods") < email.body.index("Initech")


def test_companies_without_an_account_manager_go_to_support(db):
    orphan = CompanyFactory(name="Orphan", account_manager=None)
    EntitlementFactory(company=orphan, starts_on=datetime.date(2025, 1, 1))
    refused(orphan, 4)

    digest.send_weekly_digests(today=TODAY)

    assert mail.outbox[0].to == [settings.SUPPORT_CONTACT_EMAIL]
    assert "Orphan" in mail.outbox[0].body


def test_no_refusals_no_email(company, members):
    assert digest.send_weekly_digests(today=TODAY)["staff_emails"] == 0
    assert mail.outbox == []


def test_inactive_companies_are_left_out(week):
    week.is_active = False
    week.save()

    assert digest.send_weekly_digests(today=TODAY)["companies"] == 0


def test_company_admins_who_opted_in_get_their_companys_digest(week, company_admin, other_company):
    quiet_admin = CompanyAdminFactory(company=week)  # not opted in
    DigestSubscription.objects.create(user=company_admin)
    globex_admin = CompanyAdminFactory(company=other_company)
    DigestSubscription.objects.create(user=globex_admin)  # no refusals at Globex
    demoted = UserFactory(company=week)  # subscribed, then became a member
    DigestSubscription.objects.create(user=demoted)

    result = digest.send_weekly_digests(today=TODAY)

    assert result["admin_emails"] == 1
    to_admins = [e for e in mail.outbox if e.to == [company_admin.email]]
    assert len(to_admins) == 1
    assert to_admins[0].subject == "Acme Foods: sign-ins refused last week"
    assert "With 3 seats, 3 sign-ins were refused on 2 days." in to_admins[0].body
    assert reverse("portal:license_request") in to_admins[0].body
    recipients = {address for e in mail.outbox for address in e.to}
    assert not recipients & {quiet_admin.email, globex_admin.email, demoted.email}


def test_the_task_sends_the_digest(week, account_manager, monkeypatch):
    monkeypatch.setattr(digest, "digest_period", lambda today=None: DIGEST_PERIOD)

    result = tasks.send_weekly_digest.apply().get()

    assert result["staff_emails"] == 1
    assert mail.outbox[0].to == [account_manager.email]


def test_beat_sends_it_weekly():
    entry = settings.CELERY_BEAT_SCHEDULE["weekly-refusals-digest"]

    assert entry["task"] == "usage.tasks.send_weekly_digest"
    assert entry["task"] in tasks.send_weekly_digest.app.tasks
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.day_of_week == {1} and schedule.hour == {7} and schedule.minute == {0}


# --- The portal's opt-in ------------------------------------------------------------------------

TOGGLE = reverse("portal:digest_subscription")


def test_a_company_admin_opts_in_and_out(company, company_admin):
    client = Client()
    sign_in(client, company_admin)

    on = client.post(TOGGLE, {"subscribe": "on"}, follow=True)
    assert DigestSubscription.objects.filter(user=company_admin).exists()
    assert "We will email admin@acme.example on Mondays" in on.content.decode()
    assert 'name="subscribe" checked' in client.get(reverse("portal:usage")).content.decode()

    client.post(TOGGLE, {})
    assert not DigestSubscription.objects.filter(user=company_admin).exists()


def test_members_and_anonymous_cannot_opt_in(company, members):
    member = Client()
    sign_in(member, members[0])

    assert member.post(TOGGLE, {"subscribe": "on"}).status_code == 403
    assert Client().post(TOGGLE, {"subscribe": "on"}).status_code == 302
    assert not DigestSubscription.objects.exists()


def test_opting_in_needs_the_csrf_token(company, company_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(company_admin)

    assert client.post(TOGGLE, {"subscribe": "on"}).status_code == 403
    assert not DigestSubscription.objects.exists()
