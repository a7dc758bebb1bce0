"""The seat ledger: every claim, join, refusal, leave and release of a company, in time order."""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from accounts.models import Company, User
from accounts.time_zones import zone_of
from common.csv_export import csv_lines
from sessions_seats.devices import describe_user_agent
from sessions_seats.models import (
    EndReason,
    ForcedLogout,
    LoginDenial,
    Seat,
    SeatSession,
)

from .periods import CHUNK, DateOrDatetime, period_bounds


class LedgerKind:
    """The kinds of seat events, in the order they sort when they happen at the same instant."""

    CLAIMED = "claimed"  # took a seat (first device)
    JOINED = "joined"  # signed in from another device onto the seat they already hold
    REFUSED = "refused"  # sign-in refused (seats full, no license, company inactive)
    LEFT = "left"  # one device signed out or was ended; the seat stays held by another device
    RELEASED = "released"  # the seat was freed, with the reason of its last session's end

    ALL: tuple[str, ...] = (CLAIMED, JOINED, REFUSED, LEFT, RELEASED)
    LABELS: dict[str, str] = {
        CLAIMED: "Seat claimed",
        JOINED: "Joined from another device",
        REFUSED: "Sign-in refused",
        LEFT: "Device signed out",
        RELEASED: "Seat released",
    }


_KIND_RANK = {kind: rank for rank, kind in enumerate(LedgerKind.ALL)}
_REASON_LABELS: dict[str, str] = {**dict(EndReason.choices), **dict(LoginDenial.Reason.choices)}


@dataclass(frozen=True)
class LedgerEvent:
    """One line of a company's seat ledger."""

    at: datetime.datetime
    kind: str
    user_id: int
    user_email: str
    user_name: str
    # The end reason (logout, idle, forced, expired, license) or the refusal reason.
    reason: str = ""
    device: str = ""
    ip: str = ""
    # Refusals: the numbers the engine saw at that moment.
    capacity: int | None = None
    seats_in_use: int | None = None
    # Forced releases: who forced it and why, from the forced-logout audit record.
    forced_by: str = ""
    forced_reason: str = ""
    # Tie-breaker among events of one kind at one instant: the row's primary key.
    row_id: int = field(default=0, compare=False)

    @property
    def kind_label(self) -> str:
        return LedgerKind.LABELS[self.kind]

    @property
    def reason_label(self) -> str:
        return _REASON_LABELS.get(self.reason, self.reason)

    @property
    def device_name(self) -> str:
        """ "Chrome on Windows", as every other page names a device; empty for events that
        happened on no device (refusals, releases)."""
        if not (self.device or self.ip):
            return ""
        return describe_user_agent(self.device)

    def sort_key(self) -> tuple[datetime.datetime, int, int]:
        return (self.at, _KIND_RANK[self.kind], self.row_id)


def ledger_time_zone(company: Company) -> datetime.tzinfo:
    """The zone the company's ledger is shown and exported in, and its days cut in: the
    company's own (`accounts.time_zones`), for the page and the CSV alike."""
    return zone_of(company)


def ledger(
    company: Company,
    *,
    start: DateOrDatetime,
    end: DateOrDatetime,
    user: User | int | None = None,
    kinds: Collection[str] | None = None,
    newest_first: bool = False,
    limit: int | None = None,
) -> Iterator[LedgerEvent]:
    """The company's seat events in [start, end), optionally of one user and kinds, oldest first
    (or newest first, the exact reverse).

    Built from the seat, seat-session and denial tables (no event table to keep in step): one
    ordered, streamed query per kind, merged by time. A forced release names who forced it and
    why, from the forced-logout audit record written with it. With `limit`, each query stops
    after that many rows: the first `limit` events of the merge cannot need more of any kind.
    """
    streams: list[Iterator[LedgerEvent]] = []
    for source, rows in _selected(company, start, end, user, kinds):
        ordered = source.columns(rows).order_by(*source.ordering(newest_first=newest_first))
        if limit is not None:
            ordered = ordered[:limit]
        streams.append(source.events(ordered))
    return heapq.merge(*streams, key=LedgerEvent.sort_key, reverse=newest_first)


def ledger_count(
    company: Company,
    *,
    start: DateOrDatetime,
    end: DateOrDatetime,
    user: User | int | None = None,
    kinds: Collection[str] | None = None,
    newest_first: bool = False,
) -> int:
    """How many events `ledger` yields for the same filters: one COUNT per kind, no rows read.
    (`newest_first` is accepted so that one dict of filters serves both.)"""
    return sum(rows.count() for _, rows in _selected(company, start, end, user, kinds))


