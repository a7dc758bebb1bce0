"""Reads the staff console needs: seats with their activity, companies with their usage.

Each adds columns to a queryset with correlated subqueries, so a list page costs the same number of
queries however many rows it shows.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Company
from sessions_seats.models import Entitlement, LoginDenial, Seat, SeatSession

# Someone active this recently is probably in the middle of something.
LIKELY_UNSAVED_WORK = datetime.timedelta(minutes=5)
DENIALS_WINDOW = datetime.timedelta(days=30)


def _count(queryset: QuerySet, group_by: str) -> Coalesce:
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_activity(seats: QuerySet[Seat]) -> QuerySet[Seat]:
    """Seats with `devices` (open sessions), `last_active_at`, `latest_ip`, `latest_user_agent`.

    "Latest" prefers open sessions, so a signed-in person's idle time is that of a device still
    signed in; a released seat shows its last device.
    """
    sessions = SeatSession.objects.filter(seat=OuterRef("pk"))
    latest = sessions.order_by(F("ended_at").desc(nulls_first=True), "-last_activity", "-pk")
    return seats.annotate(
        devices=_count(sessions.filter(ended_at__isnull=True), "seat"),
        last_active_at=Subquery(latest.values("last_activity")[:1]),
        latest_ip=Subquery(latest.values("ip")[:1]),
        latest_user_agent=Subquery(latest.values("user_agent")[:1]),
    )


def with_usage(companies: QuerySet[Company], now: datetime.datetime | None = None) -> QuerySet:
    """Companies with `capacity` (today), `seats_in_use` and `denials_30d`."""
    now = now or timezone.now()
    valid = Entitlement.objects.filter(company=OuterRef("pk")).valid_on(timezone.localdate(now))
    capacity = (
        valid.order_by()
        .values("company")
        .annotate(seats=Sum(F("package__seats") * F("quantity")))
        .values("seats")
    )
    return companies.annotate(
        capacity=Coalesce(Subquery(capacity, output_field=IntegerField()), 0),
        seats_in_use=_count(
            Seat.objects.filter(company=OuterRef("pk"), released_at__isnull=True), "company"
        ),
        denials_30d=_count(
            LoginDenial.objects.filter(company=OuterRef("pk"), at__gte=now - DENIALS_WINDOW),
            "company",
        ),
    )


def open_seats_for_logout(seats: QuerySet[Seat]) -> list[Seat]:
    """The open ones among `seats`, with their holder, company and signed-in devices loaded
    (`seat.open_sessions`, most recently active first): what the force-logout page shows."""
    open_sessions = SeatSession.objects.filter(ended_at__isnull=True).order_by("-last_activity")
    return list(
        seats.filter(released_at__isnull=True)
        .select_related("user", "company")
        .prefetch_related(Prefetch("sessions", queryset=open_sessions, to_attr="open_sessions"))
        .order_by("company__name", "user__email")
    )


def likely_has_unsaved_work(seat: Seat, now: datetime.datetime | None = None) -> bool:
    """Active on any device within the last few minutes (needs `open_sessions` loaded)."""
    now = now or timezone.now()
    return any(now - s.last_activity < LIKELY_UNSAVED_WORK for s in seat.open_sessions)
