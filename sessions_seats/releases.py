"""Ending seat sessions and releasing the seats they leave empty (docs/DESIGN.md rules 2, 5 and 7).

Every open seat is counted in its company's `seats_in_use`, which the database keeps (the triggers
of migration 0010): a release changes it by writing `released_at`. What this module owns is the
lock order that keeps that change free of deadlocks. A claim locks its company's row, then the
user's, then the user's open seat (`services.sign_in`), so whoever releases a seat must hold the
company row before the seat row, never after: `_lock_companies_of` takes the rows of every company
concerned, in id order, before the seats are locked. The counter's update then finds its row
locked already. Seat sessions are only ever locked with SKIP LOCKED, so they never wait.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.models import Company, User
from accounts.time_zones import site_today

from . import django_sessions
from .models import EndReason, Seat, SeatSession
from .selectors import capacity_expression, seat_last_active
from .signals import announce_ended


@dataclass(frozen=True)
class Ended:
    """What one call of `end_sessions` changed."""

    session_ids: list[int]
    released_seat_ids: list[int]

    @property
    def sessions(self) -> int:
        return len(self.session_ids)

    @property
    def seats(self) -> int:
        return len(self.released_seat_ids)


def end_sessions(
    seat_session_ids: Collection[int],
    reason: str,
    *,
    now: datetime.datetime | None = None,
    delete_django_sessions: bool = True,
    ended_by: User | None = None,
) -> Ended:
    """End these seat sessions (those still open) and release the seats they leave empty.

    Sessions another transaction is ending right now are skipped, not waited for: that one ends
    them. The Django sessions are deleted from the store in the same transaction, and
    `signals.seat_sessions_ended` is sent once it commits.
    """
    if not seat_session_ids:
        return Ended([], [])
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            SeatSession.objects.select_for_update(skip_locked=True)
            .open()
            .filter(pk__in=seat_session_ids)
            .order_by("pk")
            .values_list("pk", "session_key", "seat_id")
        )
        if not rows:
            return Ended([], [])
        ids = [pk for pk, _, _ in rows]
        SeatSession.objects.filter(pk__in=ids).update(
            ended_at=now, end_reason=reason, ended_by=ended_by
        )
        if delete_django_sessions:
            django_sessions.delete_sessions(key for _, key, _ in rows)
        released = _release_emptied_seats({seat_id for _, _, seat_id in rows}, reason, now)
        announce_ended(SeatSession, ids, reason, now)
    return Ended(ids, released)


def end_seats(
    seat_ids: Collection[int],
    reason: str,
    *,
    now: datetime.datetime | None = None,
    ended_by: User | None = None,
) -> Ended:
    """End every open session of these seats and release them (forced logout, license ended)."""
    now = now or timezone.now()
    with transaction.atomic():
        session_ids = list(
            SeatSession.objects.open().filter(seat_id__in=seat_ids).values_list("pk", flat=True)
        )
        ended = end_sessions(session_ids, reason, now=now, ended_by=ended_by)
        # A seat left without sessions (none should be) is released all the same.
        stragglers = _release_emptied_seats(
            set(seat_ids) - set(ended.released_seat_ids), reason, now
        )
    return Ended(ended.session_ids, ended.released_seat_ids + stragglers)


def end_surplus_seats(
    company_id: int, *, limit: int, now: datetime.datetime | None = None
) -> Ended:
    """End up to `limit` of a company's seats beyond its capacity, longest idle first (`license`).

    A license that ended or shrank must not leave more people signed in than the company now
    pays for. Under the company's lock, like a claim, so the count cannot move meanwhile.
    """
    now = now or timezone.now()
    with transaction.atomic():
        company = (
            Company.objects.select_for_update()
            .annotate(capacity_now=capacity_expression(site_today(now)))
            .get(pk=company_id)
        )
        capacity = company.capacity_now if company.is_active else 0
        surplus = min(company.seats_in_use - capacity, limit)
        if surplus <= 0:
            return Ended([], [])
        ids = list(
            Seat.objects.open()
            .filter(company=company)
            .annotate(last_active=seat_last_active())
            .order_by(F("last_active").asc(nulls_first=True), "claimed_at", "pk")
            .values_list("pk", flat=True)[:surplus]
        )
        return end_seats(ids, EndReason.LICENSE, now=now)


def lock_companies(company_ids: Collection[int] | QuerySet[Any, Any]) -> None:
    """Lock the rows of these companies, in id order (see the module's docstring); a
    transaction that holds them already passes straight through."""
    list(
        Company.objects.select_for_update(no_key=True)
        .filter(pk__in=company_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_companies_of(seat_ids: Collection[int]) -> None:
    """Lock the rows of the companies these seats belong to, before the seats themselves."""
    lock_companies(Seat.objects.filter(pk__in=seat_ids).values("company_id"))


def _release_emptied_seats(seat_ids: set[int], reason: str, now: datetime.datetime) -> list[int]:
    if not seat_ids:
        return []
    _lock_companies_of(seat_ids)
    # Lock the seats next: a sign-in joining one of these seats holds the same lock until it
    # commits, so the emptiness check below sees its new session.
    candidates = list(
        Seat.objects.select_for_update()
        .open()
        .filter(pk__in=seat_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Which still have an open session, looked up by seat id (the foreign key's index): an
    # anti-join here made PostgreSQL scan every open session once per batch.
    still_open = set(
        SeatSession.objects.open().filter(seat_id__in=candidates).values_list("seat_id", flat=True)
    )
    emptied = [pk for pk in candidates if pk not in still_open]
    Seat.objects.filter(pk__in=emptied).update(released_at=now, release_reason=reason)
    return emptied
