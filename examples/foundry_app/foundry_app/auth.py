"""Signing in through the portal with mozilla-django-oidc.

People are matched on the provider's stable `sub`, not on their email address, which may change.
The sign-in's `sid` is recorded with this application's session key, so that a back-channel
logout naming that `sid` ends the session (`backchannel.py`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.http import HttpRequest
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .models import PortalSignIn

# What the pages show about the sign-in, kept in this application's session.
SIGN_IN_KEY = "portal_sign_in"


def username_for(sub: str) -> str:
    return f"portal-{sub}"


class PortalBackend(OIDCAuthenticationBackend):
    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        userinfo = super().get_userinfo(access_token, id_token, payload)
        company = userinfo.get("company") or {}
        self.request.session[SIGN_IN_KEY] = {
            "sid": payload.get("sid", ""),
            "sub": payload["sub"],
            "name": userinfo.get("name", ""),
            "email": userinfo.get("email", ""),
            "company": company.get("name", "") if isinstance(company, dict) else "",
            "role": userinfo.get("role", ""),
        }
        return {**userinfo, "sub": payload["sub"]}

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return self.UserModel.objects.filter(username=username_for(claims["sub"]))

    def create_user(self, claims: dict[str, Any]) -> Any:
        user = self.UserModel(username=username_for(claims["sub"]))
        user.set_unusable_password()
        return self.update_user(user, claims)

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        user.email = claims.get("email", "")
        user.first_name = claims.get("name", "")[:150]
        user.save()
        return user


def portal_logout_url(request: HttpRequest) -> str:
    """The portal's end-session address: it ends the person's sign-in there, which frees the
    license and signs them out of every other application too."""
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("home")),
    }
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return f"{settings.OIDC_OP_END_SESSION_ENDPOINT}?{urlencode(params)}"


def _record_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    sign_in = request.session.get(SIGN_IN_KEY)
    if sign_in and sign_in.get("sid") and request.session.session_key:
        PortalSignIn.objects.update_or_create(
            session_key=request.session.session_key,
            defaults={"sid": sign_in["sid"], "sub": sign_in["sub"]},
        )


def _forget_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if request.session.session_key:
        PortalSignIn.objects.filter(session_key=request.session.session_key).delete()


def connect_signals() -> None:
    user_logged_in.connect(_record_sign_in, dispatch_uid="foundry_app_record_sign_in")
    user_logged_out.connect(_forget_sign_in, dispatch_uid="foundry_app_forget_sign_in")
