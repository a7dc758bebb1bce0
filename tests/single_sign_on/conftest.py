"""A relying party built on authlib, talking to the provider through Django's test Client.

authlib's `OAuth2Session` is a `requests.Session`; its HTTP transport here is an adapter that
hands each prepared request to a test Client (no cookies: the back channel of an app server) and
turns the answer back into a `requests.Response`. Everything else is authlib's own: the PKCE
S256 challenge, the authorization URL, the client authentication of the token request, the
refresh, and the ID token's validation against the provider's JWKS.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from requests.structures import CaseInsensitiveDict

from single_sign_on.services import Registered, register_application
from tests.factories import PASSWORD

with warnings.catch_warnings():
    # authlib.jose is what the brief of these tests names; its successor is joserfc.
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, jwt
    from authlib.oidc.core import CodeIDToken

ISSUER = "http://testserver/o"
REDIRECT_URI = "https://planner.example/callback"
POST_LOGOUT_URI = "https://planner.example/signed-out"
SCOPE = "openid email profile"


class TestClientAdapter(requests.adapters.BaseAdapter):
    """requests' transport, answered by a Django test Client."""

    def __init__(self, client: Client) -> None:
        super().__init__()
        self.client = client

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        path = url.path + (f"?{url.query}" if url.query else "")
        body = request.body or b""
        headers = {
            key: value
            for key, value in request.headers.items()
            if key.lower() not in {"content-length", "content-type", "host"}
        }
        answer = self.client.generic(
            request.method or "GET",
            path,
            data=body.encode() if isinstance(body, str) else body,
            content_type=request.headers.get("Content-Type", ""),
            headers=headers,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = CaseInsensitiveDict(answer.headers.items())
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


@dataclass
class RelyingParty:
    """One application: its registration and an authlib session over the test transport."""

    registered: Registered
    redirect_uri: str = REDIRECT_URI
    verifier: str = field(default_factory=lambda: generate_token(48))
    nonce: str = field(default_factory=lambda: generate_token(20))
    session: OAuth2Session = field(init=False)

    def __post_init__(self) -> None:
        public = self.registered.client_secret is None
        self.session = OAuth2Session(
            self.client_id,
            self.registered.client_secret,
            scope=SCOPE,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="none" if public else "client_secret_basic",
        )
        self.session.mount("http://testserver/", TestClientAdapter(Client()))

    @property
    def client_id(self) -> str:
        return self.registered.application.client_id

    def authorization_url(self, **extra: str) -> str:
        url, _state = self.session.create_authorization_url(
            f"{ISSUER}/authorize/", code_verifier=self.verifier, nonce=self.nonce, **extra
        )
        return url

    def fetch_token(self, callback_url: str) -> dict[str, Any]:
        return self.session.fetch_token(
            f"{ISSUER}/token/", authorization_response=callback_url, code_verifier=self.verifier
        )

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return self.session.refresh_token(f"{ISSUER}/token/", refresh_token=refresh_token)

    def userinfo(self, access_token: str) -> requests.Response:
        return self.session.get(
            f"{ISSUER}/userinfo/", headers={"Authorization": f"Bearer {access_token}"}
        )

    def validated_id_token(self, token: dict[str, Any]) -> dict[str, Any]:
        """The ID token's claims, checked by authlib against the provider's published keys:
        signature (RS256), iss, aud, exp, iat, nonce and at_hash."""
        keys = JsonWebKey.import_key_set(self.session.get(f"{ISSUER}/.well-known/jwks.json").json())
        claims = jwt.decode(
            token["id_token"],
            keys,
            claims_cls=CodeIDToken,
            claims_options={
                "iss": {"essential": True, "value": ISSUER},
                "aud": {"essential": True, "value": self.client_id},
            },
            claims_params={"nonce": self.nonce, "access_token": token["access_token"]},
        )
        claims.validate()
        return dict(claims)


def register(name: str = "Acme Planner", **kwargs: Any) -> RelyingParty:
    redirect_uri = kwargs.pop("redirect_uri", REDIRECT_URI)
    registered = register_application(
        name, [redirect_uri], post_logout_redirect_uris=[POST_LOGOUT_URI], **kwargs
    )
    return RelyingParty(registered, redirect_uri=redirect_uri)


@pytest.fixture
def planner(db) -> RelyingParty:
    return register()


def follow_to_app(browser: Client, url: str, app: RelyingParty, limit: int = 5) -> str:
    """Follow the browser's redirects inside the portal until one leaves for the app."""
    for _ in range(limit):
        response = browser.get(url)
        assert response.status_code == 302, (response.status_code, response.content[:500])
        url = response["Location"]
        if url.startswith(app.redirect_uri):
            return url
    raise AssertionError(f"never left the portal: {url}")


def callback_params(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def sign_in_for(browser: Client, user: Any, next_url: str, password: str = PASSWORD):
    """The portal's sign-in form, posted with the `next` the authorization request left."""
    return browser.post(
        reverse("login"), {"username": user.email, "password": password, "next": next_url}
    )


def login_next(url: str) -> str:
    """The `next` of a redirect to the sign-in page."""
    parts = urlsplit(url)
    assert parts.path == reverse("login"), url
    return parse_qs(parts.query)["next"][0]


# --- Back-channel logout --------------------------------------------------------------------


@pytest.fixture
def logout_receiver():
    """A back-channel logout endpoint on 127.0.0.1, stopped at teardown."""
    from .logout_receiver import RunningReceiver

    with RunningReceiver() as receiver:
        yield receiver


@pytest.fixture
def backchannel(db, settings, monkeypatch):
    """Deliveries run in the test: the first attempt at once, when the ending commits; a retry
    is recorded with its countdown, for the test to run (`run_scheduled`) instead of waiting.

    DEBUG is on as in development, so that plain http to loopback is accepted (the tests' only
    endpoint), and the issuer the logout tokens name is the test server's."""
    from single_sign_on import tasks

    settings.DEBUG = True
    settings.PORTAL_BASE_URL = "http://testserver"
    backchannel = Backchannel([])

    def apply_async(args: tuple[int], countdown: int | None = None, **kwargs: Any) -> None:
        if backchannel.broker_down:
            raise OperationalError("Error 111 connecting to the broker. Connection refused.")
        if countdown is None:
            tasks.deliver_backchannel_logout.apply(args=args)
        else:
            backchannel.scheduled.append((args[0], countdown))

    monkeypatch.setattr(tasks.deliver_backchannel_logout, "apply_async", apply_async)
    return backchannel


@dataclass
class Backchannel:
    scheduled: list[tuple[int, int]]
    # While True, queueing raises as kombu does when the broker cannot be reached.
    broker_down: bool = False

    def run_scheduled(self) -> list[int]:
        """Run the retries queued so far, in order, as if each countdown had passed; their
        countdowns."""
        from single_sign_on import tasks
        from single_sign_on.models import BackchannelDelivery

        countdowns = []
        while self.scheduled:
            delivery_id, countdown = self.scheduled.pop(0)
            countdowns.append(countdown)
            BackchannelDelivery.objects.filter(pk=delivery_id).update(
                next_attempt_at=timezone.now()
            )
            tasks.deliver_backchannel_logout.apply(args=(delivery_id,))
        return countdowns
