"""What the customer portal changes: freeing a seat from the refusal page, Users and Roles, a
member's own devices, and seat wishes. Seat state changes go through `sessions_seats.services` and
`support.services`; this module only decides who may ask for them."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Company, User
from sessions_seats import selectors as seat_selectors
from sessions_seats.models import EndReason, Seat, SeatSession
from sessions_seats.services import Ended, Refusal, end_sessions, sign_in
from support.models import ForcedLogout
from support.services import force_logout

from . import proofs
from .models import SeatWish
from .selectors import active_admin_count

logger = logging.getLogger(__name__)

DEACTIVATION_REASON = "Deactivated by a company admin"


# --- Freeing a seat from the refusal page ------------------------------------------------------


class SeatNotFree(Exception):
    """The seat cannot be freed for this admin (not theirs to free, or already free)."""


@dataclass(frozen=True)
class FreedSeat:
    admin: User
    holder: User
    audit: list[ForcedLogout]


class _StillRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal


def admin_proof(token: str) -> proofs.Proof:
    """The unspent free-seat proof in `token`, of a user who is still a company admin."""
    proof = proofs.check_proof(token, proofs.FREE_SEAT)
    if not proof.user.is_company_admin:
        raise proofs.ProofRefused("Only a company admin can free a seat.")
    return proof


def seat_to_free(admin: User, seat_id: int) -> Seat:
    """An open seat of the admin's own company; SeatNotFree for anything else."""
    seat = (
        Seat.objects.select_related("user", "company")
        .filter(pk=seat_id, company_id=admin.company_id, released_at__isnull=True)
        .first()
    )
    if seat is None:
        raise SeatNotFree("That seat is not held any more, or not by your company.")
    return seat


def free_seat_and_sign_in(
    request: HttpRequest, *, token: str, seat_id: int, reason: str
) -> FreedSeat | Refusal:
    """Force the seat's holder out (audited, the admin as actor) and sign the admin in on it.

    The proof is spent in the same transaction, and the company row stays locked from the
    release to the admin's claim, so nobody else can take the freed seat in between. A refusal
    (the company lost its license meanwhile) rolls everything back, proof included.
    """
    proof = admin_proof(token)
    admin = proof.user
    try:
        with transaction.atomic():
            Company.objects.select_for_update().get(pk=admin.company_id)
            seat = seat_to_free(admin, seat_id)
            proofs.spend_proof(proof)
            audit = force_logout(actor=admin, seats=[seat], reason=reason)
            refusal = sign_in(request, admin)
            if refusal is not None:
                raise _StillRefused(refusal)
    except _StillRefused as refused:
        return refused.refusal
    return FreedSeat(admin=admin, holder=seat.user, audit=audit)


# --- "Tell me when a seat frees up" -----------------------------------------------------------


def wish_for_a_seat(token: str) -> tuple[SeatWish, bool]:
    """Record the refused user's wish; (wish, created). One pending wish per person."""
    proof = proofs.check_proof(token, proofs.SEAT_WISH)
    user = proof.user
    if not user.takes_seat:
        raise proofs.ProofRefused("Only company users wait for a seat.")
    with transaction.atomic():
        proofs.spend_proof(proof)
        # Lock the user so two clicks cannot both create a wish (the constraint would refuse one).
        User.objects.select_for_update().get(pk=user.pk)
        existing = SeatWish.objects.filter(user=user, notified_at__isnull=True).first()
        if existing is not None:
            return existing, False
        return SeatWish.objects.create(user=user, company_id=user.company_id), True


def notify_seat_wishes() -> int:
    """Email everyone waiting at a company that now has a free seat; each wish is answered once.

    Returns how many emails went out. Wishes of people who got in meanwhile (or left) are closed
    without an email.
    """
    sent = 0
    company_ids = (
        SeatWish.objects.filter(notified_at__isnull=True).values_list("company_id", flat=True)
    ).distinct()
    for company in Company.objects.filter(pk__in=list(company_ids), is_active=True):
        capacity = seat_selectors.capacity_of(company)
        if seat_selectors.seats_in_use(company) >= capacity:
            continue
        for wish in SeatWish.objects.filter(
            company=company, notified_at__isnull=True
        ).select_related("user"):
            sent += _answer_wish(wish, company, capacity)
    return sent


