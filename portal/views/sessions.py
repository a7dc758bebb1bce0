"""My sessions: the devices a person is signed in on, and signing them out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from common.text import plural
from sessions_seats import selectors as seat_selectors
from sessions_seats.binding import SEAT_SESSION_ID
from sessions_seats.explanations import logged_out_message
from sessions_seats.services import sign_out

from .. import selectors, services


@require_GET
@login_required
def my_sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "devices": seat_selectors.open_sessions_of(request.user),
        "current_id": request.session.get(SEAT_SESSION_ID),
    }
    return render(request, "portal/my_sessions.html", context)


@require_POST
@login_required
def my_session_sign_out(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    device = selectors.my_open_session(request.user, session_id)
    if device is None:
        raise Http404("No such device of yours.")
    if device.pk == request.session.get(SEAT_SESSION_ID):
        # This very browser: a plain log out, which also clears its cookie.
        user = request.user
        sign_out(request)
        messages.success(request, logged_out_message(user))
        return redirect("login")
    services.sign_out_my_devices(user=request.user, seat_session_ids=[device.pk])
    messages.success(request, "That device is logged out.")
    return redirect("portal:my_sessions")


@require_POST
@login_required
def my_sessions_sign_out_others(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = request.session.get(SEAT_SESSION_ID)
    others = [d.pk for d in seat_selectors.open_sessions_of(request.user) if d.pk != current]
    ended = services.sign_out_my_devices(user=request.user, seat_session_ids=others)
    if ended.sessions:
        messages.success(request, f"Logged out {plural(ended.sessions, 'other device')}.")
    else:
        messages.info(request, "No other device was signed in.")
    return redirect("portal:my_sessions")
