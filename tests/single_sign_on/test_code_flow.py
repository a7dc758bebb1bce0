"""The authorization code flow with PKCE, through the portal's own sign-in, and what the
application learns: discovery, JWKS, the ID token and userinfo."""

from __future__ import annotations

import pytest
from django.test import Client

from sessions_seats.models import Seat, SeatSession
from single_sign_on.models import AppSession
from single_sign_on.validators import session_id_claim
from tests.conftest import sign_in

from .conftest import (
    ISSUER,
    callback_params,
    follow_to_app,
    login_next,
    register,
    sign_in_for,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_discovery_is_where_openid_connect_expects_it_relative_to_the_issuer(client):
    document = client.get("/o/.well-known/openid-configuration").json()

    assert document["issuer"] == ISSUER
    assert document["authorization_endpoint"] == f"{ISSUER}/authorize/"
    assert document["token_endpoint"] == f"{ISSUER}/token/"
    assert document["userinfo_endpoint"] == f"{ISSUER}/userinfo/"
    assert document["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert document["end_session_endpoint"] == f"{ISSUER}/logout/"
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in document["id_token_signing_alg_values_supported"]
    assert {"openid", "email", "profile"} <= set(document["scopes_supported"])


def test_jwks_publishes_one_rsa_signing_key(client):
    keys = client.get("/o/.well-known/jwks.json").json()["keys"]

    assert [(key["kty"], key["alg"], key["use"]) for key in keys] == [("RSA", "RS256", "sig")]
    assert "d" not in keys[0]  # the public half only


def test_application_management_pages_of_the_library_are_not_served(client, members):
    sign_in(client, members[0])

    assert client.get("/o/applications/").status_code == 404
    assert client.get("/o/register/").status_code == 404


def test_a_browser_signed_out_signs_in_at_the_portal_and_the_app_gets_a_valid_id_token(
    members, planner
):
    browser = Client()
    user = members[0]

    to_login = browser.get(planner.authorization_url())
    assert to_login.status_code == 302
    next_url = login_next(to_login["Location"])
    page = browser.get(to_login["Location"])
    assert "Sign in to Acme Planner" in page.content.decode()

    signed_in = sign_in_for(browser, user, next_url)
    callback = follow_to_app(browser, signed_in["Location"], planner)
    token = planner.fetch_token(callback)
    claims = planner.validated_id_token(token)

    seat_session = SeatSession.objects.get(seat__user=user)
    assert claims["sub"] == str(user.pk)
    assert claims["email"] == user.email
    assert claims["name"] == user.full_name
    assert claims["role"] == "member"
    assert claims["company"] == {
        "id": str(user.company_id),
        "slug": "acme",
        "name": "Acme Foods",
    }
    assert claims["sid"] == session_id_claim(seat_session.pk)
    assert claims["sid"] != str(seat_session.pk)
    assert callback_params(callback)["iss"] == ISSUER  # RFC 9207
    # The normal sign-in claimed the seat; the app took none of its own.
    assert Seat.objects.open().count() == 1
    assert AppSession.objects.get().seat_session == seat_session


def test_userinfo_carries_the_same_claims_and_needs_the_token_in_the_header(members, planner):
    browser = Client()
    sign_in(browser, members[0])
    token = planner.fetch_token(follow_to_app(browser, planner.authorization_url(), planner))

    info = planner.userinfo(token["access_token"])
    in_query = planner.session.get(
        f"{ISSUER}/userinfo/?access_token={token['access_token']}", withhold_token=True
    )

    assert info.status_code == 200
    assert info.json()["email"] == members[0].email
    assert info.json()["sid"] == planner.validated_id_token(token)["sid"]
    assert info.json()["company"]["name"] == "Acme Foods"
    assert in_query.status_code in (400, 401, 403)


def test_a_person_signed_in_at_the_portal_joins_their_seat_however_many_apps(members, planner):
    browser = Client()
    sign_in(browser, members[0])
    tracker = register("Acme Tracker", redirect_uri="https://tracker.example/callback")

    planner_claims = planner.validated_id_token(
        planner.fetch_token(follow_to_app(browser, planner.authorization_url(), planner))
    )
    tracker_claims = tracker.validated_id_token(
        tracker.fetch_token(follow_to_app(browser, tracker.authorization_url(), tracker))
    )
    follow_to_app(browser, planner.authorization_url(), planner)  # again: the same app session

    assert Seat.objects.open().count() == 1
    assert SeatSession.objects.open().count() == 1
    assert AppSession.objects.count() == 2
    assert planner_claims["sid"] == tracker_claims["sid"]


def test_the_redirect_uri_must_match_exactly(members, planner):
    browser = Client()
    sign_in(browser, members[0])
    planner.session.redirect_uri = "https://planner.example/callback/other"

    response = browser.get(planner.authorization_url())

    # Never sent to an unregistered address: an error page of the portal, in its look.
    assert response.status_code == 400
    assert "This sign-in cannot go on" in response.content.decode()


def test_a_code_is_refused_without_its_pkce_verifier(members, planner):
    browser = Client()
    sign_in(browser, members[0])
    callback = follow_to_app(browser, planner.authorization_url(), planner)
    planner.verifier = "not-the-verifier-" + "x" * 40

    with pytest.raises(Exception, match="invalid_grant"):
        planner.fetch_token(callback)


def test_a_public_client_must_use_pkce_and_confirms_on_the_consent_page(members):
    spa = register("Acme Mobile", public=True, redirect_uri="https://mobile.example/callback")
    browser = Client()
    sign_in(browser, members[0])

    without_pkce = browser.get(
        f"{ISSUER}/authorize/?response_type=code&client_id={spa.client_id}"
        f"&redirect_uri={spa.redirect_uri}&scope=openid"
    )
    assert without_pkce.status_code == 302
    assert callback_params(without_pkce["Location"])["error"] == "invalid_request"

    consent = browser.get(spa.authorization_url())
    assert consent.status_code == 200
    assert "Sign in to Acme Mobile?" in consent.content.decode()
    fields = {
        name: consent.context["form"][name].value()
        for name in consent.context["form"].fields
        if consent.context["form"][name].value() is not None
    }
    allowed = browser.post(f"{ISSUER}/authorize/", {**fields, "allow": "Authorize"})
    token = spa.fetch_token(allowed["Location"])

    assert spa.validated_id_token(token)["email"] == members[0].email


def test_staff_hold_no_seat_and_cannot_sign_in_to_an_application(support_agent, planner):
    browser = Client()
    sign_in(browser, support_agent)

    response = browser.get(planner.authorization_url())

    assert response.status_code == 403
    assert "You cannot sign in to Acme Planner with a staff account" in response.content.decode()
    assert AppSession.objects.count() == 0
