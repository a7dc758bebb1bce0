"""The home page: the company's seats, the user's devices, whom to ask for more licenses."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.time_zones import site_today
from common.links import page_path
from sessions_seats import selectors as seat_selectors

from .. import license_requests


@require_GET
@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {"user": user, "staff_console_url": page_path("staff:console")}
    if user.takes_seat:
        company = user.own_company
        context.update(
            company=company,
            capacity=seat_selectors.capacity_of(company, site_today()),
            in_use=seat_selectors.seats_in_use(company),
            devices=seat_selectors.open_sessions_of(user),
            contact=seat_selectors.contact_for(company),
            current_session_key=request.session.session_key,
            **license_requests.home_context(user),
        )
    return render(request, "portal/home.html", context)
