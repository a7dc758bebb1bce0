"""Pages whose forms end at an application allow that application in `form-action`, and no
other page does: browsers apply the directive to the redirects after a submit, so signing in for
an application was blocked at its last hop (seen in Chromium with the example application)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in

from .conftest import POST_LOGOUT_URI, register


def _form_action(response) -> str:
    policy = response["Content-Security-Policy"]
    [directive] = [part.strip() for part in policy.split(";") if "form-action" in part]
    return directive


def _authorize_path(app) -> str:
    return app.authorization_url().removeprefix("http://testserver")


def test_the_sign_in_page_for_an_app_allows_only_that_apps_origin(planner):
    other = register("Acme Ledger", redirect_uri="https://ledger.example:8443/cb")

    page = Client().get(reverse("login"), {"next": _authorize_path(planner)})

    assert page.status_code == 200
    assert _form_action(page) == "form-action 'self' https://planner.example"
    assert "ledger.example" not in page["Content-Security-Policy"]
    assert other.client_id not in page["Content-Security-Policy"]


def test_a_refusal_for_an_app_keeps_its_origin_for_the_free_a_seat_forms(members, planner):
    for member in members[:3]:
        sign_in(Client(), member)

    refused = Client().post(
        reverse("login"),
        {
            "username": members[3].email,
            "password": "correct horse battery staple",
            "next": _authorize_path(planner),
        },
    )

    assert refused.status_code == 403
    assert _form_action(refused) == "form-action 'self' https://planner.example"


def test_the_plain_sign_in_page_allows_forms_to_the_portal_only(db):
    page = Client().get(
        reverse("login"), {"next": "/o/authorize/?" + urlencode({"client_id": "x"})}
    )

    assert _form_action(page) == "form-action 'self'"


def test_the_consent_page_of_a_public_client_allows_its_redirect_origin(members):
    spa = register("Acme Mobile", public=True, redirect_uri="https://mobile.example/callback")
    browser = Client()
    sign_in(browser, members[0])

    consent = browser.get(_authorize_path(spa))

    assert consent.status_code == 200
    assert _form_action(consent) == "form-action 'self' https://mobile.example"


def test_the_logout_confirmation_allows_the_post_logout_origin(members, planner):
    browser = Client()
    sign_in(browser, members[0])

    page = browser.get("/o/logout/", {"client_id": planner.client_id})

    assert page.status_code == 200
    assert POST_LOGOUT_URI.startswith("https://planner.example/")
    assert _form_action(page) == "form-action 'self' https://planner.example"
