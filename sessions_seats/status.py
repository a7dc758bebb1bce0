"""What an open portal page polls and posts: is the browser still signed in, is a sign-out coming,
how much idle time is left; "Stay signed in"; and the idle sign-out when the countdown ends.

Polling is not activity (see `middleware.not_activity`): a page left open must not keep its seat.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.http import signed_in_user

from . import services
from .binding import SEAT_SESSION_ID, SEAT_TOUCHED_AT
from .middleware import not_activity
from .models import SeatSession
from .selectors import idle_deadline, idle_timeout_of


def _signed_out() -> JsonResponse:
    # 401, not a redirect: the page's script loads the sign-in page, which says why.
    return JsonResponse({"authenticated": False, "login_url": reverse("login")}, status=401)


def _status(request: HttpRequest) -> JsonResponse:
    user = signed_in_user(request)  # the views answer anonymous requests themselves
    now = timezone.now()
    body: dict[str, object] = {
        "authenticated": True,
        "takes_seat": user.takes_seat,
        "server_time": now.isoformat(),
        "logout_scheduled_at": None,
        "seconds_until_logout": None,
        "idle_timeout_minutes": None,
        "idle_seconds_left": None,
        "idle_warning_seconds": settings.SEAT_IDLE_WARNING_SECONDS,
    }
    if not user.takes_seat:
        return JsonResponse(body)
    seat_session_id = request.session.get(SEAT_SESSION_ID)
    if seat_session_id is None:
        # No seat session bound (the middleware signs such a session out): none to report on.
        return _signed_out()
    seat_session = (
        SeatSession.objects.open()
        .select_related("seat__company")
        .filter(pk=seat_session_id)
        .first()
    )
    if seat_session is None:
        # Ended between the middleware's check and here: the next request signs it out.
        return _signed_out()
    seat = seat_session.seat
    body["idle_timeout_minutes"] = idle_timeout_of(seat.company)
    body["idle_seconds_left"] = max(0, int((idle_deadline(seat_session) - now).total_seconds()))
    if seat.logout_scheduled_at is not None:
        body["logout_scheduled_at"] = seat.logout_scheduled_at.isoformat()
        body["seconds_until_logout"] = max(0, int((seat.logout_scheduled_at - now).total_seconds()))
    return JsonResponse(body)


@not_activity
@never_cache
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return _signed_out()
    return _status(request)


@never_cache
@require_POST
def stay_signed_in(request: HttpRequest) -> JsonResponse:
    """The idle warning's "Stay signed in": activity now, whatever the activity window says."""
    if not request.user.is_authenticated:
        return _signed_out()
    seat_session_id = request.session.get(SEAT_SESSION_ID)
    if seat_session_id is not None:
        if not services.touch_seat_session(seat_session_id):
            return _signed_out()
        request.session[SEAT_TOUCHED_AT] = time.time()
    return _status(request)


@not_activity
@never_cache
@require_POST
def idle_sign_out(request: HttpRequest) -> JsonResponse:
    """The idle warning's countdown reached zero: sign out now if the user really was idle."""
    if not request.user.is_authenticated:
        return _signed_out()
    seat_session_id = request.session.get(SEAT_SESSION_ID)
    if seat_session_id is not None and services.end_if_idle(seat_session_id):
        # The Django session is gone now; the sign-in page explains the idle sign-out.
        return _signed_out()
    return _status(request)
