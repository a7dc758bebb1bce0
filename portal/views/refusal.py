"""What a refused user can do from the sign-in page: free a seat (company admins), or be emailed
when one frees up. They are not signed in: a single-use proof of their password check stands in."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.time_zones import zone_of
from sessions_seats.forced_logout import UNSAVED_WORK_WARNING
from sessions_seats.services import Refusal

from .. import proofs, refusal, selectors
from ..forms import FreeSeatForm, PickHolderForm, ProofForm


def _back_to_sign_in(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("login")


def _render_free_seat_confirm(
    request: HttpRequest, form: FreeSeatForm, admin: User, seat_id: int, status: int = 200
) -> HttpResponse:
    holder = next(
        (h for h in selectors.seat_holders(admin.own_company) if h.seat.pk == seat_id),
        None,
    )
    if holder is None:
        return _back_to_sign_in(request, "That seat is not held any more. Try signing in again.")
    context = {
        "form": form,
        "holder": holder,
        "admin": admin,
        "warning": UNSAVED_WORK_WARNING,
        # The admin is not signed in yet: no zone is active, so the page names the company's.
        "time_zone": zone_of(admin.own_company),
    }
    return render(request, "portal/free_seat_confirm.html", context, status=status)


@require_POST
def free_seat_pick(request: HttpRequest) -> HttpResponse:
    """Step 1: the admin picked a holder on the refusal page; show the warning to confirm."""
    if request.user.is_authenticated:
        return redirect("home")
    pick = PickHolderForm(request.POST)
    if not pick.is_valid():
        return _back_to_sign_in(request, "Pick whose seat to free.")
    try:
        proof = refusal.admin_proof(pick.cleaned_data["token"])
        refusal.seat_to_free(proof.user, pick.cleaned_data["seat"])
    except (proofs.ProofRefused, refusal.SeatNotFree) as refused:
        return _back_to_sign_in(request, str(refused))
    form = FreeSeatForm(initial=pick.cleaned_data)
    return _render_free_seat_confirm(request, form, proof.user, pick.cleaned_data["seat"])


@require_POST
def free_seat(request: HttpRequest) -> HttpResponse:
    """Step 2: reason and acknowledgement given; free the seat and sign the admin in on it."""
    if request.user.is_authenticated:
        return redirect("home")
    form = FreeSeatForm(request.POST)
    pick = PickHolderForm(request.POST)
    if not pick.is_valid():
        return _back_to_sign_in(request, "Pick whose seat to free.")
    token, seat_id = pick.cleaned_data["token"], pick.cleaned_data["seat"]
    try:
        proof = refusal.admin_proof(token)
        if not form.is_valid():
            return _render_free_seat_confirm(request, form, proof.user, seat_id, status=400)
        result = refusal.free_seat_and_sign_in(
            request, token=token, seat_id=seat_id, reason=form.cleaned_data["reason"]
        )
    except (proofs.ProofRefused, refusal.SeatNotFree, PermissionDenied) as refused:
        return _back_to_sign_in(request, str(refused))
    if isinstance(result, Refusal):
        return _back_to_sign_in(
            request, "You could not be signed in, so nobody was signed out. Try signing in again."
        )
    messages.success(
        request,
        f"You signed {result.holder.get_full_name()} out and are now signed in on the freed seat.",
    )
    return redirect("home")


@require_POST
def seat_wish(request: HttpRequest) -> HttpResponse:
    """ "Email me when a seat frees up", from the refusal page."""
    form = ProofForm(request.POST)
    if not form.is_valid():
        return _back_to_sign_in(request, "This link is not valid. Please sign in again.")
    try:
        wish, created = refusal.wish_for_a_seat(form.cleaned_data["token"])
    except proofs.ProofRefused as refused:
        return _back_to_sign_in(request, str(refused))
    if created:
        messages.success(
            request,
            f"We will email {wish.user.email} once, when a seat at {wish.company.name} frees up.",
        )
    else:
        messages.info(
            request, "You are already on the list: we will email you once a seat frees up."
        )
    return redirect("login")
