""" "Forgot your password?" sends at most so many emails per address and per client address, and
its page never tells whether an email went out or an account exists."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions_seats import email_limits
from sessions_seats.models import PasswordEmailQuota

pytestmark = pytest.mark.django_db

RESET = reverse("password_reset")


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.PASSWORD_EMAILS_PER_ADDRESS = 3
    settings.PASSWORD_EMAILS_PER_IP = 4
    settings.PASSWORD_EMAIL_WINDOW_MINUTES = 60


def ask_for_reset(email: str, ip: str = "192.0.2.1"):
    return Client(REMOTE_ADDR=ip).post(RESET, {"email": email}, follow=True)


def page_of(response) -> tuple[int, list, bytes]:
    """What the person asking sees: where they land and the page itself."""
    return response.status_code, response.redirect_chain, response.content


def test_one_address_gets_at_most_the_limit_of_emails_and_the_page_never_changes(members):
    pages = [page_of(ask_for_reset(members[0].email, ip=f"192.0.2.{n}")) for n in range(1, 6)]

    assert len(mail.outbox) == 3
    assert all(email.to == [members[0].email] for email in mail.outbox)
    assert all(page == pages[0] for page in pages)
    assert pages[0][1] == [(reverse("password_reset_done"), 302)]


def test_one_client_address_gets_at_most_its_limit_however_many_addresses_it_asks_for(members):
    for member in members:
        ask_for_reset(member.email, ip="203.0.113.7")

    assert [email.to for email in mail.outbox] == [[m.email] for m in members[:4]]

    ask_for_reset(members[4].email, ip="198.51.100.9")
    assert mail.outbox[-1].to == [members[4].email]


def test_the_page_for_an_unknown_address_is_the_page_for_a_limited_one(members):
    for _ in range(3):
        ask_for_reset(members[0].email)
    sent = len(mail.outbox)

    limited = page_of(ask_for_reset(members[0].email, ip="192.0.2.2"))
    unknown = page_of(ask_for_reset("nobody@acme.example", ip="192.0.2.3"))
    known = page_of(ask_for_reset(members[1].email, ip="192.0.2.4"))

    assert limited == unknown == known
    assert len(mail.outbox) == sent + 1


def test_requests_for_unknown_addresses_count_like_any_other(members):
    for n in range(4):
        ask_for_reset(f"nobody{n}@acme.example", ip="203.0.113.7")

    ask_for_reset(members[0].email, ip="203.0.113.7")

    assert mail.outbox == []
    assert len(PasswordEmailQuota.objects.get(key="address:nobody0@acme.example").sent) == 1


def test_the_address_is_counted_whatever_its_case(members):
    for n, email in enumerate([members[0].email, members[0].email.upper(), " User1@Acme.Example "]):
        ask_for_reset(email, ip=f"192.0.2.{n + 1}")

    ask_for_reset(members[0].email, ip="192.0.2.9")

    assert len(mail.outbox) == 3


def test_sending_is_allowed_again_once_the_window_has_passed(members):
    for n in range(3):
        ask_for_reset(members[0].email, ip=f"192.0.2.{n + 1}")
    an_hour_ago = (timezone.now() - datetime.timedelta(minutes=61)).timestamp()
    quota = PasswordEmailQuota.objects.get(key=f"address:{members[0].email}")
    quota.sent = [an_hour_ago] * len(quota.sent)
    quota.save()

    ask_for_reset(members[0].email, ip="192.0.2.9")

    assert len(mail.outbox) == 4


def test_a_refused_send_counts_nothing():
    for n in range(3):
        assert email_limits.take_password_email("a@acme.example", f"192.0.2.{n + 1}")

    assert not email_limits.take_password_email("a@acme.example", "192.0.2.9")

    assert PasswordEmailQuota.objects.get(key="ip:192.0.2.9").sent == []


def test_counts_idle_for_a_whole_window_are_deleted_as_others_are_written():
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    email_limits.take_password_email("old@acme.example", "192.0.2.1", now=long_ago)

    email_limits.take_password_email("new@acme.example", "192.0.2.2")

    assert set(PasswordEmailQuota.objects.values_list("key", flat=True)) == {
        "address:new@acme.example",
        "ip:192.0.2.2",
    }
