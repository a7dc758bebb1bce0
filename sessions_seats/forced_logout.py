"""Forced logout: end people's seats on purpose, with a reason, and audit it in one transaction
(docs/DESIGN.md rule 8).

At once (`force_logout`), or when a warning's countdown ends (`end_scheduled_logout`, run by the
task that `warned_logout.schedule_force_logout` sends), unless the holders logged out first.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.tenancy import may_see_company
from common.text import plural

from . import countdowns
from . import services as seat_services
from .models import EndReason, ForcedLogout, Seat

# Said before anyone is signed out on purpose (support's console and the portal alike), and
# acknowledged by whoever does it.
# Support's right to sign anyone out; company admins may sign out their own company's people.
FORCE_LOGOUT_PERMISSION = "sessions_seats.force_logout"

UNSAVED_WORK_WARNING = (
    "Forcefully signing a user out can lose their unsaved work: it ends every session they have "
    "open, on every device. Verify with the user (or their company) first."
)
UNSAVED_WORK_ACKNOWLEDGEMENT = (
    "I understand that they may lose unsaved work, and I have checked with the user "
    "(or their company) first."
)
UNSAVED_WORK_NOT_ACKNOWLEDGED = "Confirm that you understand they may lose unsaved work."


def can_force_logout(actor: User, seat: Seat) -> bool:
    """Staff with the `force_logout` permission may sign out people of the companies they see
    (support sees every company: docs/DESIGN.md rule 9); a company admin, their own company's."""
    if not actor.is_active:
        return False
    if actor.has_perm(FORCE_LOGOUT_PERMISSION):
        return may_see_company(actor, seat.company_id)
    return actor.is_company_admin and seat.company_id == actor.company_id


def check_request(actor: User, seats: list[Seat], reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why these users are being signed out."})
    if not all(can_force_logout(actor, seat) for seat in seats):
        raise PermissionDenied("You may not sign out some of these users.")
    return reason


def force_logout(
    *, actor: User, seats: Iterable[Seat], reason: str, requested_by: str = ""
) -> list[ForcedLogout]:
    """Sign the holders of these seats out everywhere; one audit record per user signed out.

    Seats released meanwhile (the user logged out first) are skipped and not audited. Nothing
    changes unless `actor` may force every one of them out and gives a reason.
    """
    return _force_logout(actor=actor, seats=seats, reason=reason, requested_by=requested_by)


def _force_logout(
    *,
    actor: User,
    seats: Iterable[Seat],
    reason: str,
    requested_by: str = "",
    warned_at: datetime.datetime | None = None,
) -> list[ForcedLogout]:
    seats = list(seats)
    reason = check_request(actor, seats, reason)
    role = (
        ForcedLogout.ActorRole.COMPANY_ADMIN if actor.company_id else ForcedLogout.ActorRole.SUPPORT
    )
    now = timezone.now()
    records = []
    with transaction.atomic():
        for seat in (
            Seat.objects.open()
            .select_related("user", "company")
            .filter(pk__in=[seat.pk for seat in seats])
            # Companies' rows are locked in id order by every release of several companies'
            # seats (`releases`), so two of them never wait for each other.
            .order_by("company_id", "pk")
        ):
            ended = seat_services.end_seats([seat.pk], EndReason.FORCED, now=now, ended_by=actor)
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
                    warned_at=warned_at,
                )
            )
    return records


def sign_out_after_account_change(
    *, actor: User, user: User, was_active: bool, old_company_id: int | None
) -> list[ForcedLogout]:
    """Deactivating someone, or moving them to another company, ends their seat at once.

    Their seat belongs to the company they had and was claimed as the person they were: left
    open, it would count against the old company (or keep an inactive account signed in) until
    the reaper found it idle. Audited like any forced logout.
    """
    if was_active and not user.is_active:
        reason = "Account deactivated by Foundry staff"
    elif old_company_id != user.company_id:
        reason = "Moved to another company by Foundry staff"
    else:
        return []
    seats = Seat.objects.open().filter(user=user)
    return _force_logout(actor=actor, seats=seats, reason=reason)


def cancel_force_logout(*, actor: User, seats: Iterable[Seat]) -> list[int]:
    """Stop the countdown of these seats; their pending task will then find nothing due."""
    seats = list(seats)
    if not all(can_force_logout(actor, seat) for seat in seats):
        raise PermissionDenied("You may not change the sign-out of some of these users.")
    return countdowns.cancel_scheduled_logout([seat.pk for seat in seats])


@dataclass(frozen=True)
class ScheduledOutcome:
    """What a scheduled logout did when its time came."""

    records: list[ForcedLogout]
    skipped: int

    def __str__(self) -> str:
        done = ", ".join(record.target_email for record in self.records) or "nobody"
        text = f"Signed out {done}."
        if self.skipped:
            text += (
                f" Ended nothing for {plural(self.skipped, 'seat')}: they logged out first, "
                "or the sign-out was cancelled or moved."
            )
        return text


def end_scheduled_logout(
    *,
    seat_ids: Collection[int],
    actor_id: int,
    reason: str,
    requested_by: str = "",
    warned_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> ScheduledOutcome:
    """Sign out the holders of those of `seat_ids` whose scheduled logout has come.

    If the actor is gone or may no longer do it, nobody is signed out and the countdown is
    taken back: a banner must not sit at 0:00 for a sign-out that will never come.
    """
    due = countdowns.due_for_logout(seat_ids, now=now)
    if not due:
        return ScheduledOutcome([], len(set(seat_ids)))
    actor = User.objects.filter(pk=actor_id).first()
    try:
        if actor is None:
            raise PermissionDenied("The person who scheduled this sign-out no longer exists.")
        records = _force_logout(
            actor=actor,
            seats=Seat.objects.filter(pk__in=due),
            reason=reason,
            requested_by=requested_by,
            warned_at=warned_at,
        )
    except PermissionDenied:
        countdowns.cancel_scheduled_logout(due)
        raise
    return ScheduledOutcome(records, len(set(seat_ids)) - len(records))