def _selected(company, start, end, user, kinds) -> Iterator[tuple[_Source, QuerySet]]:
    lo, hi = period_bounds(start, end, ledger_time_zone(company))
    wanted = set(LedgerKind.ALL if kinds is None else kinds)
    unknown = wanted - set(LedgerKind.ALL)
    if unknown:
        raise ValueError(f"Unknown ledger kinds: {', '.join(sorted(unknown))}")
    user_id = user.pk if isinstance(user, User) else user
    for kind in LedgerKind.ALL:
        if kind in wanted:
            source = _LEDGER_SOURCES[kind]
            yield source, source.rows(company, lo, hi, user_id)


@dataclass(frozen=True)
class _Source:
    """One kind of event: its rows in a period (unordered, so they can be counted), the columns
    an event needs, the time it happened, and how a row becomes an event."""

    rows: Callable[[Company, datetime.datetime, datetime.datetime, int | None], QuerySet]
    columns: Callable[[QuerySet], QuerySet]
    time_field: str
    event: Callable[[tuple], LedgerEvent]

    def ordering(self, *, newest_first: bool) -> tuple[str, str]:
        # The primary key breaks ties as LedgerEvent.sort_key does, so the merge stays in order.
        if newest_first:
            return f"-{self.time_field}", "-pk"
        return self.time_field, "pk"

    def events(self, rows: QuerySet) -> Iterator[LedgerEvent]:
        for row in rows.iterator(chunk_size=CHUNK):
            yield self.event(row)


def _seats(company: Company, user_id: int | None):
    qs = Seat.objects.filter(company=company)
    return qs if user_id is None else qs.filter(user_id=user_id)


def _sessions(company: Company, lo, hi, user_id: int | None):
    # Every session of the period belongs to a seat that overlaps the period: saying so lets the
    # planner start from the company's seats instead of all sessions of the window.
    qs = SeatSession.objects.filter(seat__company=company, seat__claimed_at__lt=hi).filter(
        Q(seat__released_at__isnull=True) | Q(seat__released_at__gte=lo)
    )
    return qs if user_id is None else qs.filter(seat__user_id=user_id)


def _claim_rows(company, lo, hi, user_id) -> QuerySet:
    return _seats(company, user_id).filter(claimed_at__gte=lo, claimed_at__lt=hi)


def _claim_columns(rows: QuerySet) -> QuerySet:
    first_session = SeatSession.objects.filter(seat=OuterRef("pk")).order_by("pk")
    return rows.annotate(
        device=Subquery(first_session.values("user_agent")[:1]),
        device_ip=Subquery(first_session.values("ip")[:1]),
    ).values_list(
        "pk", "claimed_at", "user_id", "user__email", "user__full_name", "device", "device_ip"
    )


def _claim(row: tuple) -> LedgerEvent:
    pk, at, uid, email, name, device, ip = row
    return LedgerEvent(
        at, LedgerKind.CLAIMED, uid, email, name, device=device or "", ip=ip or "", row_id=pk
    )


def _join_rows(company, lo, hi, user_id) -> QuerySet:
    # A session is a join when its seat already had a session: the first one is the claim.
    earlier = SeatSession.objects.filter(seat=OuterRef("seat"), pk__lt=OuterRef("pk"))
    return (
        _sessions(company, lo, hi, user_id)
        .filter(started_at__gte=lo, started_at__lt=hi)
        .filter(Exists(earlier))
    )


def _join_columns(rows: QuerySet) -> QuerySet:
    return rows.values_list(
        "pk",
        "started_at",
        "seat__user_id",
        "seat__user__email",
        "seat__user__full_name",
        "user_agent",
        "ip",
    )


def _join(row: tuple) -> LedgerEvent:
    pk, at, uid, email, name, device, ip = row
    return LedgerEvent(
        at, LedgerKind.JOINED, uid, email, name, device=device, ip=ip or "", row_id=pk
    )


def _left_rows(company, lo, hi, user_id) -> QuerySet:
    # A device's end is its own line only while the seat stays held; otherwise the release says it.
    return (
        _sessions(company, lo, hi, user_id)
        .filter(ended_at__gte=lo, ended_at__lt=hi)
        .filter(Q(seat__released_at__isnull=True) | Q(seat__released_at__gt=F("ended_at")))
    )


