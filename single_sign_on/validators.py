"""django-oauth-toolkit's validator, bound to seat sessions.

Every authorization code, access token and refresh token is issued under an app session, itself
under the seat session of the browser that authorized (`AppSessionCredential`). Each check of a
code or token also checks that seat session: once it ends (logout, idle, forced, license), the
application's codes, access tokens and refresh tokens stop working (invalid_grant /
invalid_token), and the ID token and userinfo name it with `sid`.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.models import Grant
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from accounts.models import User

from . import services
from .claims import session_id_claim, subject_claim
from .models import AppSession


def _app_session_of(request: Any) -> AppSession:
    app_session = getattr(request, "app_session", None)
    if app_session is None:
        # Every grant this provider accepts is checked against a live app session first;
        # anything else is refused rather than issued unbound.
        raise errors.AccessDeniedError(request=request)
    return app_session


class SeatBoundValidator(OAuth2Validator):
    # Which scope releases which claim (DOT's table, and ours).
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "sid": "openid",
        "company": "profile",
        "role": "profile",
    }

    # --- prompt=none (the library leaves these to the project) ---------------------------
    def validate_silent_login(self, request: Any) -> bool:
        # Reached only by a signed-in browser: the authorization view requires sign-in (a
        # signed-out one gets login_required there), and the seat middleware has checked its
        # seat session, recording the activity once per window, before the view ran.
        return True

    def validate_silent_authorization(self, request: Any) -> bool:
        # Without a consent screen to show, only applications that skip it may answer silently.
        return bool(getattr(request.client, "skip_authorization", False))

    # --- Authorization codes -------------------------------------------------------------
    def _create_authorization_code(
        self, request: Any, code: dict[str, str], expires: Any = None
    ) -> Grant:
        app_session_id = getattr(request, "app_session_id", None)
        if app_session_id is None:
            raise errors.AccessDeniedError(request=request)
        grant = super()._create_authorization_code(request, code, expires)
        services.link(app_session_id, grant=grant)
        return grant

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        grant = Grant.objects.filter(code=code, application=client).first()
        app_session = grant and services.live_app_session(grant=grant)
        if app_session is None:
            return False
        request.app_session = app_session
        return True

    # --- Tokens --------------------------------------------------------------------------
    def _create_access_token(
        self, expires: Any, request: Any, token: Any, source_refresh_token: Any = None
    ) -> Any:
        app_session = _app_session_of(request)
        access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        services.link(app_session.pk, access_token=access_token)
        return access_token

    def _create_refresh_token(
        self, request: Any, refresh_token_code: str, access_token: Any, previous_refresh_token: Any
    ) -> Any:
        app_session = _app_session_of(request)
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        services.link(app_session.pk, refresh_token=refresh_token)
        return refresh_token

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        app_session = services.live_app_session(refresh_token=request.refresh_token_instance)
        if app_session is None or not services.record_app_activity(app_session):
            return False
        request.app_session = app_session
        return True

    def validate_bearer_token(self, token: str, scopes: Any, request: Any) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        app_session = services.live_app_session(access_token=request.access_token)
        if app_session is None:
            return False
        request.app_session = app_session
        return True

    # --- Claims (ID token and userinfo) --------------------------------------------------
    def get_claim_dict(self, request: Any) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_claim_dict(request)
        claims["sub"] = subject_claim(request.user.pk)
        return claims

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user: User = request.user
        app_session = _app_session_of(request)
        claims: dict[str, Any] = {
            "sid": session_id_claim(app_session.seat_session_id),
            "email": user.email,
            "name": user.get_full_name(),
            "role": user.role,
        }
        if user.company is not None:
            claims["company"] = {
                "id": str(user.company.pk),
                "slug": user.company.slug,
                "name": user.company.name,
            }
        return claims
