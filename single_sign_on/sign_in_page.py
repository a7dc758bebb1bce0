"""Names the application on the portal's sign-in page when the sign-in is for it.

Registered with the engine's `add_sign_in_context` (the engine knows nothing of single sign-on):
when `next` is this provider's authorization URL, the page says "Sign in to <app>", and a
refusal says which app cannot be reached.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from oauth2_provider.models import Application

from .form_targets import allow_form_targets


def requested_application(next_url: str) -> Application | None:
    """The application a relative `next` URL to the authorization endpoint is for."""
    if not settings.SINGLE_SIGN_ON_ENABLED or not next_url:
        return None
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or parts.path != reverse("oauth2_provider:authorize"):
        return None
    client_id = parse_qs(parts.query).get("client_id", [""])[0]
    return Application.objects.filter(client_id=client_id).first() if client_id else None


def app_named_on_sign_in(request: HttpRequest) -> dict[str, object]:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    application = requested_application(next_url)
    if application is None:
        return {}
    # The page's forms (sign in, free a seat) redirect on to the application's callback.
    allow_form_targets(request, application.redirect_uris.split())
    return {"sign_in_to": application.name}
