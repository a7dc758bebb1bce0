"""Forced logout: end people's seats on purpose, with a reason, and audit it in one transaction.

Two ways: at once (`force_logout`), or after a warning (`schedule_force_logout`): the holders see a
countdown on their portal pages and a Celery task (`support.tasks.end_scheduled_logout`) ends their
seats when it runs out, unless they logged out first.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from sessions_seats import services as seat_services
from sessions_seats.models import EndReason, Seat

from .models import ForcedLogout

MAX_WARNING_DELAY = datetime.timedelta(hours=1)

# Said before anyone is signed out on purpose (support's console and the portal alike), and
# acknowledged by whoever does it.
UNSAVED_WORK_WARNING = (
    "Forcefully signing a user out can lose their unsaved work: it ends every session they have "
    "open, on every device. Verify with the user (or their company) first."
)
UNSAVED_WORK_ACKNOWLEDGEMENT = (
    "I understand that they may lose unsaved work, and I have checked with the user "
    "(or their company) first."
)
UNSAVED_WORK_NOT_ACKNOWLEDGED = "Confirm that you understand they may lose unsaved work."


class SchedulingUnavailable(Exception):
    """A warned sign-out could not be scheduled (the broker is down); nothing was changed."""


@dataclass(frozen=True)
class ScheduledLogout:
    """What `schedule_force_logout` set up: these seats end at `at`."""

    seat_ids: list[int]
    at: datetime.datetime


def can_force_logout(actor: User, seat: Seat) -> bool:
    """Support (the `force_logout` permission) may sign anyone out; a company admin, their own
    company's people."""
    if not actor.is_active:
        return False
    if actor.has_perm("support.force_logout"):
        return True
    return actor.is_company_admin and seat.company_id == actor.company_id


def _check_request(actor: User, seats: list[Seat], reason: str) -> str:
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
    reason = _check_request(actor, seats, reason)
    role = (
        ForcedLogout.ActorRole.COMPANY_ADMIN if actor.company_id else ForcedLogout.ActorRole.SUPPORT
    )
    now = timezone.now()
    records = []
    with transaction.atomic():
        for seat in Seat.objects.select_related("user", "company").filter(
            pk__in=[seat.pk for seat in seats], released_at__isnull=True
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
    seats = Seat.objects.filter(user=user, released_at__isnull=True)
    return _force_logout(actor=actor, seats=seats, reason=reason)


def schedule_force_logout(
    *,
    actor: User,
    seats: Iterable[Seat],
    reason: str,
    delay: datetime.timedelta,
    requested_by: str = "",
) -> ScheduledLogout:
    """Warn the holders of these seats with a countdown, then sign them out after `delay`.

    The same checks as `force_logout` apply now, and again when the time comes (the actor may
    have lost the permission meanwhile). The task is sent only once the schedule is committed, so
    it cannot run before the seats are marked; if it cannot be sent, the countdown is taken back
    and SchedulingUnavailable raised, so no countdown is left that nothing would end.
    """
    seats = list(seats)
    reason = _check_request(actor, seats, reason)
    if not datetime.timedelta(0) < delay <= MAX_WARNING_DELAY:
        raise ValidationError({"delay": "The warning must last between a minute and an hour."})
    now = timezone.now()
    at = now + delay
    with transaction.atomic():
        seat_ids = seat_services.schedule_logout([seat.pk for seat in seats], at)
        if seat_ids:
            # Imported here: the task module calls back into this one.
            from .tasks import end_scheduled_logout

            kwargs = {
                "seat_ids": seat_ids,
                "actor_id": actor.pk,
                "reason": reason,
                "requested_by": requested_by.strip(),
                "warned_at": now.isoformat(),
            }

            def send() -> None:
                try:
                    end_scheduled_logout.apply_async(kwargs=kwargs, eta=at)
                except Exception as error:
                    seat_services.cancel_scheduled_logout(seat_ids)
                    raise SchedulingUnavailable(
                        "The task queue is unavailable, so the countdown was not started and "
                        "nobody will be signed out. Try again, or sign them out now."
                    ) from error

            transaction.on_commit(send)
    return ScheduledLogout(seat_ids, at)


def cancel_force_logout(*, actor: User, seats: Iterable[Seat]) -> list[int]:
    """Stop the countdown of these seats; their pending task will then find nothing due."""
    seats = list(seats)
    if not all(can_force_logout(actor, seat) for seat in seats):
        raise PermissionDenied("You may not change the sign-out of some of these users.")
    return seat_services.cancel_scheduled_logout([seat.pk for seat in seats])


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
                f" Ended nothing for {self.skipped} seat(s): they logged out first, "
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
    due = seat_services.due_for_logout(seat_ids, now=now)
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
        seat_services.cancel_scheduled_logout(due)
        raise
    return ScheduledOutcome(records, len(set(seat_ids)) - len(records))
