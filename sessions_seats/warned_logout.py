"""Forced logout after a warning: the holders see a countdown on their pages, then a Celery task
ends their seats (`forced_logout.end_scheduled_logout`), unless they logged out first."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from . import countdowns
from .forced_logout import check_request
from .models import Seat
from .tasks import end_scheduled_logout

MAX_WARNING_DELAY = datetime.timedelta(hours=1)


class SchedulingUnavailable(Exception):
    """A warned sign-out could not be scheduled (the broker is down); nothing was changed."""


@dataclass(frozen=True)
class ScheduledLogout:
    """What `schedule_force_logout` set up: these seats end at `at`."""

    seat_ids: list[int]
    at: datetime.datetime


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
    reason = check_request(actor, seats, reason)
    if not datetime.timedelta(0) < delay <= MAX_WARNING_DELAY:
        raise ValidationError({"delay": "The warning must last between a minute and an hour."})
    now = timezone.now()
    at = now + delay
    with transaction.atomic():
        seat_ids = countdowns.schedule_logout([seat.pk for seat in seats], at)
        if seat_ids:
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
                    countdowns.cancel_scheduled_logout(seat_ids)
                    raise SchedulingUnavailable(
                        "The task queue is unavailable, so the countdown was not started and "
                        "nobody will be signed out. Try again, or sign them out now."
                    ) from error

            transaction.on_commit(send)
    return ScheduledLogout(seat_ids, at)
