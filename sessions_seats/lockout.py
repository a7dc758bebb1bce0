"""Brute-force protection (django-axes) as the sign-in page needs it.

Axes' backend refuses a locked-out email/ip pair before any password is checked, so the form is
invalid and `services.sign_in` never runs: a lockout can neither claim nor join a seat.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import normalize_email

from .forms import EmailAuthenticationForm

LOCKOUT_MESSAGE = (
    "Too many failed sign-ins for this email from your network address. "
    "Wait {minutes} minutes and try again, or reset your password."
)


def username_of(request: HttpRequest, credentials: dict | None) -> str:
    """The email the lockout counts failures against: any case or padding is the same person."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_email(str(username))


def client_ip(request: HttpRequest) -> str | None:
    """The address failures are counted for.

    Behind our proxies it is the entry they added to X-Forwarded-For, counted from the right:
    anything to the left of it came from the client and could be made up to dodge the lockout.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def cooloff_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The sign-in page again with the reason, status 429 (Axes' lockout response)."""
    messages.error(request, LOCKOUT_MESSAGE.format(minutes=cooloff_minutes()))
    form = EmailAuthenticationForm(request, initial={"username": username_of(request, credentials)})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""  # the page is shown again; never echo a foreign target back into it
    response = TemplateResponse(
        request, "registration/login.html", {"form": form, "next": next_url}, status=429
    )
    return response.render()
