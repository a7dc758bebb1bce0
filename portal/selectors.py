"""Read-only queries of the customer portal."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Company, User
from sessions_seats.models import Seat, SeatSession
from sessions_seats.selectors import open_seats_for_logout, seat_last_active

from .models import SeatWish

if TYPE_CHECKING:
    from sessions_seats.selectors import SeatWithOpenSessions


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


class UserFilter(models.TextChoices):
    """Whom Users and Roles lists, besides the search."""

    SIGNED_IN = "signed_in", "Signed in now"
    ADMINS = "admins", "Admins"
    INVITED = "invited", "Invited"
    DEACTIVATED = "deactivated", "Deactivated"


# Invited and never signed in yet: `add_company_user` creates the account with no password and
# emails a link to set one; the first sign-in records `last_login`. Deactivated people are
# "Deactivated" whatever they did before.
INVITED = Q(is_active=True, last_login__isnull=True)


def company_users(company: Company, search: str = "", show: str = "") -> QuerySet[User]:
    """The company's people for Users and Roles, narrowed by `search` (name or email) and `show`
    (a `UserFilter`; anything else shows everyone). Each row carries, in the one query:
    `seat_since` (the claim of their open seat) and `seat_last_activity` (its latest activity),
    `is_invited` (the `INVITED` rule) and who deactivated them (`deactivated_by`, joined)."""
    open_seat = (
        Seat.objects.open()
        .filter(user=OuterRef("pk"))
        .order_by()  # no default ordering in the GROUP BY
        .annotate(last_active=seat_last_active())
    )
    users = (
        User.objects.filter(company=company)
        .select_related("deactivated_by")
        .annotate(seat_since=Subquery(open_seat.values("claimed_at")[:1]))
        .annotate(
            # A seat without an open session (should not happen) is idle since its claim, as in
            # seat_holders.
            seat_last_activity=Coalesce(
                Subquery(open_seat.values("last_active")[:1]), F("seat_since")
            ),
            is_invited=ExpressionWrapper(INVITED, output_field=BooleanField()),
        )
    )
    search = search.strip()
    if search:
        users = users.filter(Q(email__icontains=search) | Q(full_name__icontains=search))
    if show == UserFilter.SIGNED_IN:
        # Holding a seat is being signed in, on however many devices (docs/DESIGN.md rule 2).
        users = users.filter(seat_since__isnull=False)
    elif show == UserFilter.ADMINS:
        users = users.filter(role=User.Role.ADMIN)
    elif show == UserFilter.INVITED:
        users = users.filter(INVITED)
    elif show == UserFilter.DEACTIVATED:
        users = users.filter(is_active=False)
    return users.order_by("full_name", "email")


def company_user(company: Company, user_id: int) -> User | None:
    """One of the company's people; None for anyone else's (callers answer 404)."""
    return company_users(company).filter(pk=user_id).first()


def open_seat_for_logout(user: User) -> SeatWithOpenSessions | None:
    """The user's open seat with their signed-in devices loaded, as the force-logout
    confirmation shows it; None when they are not signed in."""
    seats = open_seats_for_logout(Seat.objects.filter(user=user))
    return seats[0] if seats else None


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
