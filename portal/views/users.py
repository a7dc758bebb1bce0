"""Security → Users and Roles: a company admin's people, their roles and their seats."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as account_services
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.time_zones import site_today
from common.text import plural
from sessions_seats import selectors as seat_selectors
from sessions_seats.forced_logout import (
    UNSAVED_WORK_ACKNOWLEDGEMENT,
    UNSAVED_WORK_NOT_ACKNOWLEDGED,
    UNSAVED_WORK_WARNING,
)

from .. import selectors, services
from ..forms import AddUserForm, RoleForm, SignOutForm, UserSearchForm
from ..selectors import UserFilter
from .access import company_admin_required, message_validation_error

USERS_PER_PAGE = 20

# What an empty list says: (nobody at all, nobody matching a search).
EMPTY_LIST: dict[str, tuple[str, str]] = {
    "": ("Your company has no users yet.", "Nobody matches “{query}”."),
    UserFilter.SIGNED_IN: (
        "No one is signed in right now.",
        "No one signed in right now matches “{query}”.",
    ),
    UserFilter.ADMINS: ("Your company has no admins.", "No admin matches “{query}”."),
    UserFilter.INVITED: (
        "No one is waiting to sign in for the first time: everyone invited has signed in.",
        "No invited user matches “{query}”.",
    ),
    UserFilter.DEACTIVATED: (
        "No one is deactivated: everyone can sign in.",
        "No deactivated user matches “{query}”.",
    ),
}


@dataclass(frozen=True)
class UserRow:
    """One person in the list, with what the admin may do to them there."""

    person: User
    may_reactivate: bool


@require_GET
@company_admin_required
def users(request: AuthenticatedHttpRequest) -> HttpResponse:
    company = request.user.own_company
    search = UserSearchForm(request.GET)
    search.is_valid()  # a bad value of one field leaves the other in force
    query = search.cleaned_data.get("q", "")
    show = search.cleaned_data.get("show", "")
    paginator = Paginator(selectors.company_users(company, query, show), USERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        UserRow(person, may_reactivate=account_services.may_reactivate(request.user, person))
        for person in page.object_list
    ]
    empty, empty_matching = EMPTY_LIST[show]
    context = {
        "search": search,
        "query": query,
        "show": show,
        "show_label": UserFilter(show).label if show else "",
        "filters": [("", "Everyone"), *UserFilter.choices],
        "page": page,
        "rows": rows,
        "company": company,
        # The home page's figures, from the same selectors: both pages say the same at any moment.
        "capacity": seat_selectors.capacity_of(company, site_today()),
        "in_use": seat_selectors.seats_in_use(company),
        "empty": empty_matching.format(query=query) if query else empty,
    }
    return render(request, "portal/users.html", context)


def _list_path(request: AuthenticatedHttpRequest) -> str | None:
    """The Users and Roles list a row action came from, with its search, filter and page; None
    for anything else (another page, another site)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path != reverse("portal:users"):
        return None
    return target


def _back(request: AuthenticatedHttpRequest, person: User) -> HttpResponse:
    """Back to the list the action was taken from, else to the person's page."""
    return redirect(_list_path(request) or reverse("portal:user", args=[person.pk]))


@require_http_methods(["GET", "POST"])
@company_admin_required
def user_add(request: AuthenticatedHttpRequest) -> HttpResponse:
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


def _company_user_or_404(request: AuthenticatedHttpRequest, user_id: int) -> User:
    user = selectors.company_user(request.user.own_company, user_id)
    if user is None:
        raise Http404("No such user in your company.")
    return user


