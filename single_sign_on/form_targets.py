"""Lets a page's forms end at a registered application, and only there.

The portal's policy says `form-action 'self'`, and browsers apply form-action to every redirect
that follows a submit. Signing in for an application posts the portal's form, which redirects to
the authorization endpoint and on to the application's redirect URI: the last hop was blocked.
So were the consent form of public clients and the logout confirmation (which redirects to the
application's post-logout URI). A page whose forms may end at an application allows that
application's origins in form-action, for that response only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse

_ATTRIBUTE = "_single_sign_on_form_targets"


def allow_form_targets(request: HttpRequest, uris: Iterable[str]) -> None:
    """Allow forms of the page answering `request` to end at the origins of these URIs."""
    origins = set(getattr(request, _ATTRIBUTE, ()))
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme in {"http", "https"} and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    setattr(request, _ATTRIBUTE, origins)


class FormTargetsMiddleware:
    """Adds the allowed origins to the response's policy. Sits inside django-csp's middleware,
    which reads `_csp_update` when the response passes it on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        origins = getattr(request, _ATTRIBUTE, None)
        if origins:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *sorted(origins)]
            response._csp_update = update  # type: ignore[attr-defined]
        return response
