"""What an open portal page polls: is the browser still signed in, is a sign-out coming, and how
much idle time is left. Polling is not activity (see `middleware.not_activity`)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .middleware import not_activity
from .models import SeatSession
from .selectors import idle_timeout_of
from .services import SEAT_SESSION_ID


@not_activity
@never_cache
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        # 401, not a redirect: the page's script reloads, and the reload shows the sign-in
        # page with the reason the seat engine recorded.
        return JsonResponse({"authenticated": False, "login_url": reverse("login")}, status=401)
    now = timezone.now()
    body: dict[str, object] = {
        "authenticated": True,
        "takes_seat": request.user.takes_seat,
        "server_time": now.isoformat(),
        "logout_scheduled_at": None,
        "seconds_until_logout": None,
        "idle_timeout_minutes": None,
        "idle_seconds_left": None,
    }
    if not request.user.takes_seat:
        return JsonResponse(body)
    seat_session = (
        SeatSession.objects.select_related("seat__company")
        .filter(pk=request.session.get(SEAT_SESSION_ID), ended_at__isnull=True)
        .first()
    )
    if seat_session is None:
        # Ended between the middleware's check and here: the next request signs it out.
        return JsonResponse({"authenticated": False, "login_url": reverse("login")}, status=401)
    seat = seat_session.seat
    timeout = idle_timeout_of(seat.company)
    idle = (now - seat_session.last_activity).total_seconds()
    body["idle_timeout_minutes"] = timeout
    body["idle_seconds_left"] = max(0, int(timeout * 60 - idle))
    if seat.logout_scheduled_at is not None:
        body["logout_scheduled_at"] = seat.logout_scheduled_at.isoformat()
        body["seconds_until_logout"] = max(0, int((seat.logout_scheduled_at - now).total_seconds()))
    return JsonResponse(body)
