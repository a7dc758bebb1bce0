"""Read-only queries of the customer portal."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Company, User
from sessions_seats.models import Seat, SeatSession
from sessions_seats.selectors import seat_last_active

from .models import SeatWish


@dataclass(frozen=True)
class SeatHolder:
    """Someone holding one of the company's seats, with how long they have been idle."""

    seat: Seat
    user: User
    claimed_at: datetime.datetime
    last_activity: datetime.datetime
    devices: int

    @property
    def idle_for(self) -> datetime.timedelta:
        return max(timezone.now() - self.last_activity, datetime.timedelta(0))

    @property
    def idle_minutes(self) -> int:
        return int(self.idle_for.total_seconds() // 60)


def seat_holders(company: Company) -> list[SeatHolder]:
    """The company's open seats, the longest idle first (the best candidates to free)."""
    seats = (
        Seat.objects.open()
        .filter(company=company)
        .select_related("user")
        .annotate(
            last_seen=seat_last_active(),
            devices=Count("sessions", filter=Q(sessions__ended_at__isnull=True)),
        )
    )
    holders = [
        SeatHolder(
            seat=seat,
            user=seat.user,
            claimed_at=seat.claimed_at,
            # A seat without an open session (should not happen) has been idle since its claim.
            last_activity=seat.last_seen or seat.claimed_at,
            devices=seat.devices,
        )
        for seat in seats
    ]
    return sorted(holders, key=lambda holder: holder.last_activity)


def company_users(company: Company, search: str = "") -> QuerySet[User]:
    """The company's people for Users and Roles; when they hold a seat, `seat_since` (its claim)
    and `seat_last_activity` (the latest activity of its open sessions), both in the one query."""
    open_seat = (
        Seat.objects.open()
        .filter(user=OuterRef("pk"))
        .order_by()  # no default ordering in the GROUP BY
        .annotate(last_active=seat_last_active())
    )
    users = (
        User.objects.filter(company=company)
        .annotate(seat_since=Subquery(open_seat.values("claimed_at")[:1]))
        .annotate(
            # A seat without an open session (should not happen) is idle since its claim, as in
            # seat_holders.
            seat_last_activity=Coalesce(
                Subquery(open_seat.values("last_active")[:1]), F("seat_since")
            )
        )
    )
    search = search.strip()
    if search:
        users = users.filter(Q(email__icontains=search) | Q(full_name__icontains=search))
    return users.order_by("full_name", "email")


def company_user(company: Company, user_id: int) -> User | None:
    """One of the company's people; None for anyone else's (callers answer 404)."""
    return company_users(company).filter(pk=user_id).first()


def active_admin_count(company: Company) -> int:
    return User.objects.active_company_admins(company).count()


def admins_to_ask(company: Company) -> list[User]:
    """Whom a member asks for a seat or more licenses: their company's active admins."""
    return list(User.objects.active_company_admins(company))


def my_open_session(user: User, seat_session_id: int) -> SeatSession | None:
    """One of the user's own signed-in devices; None for anyone else's."""
    return SeatSession.objects.open().filter(pk=seat_session_id, seat__user=user).first()


def pending_wish_of(user: User) -> SeatWish | None:
    return SeatWish.objects.filter(user=user, notified_at__isnull=True).first()
