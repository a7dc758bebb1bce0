"""Keeps every authenticated company session tied to an open seat session (DESIGN.md rule 4).

Inside the activity window a request costs no query: the window's start is kept in the session,
which the authentication middleware has loaded already. Once the window is over, one UPDATE records
the activity and proves the seat session is still open; the session then saves the new timestamp.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from .explanations import NO_SEAT_MESSAGE, why_signed_out
from .models import SeatSession
from .services import SEAT_SESSION_ID, SEAT_TOUCHED_AT, touch_seat_session


class SeatMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            refused = self._check_seat(request)
            if refused is not None:
                return refused
        else:
            self._explain_ended_session(request)
        return self.get_response(request)

    def _check_seat(self, request: HttpRequest) -> HttpResponse | None:
        if not request.user.takes_seat:
            return None
        session = request.session
        seat_session_id = session.get(SEAT_SESSION_ID)
        if seat_session_id is None:
            return self._sign_out(request, NO_SEAT_MESSAGE)
        now = time.time()
        if now - session.get(SEAT_TOUCHED_AT, 0) < settings.SEAT_ACTIVITY_WINDOW_SECONDS:
            return None
        if touch_seat_session(seat_session_id):
            session[SEAT_TOUCHED_AT] = now
            return None
        ended = (
            SeatSession.objects.select_related("seat__company").filter(pk=seat_session_id).first()
        )
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
        ended = (
            SeatSession.objects.select_related("seat__company")
            .filter(session_key=cookie_key, ended_at__isnull=False)
            .first()
        )
        message = ended and why_signed_out(ended)
        if message:
            messages.warning(request, message)
