"""What a refused user can do from the sign-in page, which the engine renders: free a seat and
sign in on it (company admins), or be emailed when a seat frees up. They are not signed in: a
single-use proof of their password check stands in."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Company, User
from accounts.time_zones import zone_of
from sessions_seats import selectors as seat_selectors
from sessions_seats.forced_logout import force_logout
from sessions_seats.models import ForcedLogout, Seat
from sessions_seats.services import Refusal, sign_in
from sessions_seats.views import RefusalExtras

from . import license_requests, proofs
from .models import SeatWish
from .selectors import pending_wish_of, seat_holders

logger = logging.getLogger(__name__)


def refusal_extras(request: HttpRequest, user: User, refusal: Refusal) -> RefusalExtras | None:
    """The next steps the refusal page offers when every seat is taken (registered with the
    engine's sign-in view in `PortalConfig.ready`): request more licenses (company admins) or whom
    to ask (members), an email when a seat frees up, and for company admins who holds the seats,
    to free one. Each action is proven by a single-use token of this password check."""
    if not refusal.seats_full:
        return None
    context: dict[str, object] = {
        **license_requests.refusal_context(user),
        "wish_token": proofs.issue_proof(user, proofs.SEAT_WISH),
        "pending_wish": pending_wish_of(user),
        "refused_user": user,
    }
    # A member with admins to ask gets that one next step: their admins can free a seat or ask
    # for licenses. Foundry's contact stays for admins, and for companies without an admin.
    replaces_contact = bool(context.get("company_admins"))
    sections: tuple[str, ...] = ()
    if user.is_company_admin:
        context.update(
            holders=seat_holders(refusal.company),
            free_seat_token=proofs.issue_proof(user, proofs.FREE_SEAT),
            proof_minutes=max(1, settings.PORTAL_SIGN_IN_PROOF_MAX_AGE_SECONDS // 60),
            # Nobody is signed in yet, so no zone is active: the holders' times are the company's.
            time_zone=zone_of(refusal.company),
        )
        sections = ("portal/_refusal_free_seat.html",)
    return RefusalExtras(
        context=context,
        actions=("portal/_refusal_actions.html",),
        sections=sections,
        replaces_contact=replaces_contact,
    )


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
        Seat.objects.open()
        .select_related("user", "company")
        .filter(pk=seat_id, company_id=admin.own_company_id)
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
            Company.objects.select_for_update().get(pk=admin.own_company_id)
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
        return SeatWish.objects.create(user=user, company_id=user.own_company_id), True


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
    holds_seat = Seat.objects.open().filter(user=user).exists()
    if holds_seat or not user.is_active or user.company_id != company.pk:
        return 0
    try:
        send_mail(
            recipient_list=[user.email],
            from_email=None,
            subject=f"A seat is free at {company.name}",
            message=(
                f"Hello {user.get_full_name()},\n\n"
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
