"""Keeps every authenticated company session tied to an open seat session (docs/DESIGN.md rule 4).

Inside the activity window a request costs no query: the window's start is kept in the session,
which the authentication middleware has loaded already. Once the window is over, one UPDATE records
the activity and proves the seat session is still open; the session then saves the new timestamp.

Views marked `@not_activity` (background polling) are checked the same way but never record
activity: a page left open in a tab must not keep its seat forever.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from accounts.http import signed_in_user

from .binding import SEAT_SESSION_ID, SEAT_TOUCHED_AT
from .explanations import NO_SEAT_MESSAGE, why_signed_out
from .models import SeatSession
from .services import touch_seat_session

V = TypeVar("V", bound=Callable[..., Any])


def not_activity(view: V) -> V:
    """Mark a view whose requests do not count as the user's activity (e.g. status polling)."""
    view.counts_as_activity = False  # type: ignore[attr-defined]
    return view


def _explained() -> QuerySet[SeatSession]:
    """Seat sessions with what `why_signed_out` reads: the company, who ended it, and the person
    with who deactivated them."""
    return SeatSession.objects.select_related(
        "seat__company", "ended_by", "seat__user__company", "seat__user__deactivated_by"
    )


class SeatMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            self._explain_ended_session(request)
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple,
        view_kwargs: dict,
    ) -> HttpResponse | None:
        # The seat is checked here rather than in __call__ because only here is the view known,
        # and whether a request counts as activity is the view's call.
        if not request.user.is_authenticated:
            return None
        return self._check_seat(request, getattr(view_func, "counts_as_activity", True))

    def _check_seat(self, request: HttpRequest, counts_as_activity: bool) -> HttpResponse | None:
        if not signed_in_user(request).takes_seat:
            return None
        session = request.session
        seat_session_id = session.get(SEAT_SESSION_ID)
        if seat_session_id is None:
            return self._sign_out(request, NO_SEAT_MESSAGE)
        now = time.time()
        if now - session.get(SEAT_TOUCHED_AT, 0) < settings.SEAT_ACTIVITY_WINDOW_SECONDS:
            return None
        if not counts_as_activity:
            # Still open? Then leave last_activity and the window as they are.
            if SeatSession.objects.open().filter(pk=seat_session_id).exists():
                return None
        elif touch_seat_session(seat_session_id):
            session[SEAT_TOUCHED_AT] = now
            return None
        ended = _explained().filter(pk=seat_session_id).first()
        return self._sign_out(request, (ended and why_signed_out(ended)) or NO_SEAT_MESSAGE)

    def _sign_out(self, request: HttpRequest, message: str) -> HttpResponse:
        logout(request)
        messages.warning(request, message)
        return redirect_to_login(request.get_full_path())

    def _explain_ended_session(self, request: HttpRequest) -> None:
        """A browser whose session the engine deleted still sends the old cookie: say why."""
        cookie_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not cookie_key or request.session.session_key is not None:
            return
        ended = _explained().filter(session_key=cookie_key, ended_at__isnull=False).first()
        message = ended and why_signed_out(ended)
        if message:
            messages.warning(request, message)
