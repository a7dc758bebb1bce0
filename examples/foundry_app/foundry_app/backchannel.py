"""OpenID Connect Back-Channel Logout 1.0, the receiving end: the portal POSTs a logout token
when a sign-in ends there (logout, idle, forced by support or a company admin, license ended),
and every session of this application under that sign-in ends at once.

The token is validated as the specification's section 2.6 asks: signed by a key of the provider's
JWKS, with this application's client id as `aud`, the issuer, a recent `iat`, the back-channel
logout event, a `sid` or `sub`, and no `nonce` (so an ID token cannot pass for a logout token).
A replayed token is harmless here (ending ended sessions changes nothing), so `jti` is not kept.
"""

from __future__ import annotations

import logging
import time
from functools import cache
from importlib import import_module
from typing import Any

import jwt
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import PortalSignIn

logger = logging.getLogger(__name__)

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_AGE_SECONDS = 300


class InvalidLogoutToken(Exception):
    pass


@cache
def _jwks_client() -> jwt.PyJWKClient:
    # Keys are cached, and fetched again when a token names a key id not yet seen (rotation).
    return jwt.PyJWKClient(settings.OIDC_OP_JWKS_ENDPOINT, cache_keys=True, timeout=10)


def validated_claims(token: str) -> dict[str, Any]:
    try:
        if jwt.get_unverified_header(token).get("alg") != settings.OIDC_RP_SIGN_ALGO:
            raise InvalidLogoutToken("unexpected signing algorithm")
        key = _jwks_client().get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=[settings.OIDC_RP_SIGN_ALGO],
            audience=settings.OIDC_RP_CLIENT_ID,
            issuer=settings.OIDC_ISSUER,
            leeway=30,
            options={"require": ["iss", "aud", "iat", "jti", "events"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidLogoutToken(str(error)) from error
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise InvalidLogoutToken("not a back-channel logout event")
    if "nonce" in claims:
        raise InvalidLogoutToken("a logout token has no nonce")
    if not claims.get("sid") and not claims.get("sub"):
        raise InvalidLogoutToken("neither sid nor sub")
    if claims["iat"] < time.time() - MAX_AGE_SECONDS:
        raise InvalidLogoutToken("issued too long ago")
    return claims


def end_signed_in_sessions(sid: str | None, sub: str | None) -> int:
    """End this application's sessions of that sign-in (`sid`), or of that person (`sub` only)."""
    records = PortalSignIn.objects.filter(sid=sid) if sid else PortalSignIn.objects.filter(sub=sub)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(records.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    records.delete()
    return len(keys)


@csrf_exempt  # Server to server: the signed token is the proof, not a browser's cookie.
@require_POST
def backchannel_logout(request: HttpRequest) -> JsonResponse:
    token = request.POST.get("logout_token", "")
    try:
        claims = validated_claims(token)
    except InvalidLogoutToken as error:
        logger.warning("Refused a logout token: %s", error)
        response = JsonResponse(
            {"error": "invalid_request", "error_description": str(error)}, status=400
        )
    else:
        ended = end_signed_in_sessions(claims.get("sid"), claims.get("sub"))
        logger.info("Back-channel logout for sid %s: %s session(s) ended", claims.get("sid"), ended)
        response = JsonResponse({})
    response["Cache-Control"] = "no-store"
    return response
