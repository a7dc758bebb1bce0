"""Security → Users and Roles: a company admin's people, their roles and their seats."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as account_services
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from sessions_seats import selectors as seat_selectors
from sessions_seats.forced_logout import (
    UNSAVED_WORK_ACKNOWLEDGEMENT,
    UNSAVED_WORK_NOT_ACKNOWLEDGED,
    UNSAVED_WORK_WARNING,
)

from .. import selectors, services
from ..forms import AddUserForm, RoleForm, UserSearchForm
from .access import company_admin_required, message_validation_error

USERS_PER_PAGE = 20


@require_GET
@company_admin_required
def users(request: AuthenticatedHttpRequest) -> HttpResponse:
    search = UserSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    paginator = Paginator(selectors.company_users(request.user.own_company, query), USERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context = {"search": search, "query": query, "page": page, "company": request.user.own_company}
    return render(request, "portal/users.html", context)


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
        return redirect("portal:user", user_id=person.pk)
    try:
        changed = services.change_role(
            actor=request.user, user=person, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        message_validation_error(request, error)
        return redirect("portal:user", user_id=person.pk)
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
    return redirect("portal:user", user_id=person.pk)


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
    return redirect("portal:user", user_id=person.pk)


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
        return redirect("portal:user", user_id=person.pk)
    try:
        services.send_set_password_email(person)
    except ValidationError as error:  # the per-address limit of password emails
        message_validation_error(request, error)
    else:
        messages.success(request, f"We emailed {person.email} a link to set a password.")
    return redirect("portal:user", user_id=person.pk)
