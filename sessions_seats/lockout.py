"""Brute-force protection (django-axes) as the sign-in page needs it.

Axes' backend refuses a locked-out email/ip pair, or address, before any password is checked, so
the form is invalid and `services.sign_in` never runs: a lockout can neither claim nor join a
seat.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import normalize_email

from .forms import EmailAuthenticationForm

# One message whichever lock holds: the page does not tell a password sprayer which one it hit.
LOCKOUT_MESSAGE = (
    "Too many failed sign-ins for this email, or from your network address. "
    "Wait {minutes} minutes and try again, or reset your password."
)


class PairAndAddressHandler(AxesDatabaseHandler):
    """Axes' database handler (every count is a row, so a lock holds on every host), locking an
    address as well as an email/ip pair.

    The pair is locked after AXES_FAILURE_LIMIT failures. Someone trying a few passwords on each
    of many emails (password spraying) never gets there, so the address itself is locked once
    its failures with any emails reach AXES_IP_FAILURE_LIMIT within the cool-off. That limit is
    higher: many honest people may share an address (an office behind one proxy), and a lock on
    it keeps all of them out.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        limit = get_failure_limit(request, credentials)
        if failures < limit and address_failures(request) >= settings.AXES_IP_FAILURE_LIMIT:
            # Axes locks when this figure reaches the pair's limit.
            return limit
        return failures


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's address within the cool-off, whatever the email."""
    ip_address = getattr(request, "axes_ip_address", None)
    if ip_address is None:
        return 0
    attempts = AccessAttempt.objects.filter(
        ip_address=ip_address, attempt_time__gte=get_cool_off_threshold(request)
    )
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


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
