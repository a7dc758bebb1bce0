"""Across the portal: another company's ids are not found, every POST needs its CSRF token, every
field has a label, and links in emails go to the public address whatever Host a request named."""

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from portal import proofs
from sessions_seats.models import Seat, SeatSession

from ..conftest import sign_in
from ..factories import (
    PASSWORD,
    CompanyAdminFactory,
    CompanyFactory,
    EntitlementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger(db) -> User:
    """A signed-in member of another company, with an open seat session."""
    other = CompanyFactory(name="Other Co")
    EntitlementFactory(company=other)
    user = UserFactory(company=other, full_name="Sam Stranger")
    assert sign_in(Client(), user).status_code == 302
    return user


USER_URLS = ["user", "user_role", "user_deactivate", "user_reactivate", "user_invite"]


@pytest.mark.parametrize("name", USER_URLS)
def test_another_companys_user_is_not_found(admin_client, stranger, name):
    url = reverse(f"portal:{name}", args=[stranger.pk])
    data = {"role": "member", "acknowledge": "on"}

    response = admin_client.get(url) if name == "user" else admin_client.post(url, data)

    assert response.status_code == 404
    stranger.refresh_from_db()
    assert (stranger.is_active, stranger.role) == (True, "member")
    assert Seat.objects.get(user=stranger).released_at is None


def test_another_companys_users_are_not_listed_or_found_by_search(admin_client, stranger):
    page = admin_client.get(reverse("portal:users"), {"q": "Stranger"}).content.decode()

    assert stranger.email not in page


def test_another_companys_device_is_not_found(admin_client, stranger):
    theirs = SeatSession.objects.get(seat__user=stranger)

    response = admin_client.post(reverse("portal:my_session_sign_out", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.ended_at is None


def test_an_admin_of_another_company_cannot_manage_acme(stranger, members):
    other_admin = CompanyAdminFactory(company=stranger.company)
    client = Client()
    sign_in(client, other_admin)

    for name in USER_URLS:
        url = reverse(f"portal:{name}", args=[members[0].pk])
        response = client.get(url) if name == "user" else client.post(url, {"role": "admin"})
        assert response.status_code == 404
    members[0].refresh_from_db()
    assert (members[0].role, members[0].is_active) == ("member", True)


def test_every_post_needs_the_csrf_token(company_admin, members):
    strict = Client(enforce_csrf_checks=True)
    sign_in(Client(), members[0])
    # Signing in itself is a POST: without the token, not even that.
    assert sign_in(strict, company_admin).status_code == 403
    # A company admin signed in properly (with the token), on the seat user1 does not hold.
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.get(reverse("login"))
    csrf = signed_in.cookies["csrftoken"].value
    login = {"username": company_admin.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    assert signed_in.post(reverse("login"), login).status_code == 302
    target = members[0].pk
    device = SeatSession.objects.get(seat__user=members[0]).pk
    posts = {
        reverse("logout"): {},
        reverse("portal:free_seat_pick"): {
            "token": proofs.issue_proof(company_admin, proofs.FREE_SEAT),
            "seat": 1,
        },
        reverse("portal:free_seat"): {"token": "x", "seat": 1, "reason": "r", "acknowledge": "on"},
        reverse("portal:seat_wish"): {"token": proofs.issue_proof(members[3], proofs.SEAT_WISH)},
        reverse("portal:user_add"): {"email": "n@acme.example", "full_name": "N", "role": "member"},
        reverse("portal:user_role", args=[target]): {"role": "admin"},
        reverse("portal:user_deactivate", args=[target]): {"acknowledge": "on"},
        reverse("portal:user_reactivate", args=[target]): {},
        reverse("portal:user_invite", args=[target]): {},
        reverse("portal:my_session_sign_out", args=[device]): {},
        reverse("portal:my_sessions_sign_out_others"): {},
        reverse("password_reset"): {"email": members[0].email},
    }

    for url, data in posts.items():
        for client in (strict, signed_in):
            assert client.post(url, data).status_code == 403, url

    members[0].refresh_from_db()
    assert (members[0].role, members[0].is_active) == ("member", True)
    assert SeatSession.objects.get(pk=device).ended_at is None
    assert not User.objects.filter(email="n@acme.example").exists()


class FieldsAndLabels(HTMLParser):
    """Collects the ids of form fields and what labels point at (or wrap)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []
        self.labelled: set[str] = set()
        self._in_label = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self._in_label += 1
            if attrs.get("for"):
                self.labelled.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            if attrs.get("type") in ("hidden", "submit"):
                return
            name = attrs.get("id") or attrs.get("name")
            self.fields.append(name)
            if self._in_label or attrs.get("aria-label"):
                self.labelled.add(name)

    def handle_endtag(self, tag):
        if tag == "label":
            self._in_label -= 1


def unlabelled_fields(html: str) -> list[str]:
    parser = FieldsAndLabels()
    parser.feed(html)
    assert parser.fields, "the page has no fields to check"
    return [field for field in parser.fields if field not in parser.labelled]


def test_every_field_is_labelled(admin_client, company_admin, members):
    for member in members[:3]:
        sign_in(Client(), member)
    member_client = Client()
    sign_in(member_client, members[0])
    admin_refused = sign_in(Client(), CompanyAdminFactory(company=company_admin.company))
    token = proofs.issue_proof(admin_refused.context["refused_user"], proofs.FREE_SEAT)
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)
    confirm = Client().post(reverse("portal:free_seat_pick"), {"token": token, "seat": seat.pk})

    pages = {
        "login": Client().get(reverse("login")),
        "refusal": admin_refused,
        "confirm": confirm,
        "users": admin_client.get(reverse("portal:users")),
        "add": admin_client.get(reverse("portal:user_add")),
        "user": admin_client.get(reverse("portal:user", args=[members[1].pk])),
        "reset": Client().get(reverse("password_reset")),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 403), name
        assert unlabelled_fields(response.content.decode()) == [], name


# --- Links in emails: PORTAL_BASE_URL, never the request's Host header ---------------------------


@pytest.mark.parametrize("email_of", ["user_add", "user_invite", "password_reset"])
def test_links_in_emails_use_the_public_address_not_the_host_header(
    email_of, company_admin, members, settings
):
    settings.PORTAL_BASE_URL = "https://licenses.foundry.example/"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    client = Client(HTTP_HOST="evil.example")
    if email_of != "password_reset":
        assert sign_in(client, company_admin).status_code == 302
    url, data = {
        "user_add": (
            reverse("portal:user_add"),
            {"email": "new@acme.example", "full_name": "New Person", "role": "member"},
        ),
        "user_invite": (reverse("portal:user_invite", args=[members[0].pk]), {}),
        "password_reset": (reverse("password_reset"), {"email": members[0].email}),
    }[email_of]

    response = client.post(url, data)

    assert response.status_code == 302
    [email] = mail.outbox
    assert "evil.example" not in email.body
    [link] = re.findall(r"\S+/accounts/reset/\S+", email.body)
    assert link.startswith("https://licenses.foundry.example/accounts/reset/")
    # The link works on the site.
    page = Client().get(link.removeprefix("https://licenses.foundry.example"), follow=True)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
