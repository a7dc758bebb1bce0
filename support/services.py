"""Forced logout: end people's seats on purpose, with a reason, and audit it in one transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from sessions_seats.models import EndReason, Seat
from sessions_seats.services import end_seats

from .models import ForcedLogout


def can_force_logout(actor: User, seat: Seat) -> bool:
    """Support (the `force_logout` permission) may sign anyone out; a company admin, their own
    company's people."""
    if not actor.is_active:
        return False
    if actor.has_perm("support.force_logout"):
        return True
    return actor.is_company_admin and seat.company_id == actor.company_id


def force_logout(
    *, actor: User, seats: Iterable[Seat], reason: str, requested_by: str = ""
) -> list[ForcedLogout]:
    """Sign the holders of these seats out everywhere; one audit record per user signed out.

    Seats released meanwhile (the user logged out first) are skipped and not audited. Nothing
    changes unless `actor` may force every one of them out and gives a reason.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why these users are being signed out."})
    seats = list(seats)
    if not all(can_force_logout(actor, seat) for seat in seats):
        raise PermissionDenied("You may not sign out some of these users.")

    role = (
        ForcedLogout.ActorRole.COMPANY_ADMIN if actor.company_id else ForcedLogout.ActorRole.SUPPORT
    )
    now = timezone.now()
    records = []
    with transaction.atomic():
        for seat in Seat.objects.select_related("user", "company").filter(
            pk__in=[seat.pk for seat in seats], released_at__isnull=True
        ):
            ended = end_seats([seat.pk], EndReason.FORCED, now=now)
            if not ended.seats:
                continue
            records.append(
                ForcedLogout.objects.create(
                    at=now,
                    actor=actor,
                    actor_email=actor.email,
                    actor_role=role,
                    target=seat.user,
                    target_email=seat.user.email,
                    company=seat.company,
                    company_name=seat.company.name,
                    reason=reason,
                    requested_by=requested_by.strip(),
                    sessions_ended=ended.sessions,
                )
            )
    return records
