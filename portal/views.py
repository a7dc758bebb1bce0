"""The customer portal's pages. Thin: permissions and forms here, rules in services/selectors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from sessions_seats import selectors as seat_selectors
from sessions_seats.services import SEAT_SESSION_ID, Refusal, sign_out
from sessions_seats.views import SeatLoginView
from support.services import (
    UNSAVED_WORK_ACKNOWLEDGEMENT,
    UNSAVED_WORK_NOT_ACKNOWLEDGED,
    UNSAVED_WORK_WARNING,
)

from . import proofs, selectors, services, upgrades
from .forms import AddUserForm, FreeSeatForm, PickHolderForm, ProofForm, RoleForm, UserSearchForm

USERS_PER_PAGE = 20


def company_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in as a company admin, or 403; a hidden link is not a permission."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_company_admin:
            raise PermissionDenied("Only company admins can manage users.")
        return view(request, *args, **kwargs)

    return wrapper


def _message_validation_error(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- Home -----------------------------------------------------------------------------------


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {"user": user}
    if user.takes_seat:
        company = user.company
        context.update(
            company=company,
            capacity=seat_selectors.capacity_of(company),
            in_use=seat_selectors.seats_in_use(company),
            devices=seat_selectors.open_sessions_of(user),
            contact=seat_selectors.contact_for(company),
            current_session_key=request.session.session_key,
            **upgrades.home_context(user),
        )
    return render(request, "portal/home.html", context)


# --- The sign-in page and what a refused user can do from it ---------------------------------


class PortalLoginView(SeatLoginView):
    """The sign-in page; when every seat is taken it offers the next steps, proven by a token."""

    def refusal_context(self, user: User, refusal: Refusal) -> dict[str, object]:
        if not refusal.seats_full:
            return {}
        context: dict[str, object] = {
            # "Request more licenses" (company admins) or whom to ask (members).
            **upgrades.refusal_context(user),
            "wish_token": proofs.issue_proof(user, proofs.SEAT_WISH),
            "pending_wish": selectors.pending_wish_of(user),
            "refused_user": user,
        }
        if user.is_company_admin:
            context.update(
                holders=selectors.seat_holders(refusal.company),
                free_seat_token=proofs.issue_proof(user, proofs.FREE_SEAT),
                proof_minutes=max(1, settings.PORTAL_SIGN_IN_PROOF_MAX_AGE_SECONDS // 60),
            )
        return context


def _back_to_sign_in(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("login")


def _render_free_seat_confirm(
    request: HttpRequest, form: FreeSeatForm, admin: User, seat_id: int, status: int = 200
) -> HttpResponse:
    holder = next(
        (h for h in selectors.seat_holders(admin.company) if h.seat.pk == seat_id),
        None,
    )
    if holder is None:
        return _back_to_sign_in(request, "That seat is not held any more. Try signing in again.")
    context = {
        "form": form,
        "holder": holder,
        "admin": admin,
        "warning": UNSAVED_WORK_WARNING,
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
        proof = services.admin_proof(pick.cleaned_data["token"])
        services.seat_to_free(proof.user, pick.cleaned_data["seat"])
    except (proofs.ProofRefused, services.SeatNotFree) as refused:
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
        proof = services.admin_proof(token)
        if not form.is_valid():
            return _render_free_seat_confirm(request, form, proof.user, seat_id, status=400)
        result = services.free_seat_and_sign_in(
            request, token=token, seat_id=seat_id, reason=form.cleaned_data["reason"]
        )
    except (proofs.ProofRefused, services.SeatNotFree, PermissionDenied) as refused:
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
        wish, created = services.wish_for_a_seat(form.cleaned_data["token"])
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


# --- Security → Users and Roles ---------------------------------------------------------------


@require_GET
@company_admin_required
def users(request: HttpRequest) -> HttpResponse:
    search = UserSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    paginator = Paginator(selectors.company_users(request.user.company, query), USERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context = {"search": search, "query": query, "page": page, "company": request.user.company}
    return render(request, "portal/users.html", context)


@require_http_methods(["GET", "POST"])
@company_admin_required
def user_add(request: HttpRequest) -> HttpResponse:
    form = AddUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.add_company_user(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Added {user.get_full_name()}. We emailed {user.email} a link to set a password.",
            )
            return redirect("portal:users")
    status = 400 if form.errors else 200
    return render(request, "portal/user_add.html", {"form": form}, status=status)


def _company_user_or_404(request: HttpRequest, user_id: int) -> User:
    user = selectors.company_user(request.user.company, user_id)
    if user is None:
        raise Http404("No such user in your company.")
    return user


@require_GET
@company_admin_required
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _company_user_or_404(request, user_id)
    context = {
        "person": person,
        "role_form": RoleForm(initial={"role": person.role}),
        "devices": seat_selectors.open_sessions_of(person),
        "warning": UNSAVED_WORK_WARNING,
        "acknowledgement": UNSAVED_WORK_ACKNOWLEDGEMENT,
    }
    return render(request, "portal/user_detail.html", context)


@require_POST
@company_admin_required
def user_role(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _company_user_or_404(request, user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role: company admin or member.")
        return redirect("portal:user", user_id=person.pk)
    try:
        services.change_role(actor=request.user, user=person, role=form.cleaned_data["role"])
    except ValidationError as error:
        _message_validation_error(request, error)
    else:
        messages.success(request, f"{person.get_full_name()} is now: {person.get_role_display()}.")
    return redirect("portal:user", user_id=person.pk)


@require_POST
@company_admin_required
def user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _company_user_or_404(request, user_id)
    if request.POST.get("acknowledge") != "on":
        messages.error(request, UNSAVED_WORK_NOT_ACKNOWLEDGED)
        return redirect("portal:user", user_id=person.pk)
    try:
        signed_out = services.deactivate_user(actor=request.user, user=person)
    except ValidationError as error:
        _message_validation_error(request, error)
    else:
        ended = " and signed them out everywhere" if signed_out else ""
        messages.success(request, f"Deactivated {person.get_full_name()}{ended}.")
    return redirect("portal:user", user_id=person.pk)


@require_POST
@company_admin_required
def user_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _company_user_or_404(request, user_id)
    services.reactivate_user(actor=request.user, user=person)
    messages.success(request, f"{person.get_full_name()} can sign in again.")
    return redirect("portal:user", user_id=person.pk)


@require_POST
@company_admin_required
def user_invite(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _company_user_or_404(request, user_id)
    if not person.is_active:
        messages.error(request, "Reactivate this user before sending them a link.")
        return redirect("portal:user", user_id=person.pk)
    services.send_set_password_email(person)
    messages.success(request, f"We emailed {person.email} a link to set a password.")
    return redirect("portal:user", user_id=person.pk)


# --- My sessions --------------------------------------------------------------------------------


@require_GET
@login_required
def my_sessions(request: HttpRequest) -> HttpResponse:
    context = {
        "devices": seat_selectors.open_sessions_of(request.user),
        "current_id": request.session.get(SEAT_SESSION_ID),
    }
    return render(request, "portal/my_sessions.html", context)


@require_POST
@login_required
def my_session_sign_out(request: HttpRequest, session_id: int) -> HttpResponse:
    device = selectors.my_open_session(request.user, session_id)
    if device is None:
        raise Http404("No such device of yours.")
    if device.pk == request.session.get(SEAT_SESSION_ID):
        # This very browser: a plain log out, which also clears its cookie.
        sign_out(request)
        messages.success(request, "You have signed out and freed your license.")
        return redirect("login")
    services.sign_out_my_devices(user=request.user, seat_session_ids=[device.pk])
    messages.success(request, "That device is signed out.")
    return redirect("portal:my_sessions")


@require_POST
@login_required
def my_sessions_sign_out_others(request: HttpRequest) -> HttpResponse:
    current = request.session.get(SEAT_SESSION_ID)
    others = [d.pk for d in seat_selectors.open_sessions_of(request.user) if d.pk != current]
    ended = services.sign_out_my_devices(user=request.user, seat_session_ids=others)
    if ended.sessions:
        messages.success(request, f"Signed out {ended.sessions} other device(s).")
    else:
        messages.info(request, "No other device was signed in.")
    return redirect("portal:my_sessions")
