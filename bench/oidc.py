"""Single sign-on figures: what an authorization costs in queries beside django-oauth-toolkit's
own view, and the back-channel logout fan-out (bench/logout_fanout.py).

    python bench/oidc.py [--show-sql]      (only these figures, on a bench database of their own)

Both run with the provider on, whatever the environment says: a throwaway RSA signing key is
generated here, and the project's URLs are served with the provider mounted (bench/urls.py).

The authorization is a code-flow request with PKCE S256 from a confidential application
(registered with `register_application`, so it skips the consent screen), made by a person
already signed in at the portal (holding a seat). It goes once through the product's
`SeatAuthorizationView` and once through DOT's plain `AuthorizationView` with DOT's own
validator, both answering 302 to the redirect URI with a code, and the queries of each are
counted with the same user, the same application and the same middleware. The first
authorization of an application in a seat session opens its app session; the next ones find it
open: both are reported (`..._extra_queries` is the first, the costlier).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PASSWORD, log, make_company, make_users

AUTHORIZE = "/o/authorize/"
DOT_AUTHORIZE = "/bench/dot-authorize/"
LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
REDIRECT_URI = "https://bench-planner.example/callback"
SCOPE = "openid email profile"


def signing_key_pem() -> str:
    """A throwaway RSA key for ID and logout tokens (RS256, as a production key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@contextlib.contextmanager
def provider_on(key_pem: str, **overrides: object) -> Iterator[None]:
    """The provider as production runs it (DEBUG off), with this key and the bench's URLs."""
    from django.conf import settings
    from django.test.utils import override_settings

    oauth2 = {**settings.OAUTH2_PROVIDER, "OIDC_ENABLED": True, "OIDC_RSA_PRIVATE_KEY": key_pem}
    with override_settings(
        ROOT_URLCONF="bench.urls",
        SINGLE_SIGN_ON_ENABLED=True,
        OIDC_RSA_PRIVATE_KEY=key_pem,
        OAUTH2_PROVIDER=oauth2,
        **overrides,
    ):
        yield


def _authorization_query(client_id: str) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": SCOPE,
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
    )


def _authorize(client, path: str, client_id: str) -> list[str]:
    """One authorization through `path`; the SQL it ran. Fails unless it granted a code."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{path}?{_authorization_query(client_id)}")
    location = response.get("Location", "")
    answer = parse_qs(urlsplit(location).query)
    if response.status_code != 302 or not location.startswith(REDIRECT_URI) or "code" not in answer:
        raise RuntimeError(f"authorization at {path} answered {response.status_code} {location!r}")
    return [query["sql"] for query in captured.captured_queries]


def _signed_in_client(user):
    from django.test import Client

    client = Client()
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in of {user.email} answered {response.status_code}")
    return client


def authorization_queries(key_pem: str) -> tuple[dict[str, object], dict[str, list[str]]]:
    """The figures, and the SQL of each measured authorization (for a closer look)."""
    from sessions_seats.models import Seat
    from single_sign_on.models import AppSession
    from single_sign_on.services import register_application

    with provider_on(key_pem):
        company = make_company("bench-oidc", 10)
        warm_user, user = make_users(company, 2, "oidc")
        client_id = register_application("Bench Planner", [REDIRECT_URI]).application.client_id
        # Imports, URL resolution, DOT's cached servers, the content types: all filled before
        # anything is counted, on another person's seat.
        warm = _signed_in_client(warm_user)
        for path in (AUTHORIZE, DOT_AUTHORIZE, AUTHORIZE, DOT_AUTHORIZE):
            _authorize(warm, path, client_id)
        client = _signed_in_client(user)
        if not Seat.objects.open().filter(user=user).exists():
            raise RuntimeError("the measured person holds no seat")
        sql = {
            "dot_first": _authorize(client, DOT_AUTHORIZE, client_id),
            "seat_first": _authorize(client, AUTHORIZE, client_id),
            "dot_again": _authorize(client, DOT_AUTHORIZE, client_id),
            "seat_again": _authorize(client, AUTHORIZE, client_id),
        }
        opened = AppSession.objects.filter(seat_session__seat__user=user).count()
        if opened != 1:
            raise RuntimeError(f"the seat path opened {opened} app sessions, not 1")
        for signed_in in (warm, client):
            signed_in.post(LOGOUT)
    seat, dot = len(sql["seat_first"]), len(sql["dot_first"])
    figures = {
        "oidc_authorize_queries": seat,
        "dot_authorize_queries": dot,
        "oidc_authorize_extra_queries": seat - dot,
        "oidc_authorize_again_extra_queries": len(sql["seat_again"]) - len(sql["dot_again"]),
    }
    return figures, sql


def measure_authorize(key_pem: str | None = None) -> dict[str, object]:
    figures, _sql = authorization_queries(key_pem or signing_key_pem())
    return figures


def log_sql(sql: dict[str, list[str]]) -> None:
    for label, queries in sql.items():
        log(f"--- {label}: {len(queries)} queries")
        for number, query in enumerate(queries, 1):
            log(f"{number:3}. {query}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show-sql", action="store_true", help="log every measured query")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    from bench import common

    database = common.create_bench_database(keep=args.keep)
    started = time.perf_counter()
    try:
        common.setup_django(database.url)
        from bench import logout_fanout

        common.log(f"bench database: {database.vendor}; migrating")
        common.migrate()
        key_pem = signing_key_pem()
        figures: dict[str, object] = {"db": database.vendor}
        common.log("authorization queries: seat view vs DOT's AuthorizationView")
        authorize, sql = authorization_queries(key_pem)
        figures.update(authorize)
        if args.show_sql:
            log_sql(sql)
        common.log("back-channel logout fan-out: 1,000 seats x 3 applications")
        figures.update(logout_fanout.measure(key_pem))
    finally:
        from django.db import connections

        connections.close_all()
        database.cleanup()
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
