"""Read-only queries about licenses and seats that several places need. One definition each."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Company, User

from .models import Entitlement, Seat, SeatSession


@dataclass(frozen=True)
class Contact:
    """Whom a customer asks for more licenses."""

    name: str
    email: str
    is_account_manager: bool


def capacity_of(company: Company, on: datetime.date | None = None) -> int:
    """Seats a company may use on a day: package seats × quantity over entitlements valid then."""
    return (
        Company.objects.filter(pk=company.pk)
        .annotate(capacity=capacity_expression(on))
        .values_list("capacity", flat=True)
        .get()
    )


def capacity_expression(on: datetime.date | None = None) -> Coalesce:
    """The capacity rule as an annotation of Company rows (`OuterRef("pk")` is the company), so
    a claim reads it in the same statement that locks the company."""
    day = on or timezone.localdate()
    seats = (
        Entitlement.objects.filter(company=OuterRef("pk"))
        .valid_on(day)
        .order_by()
        .values("company")
        .annotate(seats=Sum(F("package__seats") * F("quantity")))
        .values("seats")
    )
    return Coalesce(Subquery(seats), 0)


def seats_in_use(company: Company) -> int:
    return Seat.objects.filter(company=company, released_at__isnull=True).count()


def idle_timeout_of(company: Company) -> int:
    """Minutes of inactivity after which the company's seat sessions are reaped."""
    return company.idle_timeout or settings.SEAT_IDLE_TIMEOUT_MINUTES


def contact_for(company: Company) -> Contact:
    manager = company.account_manager
    if manager is not None and manager.is_active:
        return Contact(manager.get_full_name(), manager.email, is_account_manager=True)
    return Contact(
        settings.SUPPORT_CONTACT_NAME, settings.SUPPORT_CONTACT_EMAIL, is_account_manager=False
    )


def open_sessions_of(user: User) -> QuerySet[SeatSession]:
    """The user's signed-in devices, most recently active first."""
    return SeatSession.objects.filter(
        seat__user=user, seat__released_at__isnull=True, ended_at__isnull=True
    ).order_by("-last_activity")