@require_GET
@company_admin_required
def user_detail(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = _company_user_or_404(request, user_id)
    context = {
        "person": person,
        "role_form": RoleForm(initial={"role": person.role}),
        "devices": seat_selectors.open_sessions_of(person),
        "warning": UNSAVED_WORK_WARNING,
        "acknowledgement": UNSAVED_WORK_ACKNOWLEDGEMENT,
        "back": _list_path(request) or reverse("portal:users"),
    }
    if not person.is_active:
        may_reactivate = account_services.may_reactivate(request.user, person)
        context.update(
            deactivated_by=account_services.deactivator_name(person),
            may_reactivate=may_reactivate,
            contact=None if may_reactivate else seat_selectors.contact_for(person.own_company),
        )
    return render(request, "portal/user_detail.html", context)


@require_POST
@company_admin_required
def user_role(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = _company_user_or_404(request, user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role: company admin or member.")
        return _back(request, person)
    try:
        changed = services.change_role(
            actor=request.user, user=person, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        message_validation_error(request, error)
        return _back(request, person)
    if not changed:
        messages.info(request, f"{person.get_full_name()} is already: {person.get_role_display()}.")
    elif person.pk == request.user.pk and not person.is_company_admin:
        # Users and Roles is for company admins: the page they came from is closed to them now.
        messages.success(
            request,
            f"You are now: {person.get_role_display()}. Users and Roles is for company admins; "
            "another admin can make you one again.",
        )
        return redirect("home")
    else:
        messages.success(request, f"{person.get_full_name()} is now: {person.get_role_display()}.")
    return _back(request, person)


@require_POST
@company_admin_required
def user_deactivate(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = _company_user_or_404(request, user_id)
    if request.POST.get("acknowledge") != "on":
        messages.error(request, UNSAVED_WORK_NOT_ACKNOWLEDGED)
        return redirect("portal:user", user_id=person.pk)
    try:
        signed_out = services.deactivate_user(actor=request.user, user=person)
    except ValidationError as error:
        message_validation_error(request, error)
    else:
        ended = " and signed them out everywhere" if signed_out else ""
        messages.success(request, f"Deactivated {person.get_full_name()}{ended}.")
    return redirect("portal:user", user_id=person.pk)


@require_POST
@company_admin_required
def user_reactivate(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = _company_user_or_404(request, user_id)
    try:
        services.reactivate_user(actor=request.user, user=person)
    except PermissionDenied as refused:
        contact = seat_selectors.contact_for(request.user.own_company)
        messages.error(request, f"{refused} Contact {_contact_words(contact)}.")
    else:
        messages.success(request, f"{person.get_full_name()} can sign in again.")
    return _back(request, person)


def _contact_words(contact: seat_selectors.Contact) -> str:
    """ "your account manager Avery Morgan at am@…", or support's name and address."""
    role = "your account manager " if contact.is_account_manager else ""
    return f"{role}{contact.name} at {contact.email}"


@require_POST
@company_admin_required
def user_invite(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = _company_user_or_404(request, user_id)
    if not person.is_active:
        messages.error(request, "Reactivate this user before sending them a link.")
        return _back(request, person)
    try:
        services.send_set_password_email(person)
    except ValidationError as error:  # the per-address limit of password emails
        message_validation_error(request, error)
    else:
        messages.success(request, f"We emailed {person.email} a link to set a password.")
    return _back(request, person)


@require_http_methods(["GET", "POST"])
@company_admin_required
def user_sign_out(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Sign someone out of every device: the unsaved-work warning and how recently each device
    was active first, then a reason and the acknowledgement (docs/DESIGN.md rule 8)."""
    person = _company_user_or_404(request, user_id)
    if person.pk == request.user.pk:
        messages.info(request, services.SIGN_YOURSELF_OUT)
        return redirect("portal:my_sessions")
    seat = selectors.open_seat_for_logout(person)
    if seat is None:
        messages.info(request, f"{person.get_full_name()} is not signed in: nobody to sign out.")
        return _back(request, person)
    form = SignOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signed_out = services.sign_out_user(
                actor=request.user, user=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            message_validation_error(request, error)
        else:
            if signed_out:
                devices = plural(signed_out[0].sessions_ended, "device")
                messages.success(
                    request,
                    f"Signed {person.get_full_name()} out on {devices}. Their seat is free; "
                    "they can sign in again.",
                )
            else:
                messages.info(
                    request, f"{person.get_full_name()} had signed out already: nothing to do."
                )
        return _back(request, person)
    context = {
        "person": person,
        "seat": seat,
        "likely_unsaved_work": seat_selectors.likely_has_unsaved_work(seat),
        "warning": UNSAVED_WORK_WARNING,
        "form": form,
        "next": _list_path(request) or "",
        "cancel": _list_path(request) or reverse("portal:user", args=[person.pk]),
    }
    return render(request, "portal/user_sign_out.html", context, status=400 if form.errors else 200)