def _left_columns(rows: QuerySet) -> QuerySet:
    return rows.values_list(
        "pk",
        "ended_at",
        "seat__user_id",
        "seat__user__email",
        "seat__user__full_name",
        "end_reason",
        "user_agent",
        "ip",
    )


def _left(row: tuple) -> LedgerEvent:
    pk, at, uid, email, name, reason, device, ip = row
    return LedgerEvent(
        at,
        LedgerKind.LEFT,
        uid,
        email,
        name,
        reason=reason,
        device=device,
        ip=ip or "",
        row_id=pk,
    )


def _release_rows(company, lo, hi, user_id) -> QuerySet:
    return _seats(company, user_id).filter(released_at__gte=lo, released_at__lt=hi)


def _release_columns(rows: QuerySet) -> QuerySet:
    # force_logout releases the seat and writes its audit record with the same instant: the
    # target and that instant identify the record.
    audit = ForcedLogout.objects.filter(
        company=OuterRef("company_id"), target=OuterRef("user_id"), at=OuterRef("released_at")
    ).order_by("-pk")
    return rows.annotate(
        forced_by=Subquery(audit.values("actor_email")[:1]),
        forced_reason=Subquery(audit.values("reason")[:1]),
    ).values_list(
        "pk",
        "released_at",
        "user_id",
        "user__email",
        "user__full_name",
        "release_reason",
        "forced_by",
        "forced_reason",
    )


def _release(row: tuple) -> LedgerEvent:
    pk, at, uid, email, name, reason, forced_by, forced_reason = row
    return LedgerEvent(
        at,
        LedgerKind.RELEASED,
        uid,
        email,
        name,
        reason=reason,
        row_id=pk,
        forced_by=forced_by or "",
        forced_reason=forced_reason or "",
    )


def _refusal_rows(company, lo, hi, user_id) -> QuerySet:
    qs = LoginDenial.objects.filter(company=company, at__gte=lo, at__lt=hi)
    return qs if user_id is None else qs.filter(user_id=user_id)


def _refusal_columns(rows: QuerySet) -> QuerySet:
    return rows.values_list(
        "pk",
        "at",
        "user_id",
        "user__email",
        "user__full_name",
        "reason",
        "capacity",
        "seats_in_use",
    )


def _refusal(row: tuple) -> LedgerEvent:
    pk, at, uid, email, name, reason, capacity, in_use = row
    return LedgerEvent(
        at,
        LedgerKind.REFUSED,
        uid,
        email,
        name,
        reason=reason,
        capacity=capacity,
        seats_in_use=in_use,
        row_id=pk,
    )


_LEDGER_SOURCES: dict[str, _Source] = {
    LedgerKind.CLAIMED: _Source(_claim_rows, _claim_columns, "claimed_at", _claim),
    LedgerKind.JOINED: _Source(_join_rows, _join_columns, "started_at", _join),
    LedgerKind.REFUSED: _Source(_refusal_rows, _refusal_columns, "at", _refusal),
    LedgerKind.LEFT: _Source(_left_rows, _left_columns, "ended_at", _left),
    LedgerKind.RELEASED: _Source(_release_rows, _release_columns, "released_at", _release),
}

LEDGER_CSV_HEADER = (
    "time",
    "event",
    "email",
    "name",
    "reason",
    "device",
    "device_name",
    "ip",
    "capacity",
    "seats_in_use",
    "forced_by",
    "forced_reason",
)


def _csv_row(event: LedgerEvent) -> list[object]:
    return [
        event.at,
        event.kind_label,
        event.user_email,
        event.user_name,
        event.reason_label,
        event.device,
        event.device_name,
        event.ip,
        event.capacity,
        event.seats_in_use,
        event.forced_by,
        event.forced_reason,
    ]


def ledger_csv_lines(
    events: Iterable[LedgerEvent], *, time_zone: datetime.tzinfo | None = None
) -> Iterator[str]:
    """The ledger as CSV lines, times in `time_zone` (see `common.csv_export` for the convention).

    `device` is the User-Agent as the browser sent it, which support may need word for word;
    `device_name` beside it is the name the pages show ("Chrome on Windows").
    """
    rows = (_csv_row(event) for event in events)
    return csv_lines(LEDGER_CSV_HEADER, rows, time_zone=time_zone)


def write_ledger_csv(events: Iterable[LedgerEvent], out: IO[str]) -> int:
    """Write the ledger as CSV to a text file; returns the number of events written."""
    count = -1  # the header is not an event
    for count, line in enumerate(ledger_csv_lines(events)):  # noqa: B007
        out.write(line)
    return count
