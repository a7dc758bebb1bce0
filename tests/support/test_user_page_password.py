"""The user page shows the password hash to nobody but superusers (Django's own block, with its
password form); whoever may see the user can email them a reset link instead, counted against
the password email limit."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def send_url(user) -> str:
    return reverse("admin:accounts_user_send_password_reset", args=[user.pk])


def test_support_sees_no_password_hash(client, support_agent, members):
    client.force_login(support_agent)

    page = client.get(change_url(members[0])).content.decode()

    assert "<strong>algorithm</strong>" not in page and "<strong>hash</strong>" not in page
    assert members[0].password.split("$")[-1] not in page
    assert 'href="../password/"' not in page
    assert "Email a password reset link" in page


def test_superusers_keep_djangos_password_block(client, superuser, members):
    client.force_login(superuser)

    page = client.get(change_url(members[0])).content.decode()

    assert "<strong>algorithm</strong>" in page
    assert 'href="../password/"' in page


def test_support_emails_a_reset_link_to_the_user(client, support_agent, members, settings):
    settings.PORTAL_BASE_URL = "https://portal.example"
    client.force_login(support_agent)

    response = client.post(send_url(members[0]), follow=True)

    assert response.redirect_chain[-1][0] == change_url(members[0])
    assert "A password reset link was emailed to user1@acme.example." in (response.content.decode())
    [email] = mail.outbox
    assert email.to == ["user1@acme.example"]
    assert "https://portal.example/" in email.body


def test_the_reset_needs_a_post_with_the_csrf_token(support_agent, members):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(support_agent)

    assert browser.get(send_url(members[0])).status_code == 405
    assert browser.post(send_url(members[0])).status_code == 403
    token = browser.get(change_url(members[0])).context["csrf_token"]
    assert (
        browser.post(send_url(members[0]), {"csrfmiddlewaretoken": str(token)}).status_code == 302
    )
    assert len(mail.outbox) == 1


def test_staff_who_may_not_see_users_cannot_send_one(client, account_manager, members):
    client.force_login(account_manager)

    assert client.post(send_url(members[0])).status_code == 403
    assert mail.outbox == []


def test_over_the_limit_nothing_is_sent_and_the_page_says_so(
    client, support_agent, members, settings
):
    settings.PASSWORD_EMAILS_PER_ADDRESS = 1
    client.force_login(support_agent)

    client.post(send_url(members[0]))
    second = client.post(send_url(members[0]), follow=True)

    assert "No more password emails can go to user1@acme.example for now" in (
        second.content.decode()
    )
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("state", ["deactivated", "never set a password"])
def test_nothing_is_sent_to_someone_who_cannot_sign_in_with_a_password(
    client, support_agent, company, state
):
    user = UserFactory(company=company)
    if state == "deactivated":
        user.is_active = False
    else:
        user.set_unusable_password()
    user.save()
    client.force_login(support_agent)

    response = client.post(send_url(user), follow=True)

    assert "nothing was sent" in response.content.decode()
    assert mail.outbox == []