def _answer_wish(wish: SeatWish, company: Company, capacity: int) -> int:
    # Claiming the wish with a conditional UPDATE makes two runs at once answer it only once.
    claimed = SeatWish.objects.filter(pk=wish.pk, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return 0
    user = wish.user
    holds_seat = Seat.objects.filter(user=user, released_at__isnull=True).exists()
    if holds_seat or not user.is_active or user.company_id != company.pk:
        return 0
    try:
        send_mail(
            recipient_list=[user.email],
            from_email=None,
            subject=f"A seat is free at {company.name}",
            message=(
                f"Hello {user.get_short_name()},\n\n"
                f"A license seat of {company.name} has just become free "
                f"({seat_selectors.seats_in_use(company)} of {capacity} in use). "
                "Sign in soon: seats go to whoever signs in first.\n\n"
                "You asked to be told once; ask again on the sign-in page if you miss it.\n"
            ),
        )
    except Exception:
        # Give the wish back so the next run tries again, rather than losing it silently.
        SeatWish.objects.filter(pk=wish.pk).update(notified_at=None)
        logger.exception("Could not email %s about a free seat", user.email)
        return 0
    return 1


# --- Users and Roles ----------------------------------------------------------------------------


def _check_admin_of(actor: User, user: User | None = None) -> None:
    if not (actor.is_active and actor.is_company_admin):
        raise PermissionDenied("Only a company admin can manage users.")
    if user is not None and user.company_id != actor.company_id:
        raise PermissionDenied("You can only manage your own company's users.")


def add_company_user(*, actor: User, email: str, full_name: str, role: str) -> User:
    """Create a user of the actor's company and email them a link to set their password."""
    _check_admin_of(actor)
    if role not in User.Role.values:
        raise ValidationError({"role": "Choose a role."})
    email = email.strip().lower()
    taken = email_taken_message(actor, email)
    if taken:
        raise ValidationError({"email": taken})
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

    Whom it belongs to is said only within the admin's own company: that is theirs to know, and
    useful. Anyone else's address (another customer's, Foundry staff's) gets the same neutral
    answer, so the form cannot be used to find out who has an account.
    """
    existing = User.objects.filter(email__iexact=email.strip()).first()
    if existing is None:
        return None
    if existing.company_id is None or existing.company_id != actor.company_id:
        return EMAIL_NOT_ADDABLE
    if not existing.is_active:
        return (
            f"{existing.get_full_name()} of your company already has this address, "
            "deactivated: reactivate them instead."
        )
    return f"{existing.get_full_name()} of your company already has this address."


def email_link_site() -> tuple[str, bool]:
    """Where links in emails point, as the `domain` (host, and any path of the address) and
    `use_https` of Django's password emails: PORTAL_BASE_URL, the public address. Never the
    request's Host header: the sender of a request chooses it, and a password link sent to a
    host they own would hand them the token."""
    address = urlsplit(settings.PORTAL_BASE_URL)
    return address.netloc + address.path.rstrip("/"), address.scheme == "https"


def send_set_password_email(user: User) -> None:
    """Django's password-reset email, worded as an invitation; works before any password is set."""
    domain, use_https = email_link_site()
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


def change_role(*, actor: User, user: User, role: str) -> User:
    """Make `user` a company admin or a member; the last active admin stays an admin."""
    _check_admin_of(actor, user)
    if role not in User.Role.values:
        raise ValidationError({"role": "Choose a role."})
    with transaction.atomic():
        # The company row lock serialises admin changes, so two demotions cannot both pass.
        Company.objects.select_for_update().get(pk=actor.company_id)
        user.refresh_from_db()
        if (
            user.role == User.Role.ADMIN
            and role != User.Role.ADMIN
            and user.is_active
            and active_admin_count(user.company) <= 1
        ):
            raise ValidationError(
                "This is the company's last admin. Make someone else an admin first."
            )
        User.objects.filter(pk=user.pk).update(role=role)
        user.role = role
    return user


def deactivate_user(*, actor: User, user: User) -> list[ForcedLogout]:
    """Block `user` from signing in and sign them out everywhere (reason `forced`, audited)."""
    _check_admin_of(actor, user)
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate yourself. Ask another admin.")
    with transaction.atomic():
        Company.objects.select_for_update().get(pk=actor.company_id)
        user.refresh_from_db()
        if not user.is_active:
            return []
        if user.role == User.Role.ADMIN and active_admin_count(user.company) <= 1:
            raise ValidationError(
                "This is the company's last admin. Make someone else an admin first."
            )
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        seats = Seat.objects.filter(user=user, released_at__isnull=True)
        return force_logout(actor=actor, seats=seats, reason=DEACTIVATION_REASON)


def reactivate_user(*, actor: User, user: User) -> User:
    _check_admin_of(actor, user)
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    return user


# --- My sessions --------------------------------------------------------------------------------


def sign_out_my_devices(*, user: User, seat_session_ids: Collection[int]) -> Ended:
    """End some of the user's own devices (reason `logout`: they chose to). Others' are ignored."""
    own = SeatSession.objects.filter(
        pk__in=list(seat_session_ids), seat__user=user, ended_at__isnull=True
    ).values_list("pk", flat=True)
    return end_sessions(list(own), EndReason.LOGOUT)
