"""Read-only queries about licenses and seats that several places need. One definition each.

List pages add columns with correlated subqueries, so a page costs the same number of queries
however many rows it shows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Company, User
from accounts.time_zones import site_today

from .models import Entitlement, LoginDenial, Seat, SeatQuerySet, SeatSession


class SeatActivity(TypedDict):
    """What `with_activity` adds to Seat rows."""

    devices: int
    last_active_at: datetime.datetime | None
    latest_ip: str | None
    latest_user_agent: str | None


class CompanyUsage(TypedDict):
    """What `with_usage` adds to Company rows (which carry `seats_in_use` themselves)."""

    capacity: int
    denials_30d: int


class OpenSessions(TypedDict):
    """What `open_seats_for_logout` loads on Seat rows: their open sessions, as a list."""

    open_sessions: list[SeatSession]


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    SeatWithActivity = WithAnnotations[Seat, SeatActivity]
    CompanyWithUsage = WithAnnotations[Company, CompanyUsage]
    SeatWithOpenSessions = WithAnnotations[Seat, OpenSessions]


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
    day = on or site_today()
    seats = (
        Entitlement.objects.filter(company=OuterRef("pk"))
        .valid_on(day)
        .order_by()
        .values("company")
        .annotate(entitled=Sum(F("package__seats") * F("quantity")))
        .values("entitled")
    )
    return Coalesce(Subquery(seats), 0)


def seats_in_use(company: Company) -> int:
    """The company's open seats now, as capacity checks count them: the counter the database
    keeps on its row (`Company.seats_in_use`), read in constant time. A claim reads the same
    column with the company's lock (`services._claim_locked`); reports that need the seats
    themselves use `Seat.objects.open()`, and `seat_counts.reconcile_seat_counts` checks that
    both agree."""
    return Company.objects.filter(pk=company.pk).values_list("seats_in_use", flat=True).get()


def idle_timeout_of(company: Company) -> int:
    """Minutes of inactivity after which the company's seat sessions are reaped."""
    return company.idle_timeout or settings.SEAT_IDLE_TIMEOUT_MINUTES


def idle_deadline(seat_session: SeatSession) -> datetime.datetime:
    """When this seat session is reaped unless its user is active before (docs/DESIGN.md rule 7).
    `past_idle_deadline` is the same rule for the reaper's set of sessions."""
    timeout = datetime.timedelta(minutes=idle_timeout_of(seat_session.seat.company))
    return seat_session.last_activity + timeout


def past_idle_deadline(now: datetime.datetime) -> QuerySet[SeatSession]:
    """Open sessions whose idle deadline has passed: one range condition per distinct timeout,
    so the reaper's query uses the open-sessions index on `last_activity`."""
    default = settings.SEAT_IDLE_TIMEOUT_MINUTES
    timeouts = (
        Company.objects.filter(idle_timeout__isnull=False)
        .exclude(idle_timeout=default)
        .values_list("idle_timeout", flat=True)
        .distinct()
    )
    # The query leaves out None already; the check says so to the type checker.
    overrides = {minutes for minutes in timeouts if minutes is not None}
    condition = Q(
        Q(seat__company__idle_timeout__isnull=True) | Q(seat__company__idle_timeout=default),
        last_activity__lt=now - datetime.timedelta(minutes=default),
    )
    for minutes in overrides:
        condition |= Q(
            seat__company__idle_timeout=minutes,
            last_activity__lt=now - datetime.timedelta(minutes=minutes),
        )
    return SeatSession.objects.open().filter(condition)


def seat_last_active() -> Max:
    """A seat's last activity, as an annotation of Seat rows: the latest of its open sessions'
    (None for a seat without one, which should not exist)."""
    return Max("sessions__last_activity", filter=Q(sessions__ended_at__isnull=True))


def contact_for(company: Company) -> Contact:
    manager = company.account_manager
    if manager is not None and manager.is_active:
        return Contact(manager.get_full_name(), manager.email, is_account_manager=True)
    return Contact(
        settings.SUPPORT_CONTACT_NAME, settings.SUPPORT_CONTACT_EMAIL, is_account_manager=False
    )


def open_sessions_of(user: User) -> QuerySet[SeatSession]:
    """The user's signed-in devices, most recently active first."""
    return SeatSession.objects.open().filter(seat__user=user).order_by("-last_activity")


# Someone active this recently is probably in the middle of something.
LIKELY_UNSAVED_WORK = datetime.timedelta(minutes=5)
DENIALS_WINDOW = datetime.timedelta(days=30)


def _count(queryset: QuerySet, group_by: str) -> Coalesce:
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def counted_open_seats() -> Coalesce:
    """The open seats of the company `OuterRef("pk")`, counted row by row: what its
    `seats_in_use` counter must equal (`seat_counts.reconcile_seat_counts`)."""
    return _count(Seat.objects.open().filter(company=OuterRef("pk")), "company")


def with_activity(seats: QuerySet[Seat]) -> QuerySet[SeatWithActivity]:
    """Seats with `devices` (open sessions), `last_active_at`, `latest_ip`, `latest_user_agent`.

    "Latest" prefers open sessions, so a signed-in person's idle time is that of a device still
    signed in; a released seat shows its last device.
    """
    sessions = SeatSession.objects.filter(seat=OuterRef("pk"))
    latest = sessions.order_by(F("ended_at").desc(nulls_first=True), "-last_activity", "-pk")
    return seats.annotate(
        devices=_count(sessions.open(), "seat"),
        last_active_at=Subquery(latest.values("last_activity")[:1]),
        latest_ip=Subquery(latest.values("ip")[:1]),
        latest_user_agent=Subquery(latest.values("user_agent")[:1]),
    )


def with_usage(
    companies: QuerySet[Company], now: datetime.datetime | None = None
) -> QuerySet[CompanyWithUsage]:
    """Companies with `capacity` (today) and `denials_30d`, beside their own `seats_in_use`."""
    now = now or timezone.now()
    return companies.annotate(
        capacity=capacity_expression(site_today(now)),
        denials_30d=_count(
            LoginDenial.objects.filter(company=OuterRef("pk"), at__gte=now - DENIALS_WINDOW),
            "company",
        ),
    )


def open_seats_for_logout(seats: SeatQuerySet) -> list[SeatWithOpenSessions]:
    """The open ones among `seats`, with their holder, company and signed-in devices loaded
    (`seat.open_sessions`, most recently active first): what the force-logout page shows."""
    open_sessions = SeatSession.objects.open().order_by("-last_activity")
    return list(
        seats.open()
        .select_related("user", "company")
        .prefetch_related(Prefetch("sessions", queryset=open_sessions, to_attr="open_sessions"))
        .order_by("company__name", "user__email")
    )


def likely_has_unsaved_work(
    seat: SeatWithOpenSessions, now: datetime.datetime | None = None
) -> bool:
    """Active on any device within the last few minutes (needs `open_sessions` loaded)."""
    now = now or timezone.now()
    return any(now - s.last_activity < LIKELY_UNSAVED_WORK for s in seat.open_sessions)
