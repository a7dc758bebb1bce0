"""Errors are tied to their fields for screen readers: a field with an error is marked
`aria-invalid="true"` and its `aria-describedby` names an element that holds the error's text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ..conftest import sign_in

pytestmark = pytest.mark.django_db


class Page(HTMLParser):
    """Every element's attributes by id, and the text inside each element that has an id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.attrs: dict[str, dict[str, str]] = {}
        self.text: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)

    VOID = {"input", "br", "hr", "img", "meta", "link"}

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        element_id = attributes.get("id")
        if element_id:
            self.attrs[element_id] = attributes
            self.text.setdefault(element_id, "")
        if tag not in self.VOID:
            self._open.append((tag, element_id))

    def handle_endtag(self, tag):
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for _, element_id in self._open:
            if element_id:
                self.text[element_id] += data

    def description_of(self, field_id: str) -> str:
        """What a screen reader reads as the field's description: the text of the elements its
        aria-describedby names (each must exist)."""
        names = self.attrs[field_id].get("aria-describedby", "").split()
        assert names, f"{field_id} has no aria-describedby"
        missing = [name for name in names if name not in self.text]
        assert missing == [], f"{field_id} is described by missing elements {missing}"
        return " ".join(self.text[name] for name in names)

    def invalid(self, field_id: str) -> bool:
        return self.attrs[field_id].get("aria-invalid") == "true"


def test_a_wrong_password_marks_both_sign_in_fields_and_describes_them_with_the_error(members):
    response = sign_in(Client(), members[0], password="not-the-password")

    page = Page(response.content.decode())
    for field in ("id_username", "id_password"):
        assert page.invalid(field)
        assert "Please enter a correct email and password" in page.description_of(field)


def test_an_empty_sign_in_ties_each_fields_own_error_to_it(db):
    response = Client().post(reverse("login"), {"username": "", "password": ""})

    page = Page(response.content.decode())
    assert page.invalid("id_username")
    assert "This field is required." in page.description_of("id_username")


def test_a_fresh_sign_in_page_marks_nothing_invalid(db):
    page = Page(Client().get(reverse("login")).content.decode())

    assert not page.invalid("id_username")
    assert "aria-describedby" not in page.attrs["id_username"]


def test_password_reset_ties_the_email_error_to_the_field(db):
    response = Client().post(reverse("password_reset"), {"email": "not an address"})

    page = Page(response.content.decode())
    assert page.invalid("id_email")
    assert "Enter a valid email address." in page.description_of("id_email")


def test_choosing_a_password_ties_the_mismatch_and_the_rules_to_the_fields(members):
    user = members[0]
    client = Client()
    link = reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    form_url = client.get(link, follow=True).redirect_chain[-1][0]

    response = client.post(
        form_url, {"new_password1": "a-long-passphrase-1", "new_password2": "another-one-2"}
    )

    page = Page(response.content.decode())
    assert page.invalid("id_new_password2")
    assert "didn’t match" in page.description_of("id_new_password2")
    # The rules are described too, and the first field has no error of its own.
    assert not page.invalid("id_new_password1")
    assert "at least" in page.description_of("id_new_password1")


def test_adding_a_user_outside_the_domains_ties_the_error_to_the_email(admin_client):
    response = admin_client.post(
        reverse("portal:user_add"),
        {"email": "someone@elsewhere.example", "full_name": "Some One", "role": "member"},
    )

    page = Page(response.content.decode())
    assert response.status_code == 400
    assert page.invalid("id_email")
    assert "elsewhere" not in page.description_of("id_email")  # the error, not the value
    assert page.text["id_email_error"].strip()
    assert not page.invalid("id_full_name")


def test_adding_a_user_without_a_name_ties_the_error_to_the_name(admin_client):
    response = admin_client.post(
        reverse("portal:user_add"),
        {"email": "new@acme.example", "full_name": "  ", "role": "member"},
    )

    page = Page(response.content.decode())
    assert page.invalid("id_full_name")
    assert "This field is required." in page.description_of("id_full_name")


def test_a_license_request_without_a_quantity_ties_the_error_and_keeps_the_help(admin_client):
    response = admin_client.post(reverse("portal:license_request"), {"quantity": ""})

    page = Page(response.content.decode())
    assert page.invalid("id_quantity")
    assert "How many of that package?" in page.description_of("id_quantity")
    assert "concurrent users" in page.description_of("id_package")
    assert page.invalid("id_package")


def test_a_period_that_ends_before_it_starts_describes_both_days(admin_client):
    response = admin_client.get(
        reverse("portal:usage"), {"start": "2026-03-10", "end": "2026-03-01"}
    )

    page = Page(response.content.decode())
    for field in ("id_start", "id_end"):
        assert page.invalid(field)
        assert "The last day is before the first day." in page.description_of(field)


def test_a_ledger_filter_with_a_bad_date_ties_the_error_to_that_day(admin_client):
    response = admin_client.get(reverse("portal:ledger"), {"start": "soon", "end": "2026-03-01"})

    page = Page(response.content.decode())
    assert page.invalid("id_start")
    assert "Enter a date." in page.description_of("id_start")
    assert not page.invalid("id_end")
