"""Back-channel logout end to end: whatever ends a seat session, every application signed in
under it with a back-channel URI receives a logout token it can validate against the JWKS, on a
real HTTP endpoint on loopback."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from sessions_seats.forced_logout import force_logout
from sessions_seats.models import EndReason, Entitlement, SeatSession
from sessions_seats.reaper import reap_idle_seats
from single_sign_on.models import AppSession, BackchannelDelivery
from tests.conftest import sign_in

from .conftest import POST_LOGOUT_URI, follow_to_app, register
from .logout_receiver import validated_logout_token

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def apps(backchannel, logout_receiver):
    """Two applications with a back-channel URI each, and one without."""
    return {
        "planner": register("Acme Planner", backchannel_logout_uri=logout_receiver.url("/planner")),
        "ledger": register("Acme Ledger", backchannel_logout_uri=logout_receiver.url("/ledger")),
        "wiki": register("Acme Wiki"),
    }


def _signed_in_to(user, apps):
    """A browser signed in to the portal, then to each app: its tokens and ID-token claims."""
    browser = Client()
    sign_in(browser, user)
    tokens = {}
    for name, app in apps.items():
        token = app.fetch_token(follow_to_app(browser, app.authorization_url(), app))
        tokens[name] = (token, app.validated_id_token(token))
    return browser, tokens


def _assert_told(logout_receiver, apps, tokens, names=("planner", "ledger")):
    for name in names:
        [post] = logout_receiver.to(f"/{name}")
        assert post.content_type == "application/x-www-form-urlencoded"
        claims = validated_logout_token(post.logout_token, apps[name])
        id_token = tokens[name][1]
        assert (claims["sid"], claims["sub"]) == (id_token["sid"], id_token["sub"])
    assert len(logout_receiver.received) == len(names)
    assert not BackchannelDelivery.objects.filter(application=apps["wiki"].registered.application)
    assert set(BackchannelDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_logout_at_the_portal_tells_every_app_with_a_backchannel_uri(
    members, apps, logout_receiver, django_capture_on_commit_callbacks
):
    browser, tokens = _signed_in_to(members[0], apps)

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("logout"))

    _assert_told(logout_receiver, apps, tokens)
    assert not AppSession.objects.filter(ended_at__isnull=True).exists()
    jtis = {
        validated_logout_token(p.logout_token, apps[p.path[1:]])["jti"]
        for p in logout_receiver.received
    }
    assert len(jtis) == 2


def test_an_ended_sign_in_has_its_tokens_revoked(
    members, apps, logout_receiver, django_capture_on_commit_callbacks
):
    browser, tokens = _signed_in_to(members[0], {"planner": apps["planner"]})

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("logout"))

    now = timezone.now()
    assert all(token.expires <= now for token in AccessToken.objects.all())
    assert all(token.revoked is not None for token in RefreshToken.objects.all())
    with pytest.raises(Exception, match="invalid_grant"):
        apps["planner"].refresh(tokens["planner"][0]["refresh_token"])


def test_rp_initiated_logout_from_one_app_tells_the_others(
    members, apps, logout_receiver, django_capture_on_commit_callbacks
):
    browser, tokens = _signed_in_to(members[0], apps)

    with django_capture_on_commit_callbacks(execute=True):
        answer = browser.get(
            "/o/logout/",
            {
                "id_token_hint": tokens["planner"][0]["id_token"],
                "post_logout_redirect_uri": POST_LOGOUT_URI,
            },
        )

    assert answer.status_code == 302
    assert SeatSession.objects.get().end_reason == EndReason.LOGOUT
    # The ledger learns of it; the planner, which asked, is told too (it may ignore it).
    _assert_told(logout_receiver, apps, tokens)


def test_forced_logout_by_support_tells_the_apps(
    members, apps, logout_receiver, support_agent, django_capture_on_commit_callbacks
):
    _browser, tokens = _signed_in_to(members[0], apps)
    seat = SeatSession.objects.get().seat

    with django_capture_on_commit_callbacks(execute=True):
        force_logout(actor=support_agent, seats=[seat], reason="Laptop stolen")

    assert SeatSession.objects.get().end_reason == EndReason.FORCED
    _assert_told(logout_receiver, apps, tokens)


def test_the_idle_reaper_tells_the_apps(
    members, apps, logout_receiver, django_capture_on_commit_callbacks
):
    _browser, tokens = _signed_in_to(members[0], apps)
    later = timezone.now() + datetime.timedelta(hours=2)

    with django_capture_on_commit_callbacks(execute=True):
        reap_idle_seats(now=later)

    assert SeatSession.objects.get().end_reason == EndReason.IDLE
    _assert_told(logout_receiver, apps, tokens)


def test_a_license_ending_tells_the_apps(
    members, apps, logout_receiver, django_capture_on_commit_callbacks
):
    _browser, tokens = _signed_in_to(members[0], apps)
    Entitlement.objects.update(ends_on=timezone.localdate() - datetime.timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        reap_idle_seats()

    assert SeatSession.objects.get().end_reason == EndReason.LICENSE
    _assert_told(logout_receiver, apps, tokens)


def test_only_the_ended_browser_is_logged_out_of_the_apps(
    members, apps, logout_receiver, django_capture_on_commit_callbacks
):
    planner = {"planner": apps["planner"]}
    browser, tokens = _signed_in_to(members[0], planner)
    _other, other_tokens = _signed_in_to(members[0], planner)

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("logout"))

    [post] = logout_receiver.received
    assert (
        validated_logout_token(post.logout_token, apps["planner"])["sid"]
        == (tokens["planner"][1]["sid"])
    )
    assert tokens["planner"][1]["sid"] != other_tokens["planner"][1]["sid"]
    assert AppSession.objects.filter(ended_at__isnull=True).count() == 1


def test_discovery_says_backchannel_logout_with_sid_is_supported(client):
    document = client.get("/o/.well-known/openid-configuration").json()

    assert document["backchannel_logout_supported"] is True
    assert document["backchannel_logout_session_supported"] is True
    assert document["end_session_endpoint"].endswith("/o/logout/")
