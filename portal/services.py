"""What the customer portal changes in Users and Roles and My sessions. Seat state changes go
through the engine (`sessions_seats.services`, `sessions_seats.forced_logout`); this module only
decides who may ask for them (refusal-page actions: `portal.refusal`)."""

from __future__ import annotations

import logging
from collections.abc import Collection

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import services as account_services
from accounts.models import Company, CompanyEmailDomain, User, normalize_email
from common.links import public_site
from common.text import plural
from sessions_seats import email_limits
from sessions_seats.forced_logout import force_logout
from sessions_seats.models import EndReason, ForcedLogout, Seat, SeatSession
from sessions_seats.services import Ended, end_sessions

from .selectors import active_admin_count

logger = logging.getLogger(__name__)

DEACTIVATION_REASON = "Deactivated by a company admin"


# --- Users and Roles ----------------------------------------------------------------------------


def _check_admin_of(actor: User, user: User | None = None) -> None:
    if not actor.is_active_company_admin:
        raise PermissionDenied("Only a company admin can manage users.")
    if user is not None and user.company_id != actor.company_id:
        raise PermissionDenied("You can only manage your own company's users.")


def add_company_user(*, actor: User, email: str, full_name: str, role: str) -> User:
    """Create a user of the actor's company and email them a link to set their password.

    The address must be in one of the company's email domains and free (`email_taken_message`).
    The user is created only if the email may go out (`send_set_password_email`): an account
    nobody was invited to would only be in the way of the next try.
    """
    _check_admin_of(actor)
    if role not in User.Role.values:
        raise ValidationError({"role": "Choose a role."})
    email = normalize_email(email)
    taken = email_taken_message(actor, email)
    if taken:
        raise ValidationError({"email": taken})
    with transaction.atomic():
        user = User(
            email=email,
            full_name=full_name.strip(),
            company_id=actor.company_id,
            role=role,
            # Never staff: company admins manage customers, not Foundry's people.
            is_staff=False,
            is_superuser=False,
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        send_set_password_email(user)
    return user


EMAIL_NOT_ADDABLE = "This address cannot be added here. If it should be, contact support."


def email_taken_message(actor: User, email: str) -> str | None:
    """Why `email` cannot be a new user of the actor's company, or None when it can.

    A company admin adds addresses in their company's email domains (set by Foundry staff) only.
    Whom an address belongs to is said only within the admin's own company: that is theirs to
    know, and useful. Every other address the admin may not add (outside the domains, another
    customer's, Foundry staff's) gets one answer, with the same status, after the same two
    queries: neither the wording nor the time taken tells whether an account exists.
    """
    email = normalize_email(email)
    existing = User.objects.filter(email=email).first()
    in_company_domains = CompanyEmailDomain.objects.filter(
        company_id=actor.own_company_id, domain=CompanyEmailDomain.domain_of(email)
    ).exists()
    if existing is None:
        return None if in_company_domains else EMAIL_NOT_ADDABLE
    if existing.company_id is None or existing.company_id != actor.company_id:
        return EMAIL_NOT_ADDABLE
    if not existing.is_active:
        return (
            f"{existing.get_full_name()} of your company already has this address, "
            "deactivated: reactivate them instead."
        )
    return f"{existing.get_full_name()} of your company already has this address."


def send_set_password_email(user: User) -> None:
    """Django's password-reset email, worded as an invitation; works before any password is set.

    Counted with the "Forgot your password?" emails to the same address (`email_limits`): over
    the limit nothing is sent, and ValidationError tells the admin to try later. That tells them
    nothing new: the address is their own company's user.
    """
    if not email_limits.take_password_email(user.email):
        raise ValidationError(
            f"No more password emails can go to {user.email} for now: at most "
            f"{plural(settings.PASSWORD_EMAILS_PER_ADDRESS, 'email')} in "
            f"{plural(settings.PASSWORD_EMAIL_WINDOW_MINUTES, 'minute')}. Try again later.",
            code="email_limit",
        )
    domain, use_https = public_site()
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": "Foundry",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
        "company": user.company,
    }
    PasswordResetForm().send_mail(
        "registration/set_password_subject.txt",
        "registration/set_password_email.txt",
        context,
        None,
        user.email,
    )


def change_role(*, actor: User, user: User, role: str) -> bool:
    """Make `user` a company admin or a member; the last active admin stays an admin. Returns
    whether the role changed (False: they had that role already)."""
    _check_admin_of(actor, user)
    if role not in User.Role.values:
        raise ValidationError({"role": "Choose a role."})
    with transaction.atomic():
        # The company row lock serialises admin changes, so two demotions cannot both pass.
        Company.objects.select_for_update().get(pk=actor.own_company_id)
        user.refresh_from_db()
        if user.role == role:
            return False
        if (
            user.is_active_company_admin
            and role != User.Role.ADMIN
            and active_admin_count(user.own_company) <= 1
        ):
            raise ValidationError(
                "This is the company's last admin. Make someone else an admin first."
            )
        User.objects.filter(pk=user.pk).update(role=role)
        user.role = role
    return True


def deactivate_user(*, actor: User, user: User) -> list[ForcedLogout]:
    """Block `user` from signing in and sign them out everywhere (reason `forced`, audited)."""
    _check_admin_of(actor, user)
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate yourself. Ask another admin.")
    with transaction.atomic():
        Company.objects.select_for_update().get(pk=actor.own_company_id)
        user.refresh_from_db()
        if not user.is_active:
            return []
        if user.is_company_admin and active_admin_count(user.own_company) <= 1:
            raise ValidationError(
                "This is the company's last admin. Make someone else an admin first."
            )
        account_services.deactivate(actor=actor, user=user)
        seats = Seat.objects.open().filter(user=user)
        return force_logout(actor=actor, seats=seats, reason=DEACTIVATION_REASON)


def reactivate_user(*, actor: User, user: User) -> User:
    """Let `user` sign in again: only if an admin of the company deactivated them, not Foundry
    staff (PermissionDenied says who may; `accounts.services.reactivate`)."""
    _check_admin_of(actor, user)
    account_services.reactivate(actor=actor, user=user)
    return user


SIGN_YOURSELF_OUT = "To sign yourself out, use My sessions or Log out."


def sign_out_user(*, actor: User, user: User, reason: str) -> list[ForcedLogout]:
    """Sign one of the company's people out of every device, for a reason, as a forced logout
    (reason `forced`, audited with the admin as actor: docs/DESIGN.md rule 8). The account stays
    active: they may sign in again. An empty list: they had signed out meanwhile."""
    _check_admin_of(actor, user)
    if user.pk == actor.pk:
        # Ending the session this request runs in would break the request; My sessions and Log
        # out end one's own devices properly.
        raise ValidationError(SIGN_YOURSELF_OUT)
    return force_logout(actor=actor, seats=Seat.objects.open().filter(user=user), reason=reason)


# --- My sessions --------------------------------------------------------------------------------


def sign_out_my_devices(*, user: User, seat_session_ids: Collection[int]) -> Ended:
    """End some of the user's own devices (reason `logout`: they chose to). Others' are ignored."""
    own = (
        SeatSession.objects.open()
        .filter(pk__in=list(seat_session_ids), seat__user=user)
        .values_list("pk", flat=True)
    )
    return end_sessions(list(own), EndReason.LOGOUT)
