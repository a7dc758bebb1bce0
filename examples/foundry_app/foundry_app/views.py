"""The application's pages: a public home, the signed-in work page, and the poll that lets the
work page notice at once that its session was ended by a back-channel logout."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .auth import SIGN_IN_KEY


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("work")
    return render(request, "foundry_app/home.html")


def signed_out(request: HttpRequest) -> HttpResponse:
    """Where a sign-in the portal refused or ended lands (the portal said why, on its own page)."""
    if request.user.is_authenticated:
        return redirect("work")
    return render(request, "foundry_app/signed_out.html")


@login_required
def work(request: HttpRequest) -> HttpResponse:
    return render(
        request, "foundry_app/work.html", {"sign_in": request.session.get(SIGN_IN_KEY, {})}
    )


@never_cache
def session_status(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"signed_in": request.user.is_authenticated})
