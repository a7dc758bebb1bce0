"""The provider's two browser-facing endpoints, bound to the license engine.

- Authorization: django-oauth-toolkit's view behind the portal's own sign-in (LOGIN_URL): a
  browser not signed in goes through the normal sign-in, which claims the seat or refuses it. A
  signed-in company user joins their seat session: the application gets an app session under it
  and takes no seat of its own. Staff hold no seat (docs/DESIGN.md rule 2), so they cannot sign
  in to licensed applications through the portal: they get a page saying so.
- RP-initiated logout: ends this browser's seat session the way the portal's own "Log out" does
  (`sessions_seats.services.sign_out`), so its seat is released when it was the last device.
- Discovery: DOT's document, which also says that back-channel logout is supported.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from oauth2_provider.models import Application
from oauth2_provider.views import (
    AuthorizationView,
    ConnectDiscoveryInfoView,
    RPInitiatedLogoutView,
    UserInfoView,
)

from accounts.http import signed_in_user
from sessions_seats import binding
from sessions_seats.services import sign_out

from . import services
from .form_targets import allow_form_targets


class SeatAuthorizationView(AuthorizationView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not signed_in_user(request).takes_seat:
            application = Application.objects.filter(
                client_id=request.GET.get("client_id", "")
            ).first()
            return render(
                request,
                "single_sign_on/no_seat.html",
                {"application": application},
                status=403,
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The consent form (public clients) redirects to the application once answered.
        application = kwargs.get("application")
        if application is not None:
            allow_form_targets(self.request, application.redirect_uris.split())
        return super().get_context_data(**kwargs)

    def create_authorization_response(
        self, request: HttpRequest, scopes: str, credentials: dict[str, Any], allow: bool
    ) -> Any:
        if allow:
            # The seat middleware has checked this browser's seat session before the view ran.
            seat_session_id = binding.seat_session_id_of(request.session)
            if seat_session_id is None:
                raise PermissionDenied
            app_session_id = services.open_app_session(seat_session_id, credentials["client_id"])
            if app_session_id is None:
                raise PermissionDenied
            credentials = {**credentials, "app_session_id": app_session_id}
        return super().create_authorization_response(request, scopes, credentials, allow)


class SeatLogoutView(RPInitiatedLogoutView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The confirmation form redirects to the application's post-logout URI once answered.
        application = kwargs.get("application")
        if application is not None:
            allow_form_targets(self.request, application.post_logout_redirect_uris.split())
        return super().get_context_data(**kwargs)

    def do_logout(
        self,
        application: Application | None = None,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        token_user: Any = None,
    ) -> HttpResponse:
        if self.request.user.is_authenticated:
            # Ending the seat session ends its app sessions and tells every application signed
            # in under it, this one included (`backchannel.on_seat_sessions_ended`).
            sign_out(self.request)
        # DOT's own: Django's logout again (a no-op now) and the redirect to the application.
        return super().do_logout(application, post_logout_redirect_uri, state, token_user)


class HeaderTokenUserInfoView(UserInfoView):
    """Userinfo with the access token in the Authorization header (or a form body) only.

    The library checks the RFC 9700 transport rule on protected resources but not here: a token in
    a URL ends up in logs and browser history."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "access_token" in request.GET:
            return JsonResponse(
                {
                    "error": "invalid_request",
                    "error_description": "Send the access token in the Authorization header.",
                },
                status=400,
            )
        return super().dispatch(request, *args, **kwargs)


class BackchannelDiscoveryInfoView(ConnectDiscoveryInfoView):
    """DOT's discovery document (3.4.1 has no hook for extra metadata), plus back-channel
    logout: logout tokens carry `sid` (Back-Channel Logout 1.0, section 2.1). Served only when
    single sign-on is on, like every URL of the provider."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        document = json.loads(response.content)
        document["backchannel_logout_supported"] = True
        document["backchannel_logout_session_supported"] = True
        answer = JsonResponse(document)
        answer["Access-Control-Allow-Origin"] = response["Access-Control-Allow-Origin"]
        return answer
