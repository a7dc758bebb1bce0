"""Scheduled sign-outs: the countdown state of seats (support's "warn, then sign out").

Marking changes nothing else: the holders keep working and see a countdown on their pages. The
sign-out itself is `forced_logout.end_scheduled_logout`, run by the task that
`warned_logout.schedule_force_logout` sends.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection

from django.db import transaction
from django.utils import timezone

from .models import Seat


def schedule_logout(seat_ids: Collection[int], at: datetime.datetime) -> list[int]:
    """Mark these open seats to be signed out at `at`; the ids of the seats marked.

    Marking changes nothing else: the holders keep working and see a countdown. Whoever asked for
    it ends the seats when the time comes (see `due_for_logout`); released seats are not marked.
    """
    with transaction.atomic():
        ids = list(
            Seat.objects.select_for_update()
            .open()
            .filter(pk__in=seat_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Seat.objects.filter(pk__in=ids).update(logout_scheduled_at=at)
    return ids


def cancel_scheduled_logout(seat_ids: Collection[int]) -> list[int]:
    """Stop the countdown of these open seats; the ids of the seats that had one."""
    with transaction.atomic():
        ids = list(
            Seat.objects.select_for_update()
            .open()
            .filter(pk__in=seat_ids, logout_scheduled_at__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Seat.objects.filter(pk__in=ids).update(logout_scheduled_at=None)
    return ids


def due_for_logout(seat_ids: Collection[int], now: datetime.datetime | None = None) -> list[int]:
    """Which of these seats are still open with a scheduled logout that has come.

    A seat whose holder logged out first is released, and one whose countdown was cancelled or
    moved later is not due: neither may be ended by an old schedule.
    """
    now = now or timezone.now()
    return list(
        Seat.objects.open()
        .filter(pk__in=seat_ids, logout_scheduled_at__lte=now)
        .values_list("pk", flat=True)
    )
