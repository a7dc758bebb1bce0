"""The seat ledger: every claim, join, refusal, leave and release of a company, in time order."""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.db.models import Exists, F, OuterRef, Q, Subquery

from accounts.models import Company, User
from common.csv_export import csv_lines
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

    def sort_key(self) -> tuple[datetime.datetime, int, int]:
        return (self.at, _KIND_RANK[self.kind], self.row_id)


def ledger(
    company: Company,
    *,
    start: DateOrDatetime,
    end: DateOrDatetime,
    user: User | int | None = None,
    kinds: Collection[str] | None = None,
) -> Iterator[LedgerEvent]:
    """The company's seat events in [start, end), oldest first, optionally of one user and kinds.

    Built from the seat, seat-session and denial tables (no event table to keep in step): one
    ordered, streamed query per kind, merged by time. A forced release names who forced it and
    why, from the forced-logout audit record written with it.
    """
    lo, hi = period_bounds(start, end)
    wanted = set(LedgerKind.ALL if kinds is None else kinds)
    unknown = wanted - set(LedgerKind.ALL)
    if unknown:
        raise ValueError(f"Unknown ledger kinds: {', '.join(sorted(unknown))}")
    user_id = user.pk if isinstance(user, User) else user

    streams: list[Iterator[LedgerEvent]] = []
    for kind in LedgerKind.ALL:
        if kind in wanted:
            streams.append(_LEDGER_SOURCES[kind](company, lo, hi, user_id))
    return heapq.merge(*streams, key=LedgerEvent.sort_key)


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


def _claims(company, lo, hi, user_id) -> Iterator[LedgerEvent]:
    first_session = SeatSession.objects.filter(seat=OuterRef("pk")).order_by("pk")
    rows = (
        _seats(company, user_id)
        .filter(claimed_at__gte=lo, claimed_at__lt=hi)
        .annotate(
            device=Subquery(first_session.values("user_agent")[:1]),
            device_ip=Subquery(first_session.values("ip")[:1]),
        )
        .order_by("claimed_at", "pk")
        .values_list(
            "pk", "claimed_at", "user_id", "user__email", "user__full_name", "device", "device_ip"
        )
    )
    for pk, at, uid, email, name, device, ip in rows.iterator(chunk_size=CHUNK):
        yield LedgerEvent(
            at, LedgerKind.CLAIMED, uid, email, name, device=device or "", ip=ip or "", row_id=pk
        )


def _joins(company, lo, hi, user_id) -> Iterator[LedgerEvent]:
    # A session is a join when its seat already had a session: the first one is the claim.
    earlier = SeatSession.objects.filter(seat=OuterRef("seat"), pk__lt=OuterRef("pk"))
    rows = (
        _sessions(company, lo, hi, user_id)
        .filter(started_at__gte=lo, started_at__lt=hi)
        .filter(Exists(earlier))
        .order_by("started_at", "pk")
        .values_list(
            "pk",
            "started_at",
            "seat__user_id",
            "seat__user__email",
            "seat__user__full_name",
            "user_agent",
            "ip",
        )
    )
    for pk, at, uid, email, name, device, ip in rows.iterator(chunk_size=CHUNK):
        yield LedgerEvent(
            at, LedgerKind.JOINED, uid, email, name, device=device, ip=ip or "", row_id=pk
        )


def _lefts(company, lo, hi, user_id) -> Iterator[LedgerEvent]:
    # A device's end is its own line only while the seat stays held; otherwise the release says it.
    rows = (
        _sessions(company, lo, hi, user_id)
        .filter(ended_at__gte=lo, ended_at__lt=hi)
        .filter(Q(seat__released_at__isnull=True) | Q(seat__released_at__gt=F("ended_at")))
        .order_by("ended_at", "pk")
        .values_list(
            "pk",
            "ended_at",
            "seat__user_id",
            "seat__user__email",
            "seat__user__full_name",
            "end_reason",
            "user_agent",
            "ip",
        )
    )
    for pk, at, uid, email, name, reason, device, ip in rows.iterator(chunk_size=CHUNK):
        yield LedgerEvent(
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


def _releases(company, lo, hi, user_id) -> Iterator[LedgerEvent]:
    # force_logout releases the seat and writes its audit record with the same instant: the
    # target and that instant identify the record.
    audit = ForcedLogout.objects.filter(
        company=company, target=OuterRef("user_id"), at=OuterRef("released_at")
    ).order_by("-pk")
    rows = (
        _seats(company, user_id)
        .filter(released_at__gte=lo, released_at__lt=hi)
        .annotate(
            forced_by=Subquery(audit.values("actor_email")[:1]),
            forced_reason=Subquery(audit.values("reason")[:1]),
        )
        .order_by("released_at", "pk")
        .values_list(
            "pk",
            "released_at",
            "user_id",
            "user__email",
            "user__full_name",
            "release_reason",
            "forced_by",
            "forced_reason",
        )
    )
    for pk, at, uid, email, name, reason, forced_by, forced_reason in rows.iterator(
        chunk_size=CHUNK
    ):
        yield LedgerEvent(
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


def _refusals(company, lo, hi, user_id) -> Iterator[LedgerEvent]:
    qs = LoginDenial.objects.filter(company=company, at__gte=lo, at__lt=hi)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    rows = qs.order_by("at", "pk").values_list(
        "pk",
        "at",
        "user_id",
        "user__email",
        "user__full_name",
        "reason",
        "capacity",
        "seats_in_use",
    )
    for pk, at, uid, email, name, reason, capacity, in_use in rows.iterator(chunk_size=CHUNK):
        yield LedgerEvent(
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


_LEDGER_SOURCES = {
    LedgerKind.CLAIMED: _claims,
    LedgerKind.JOINED: _joins,
    LedgerKind.REFUSED: _refusals,
    LedgerKind.LEFT: _lefts,
    LedgerKind.RELEASED: _releases,
}

LEDGER_CSV_HEADER = (
    "time",
    "event",
    "email",
    "name",
    "reason",
    "device",
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
        event.ip,
        event.capacity,
        event.seats_in_use,
        event.forced_by,
        event.forced_reason,
    ]


def ledger_csv_lines(events: Iterable[LedgerEvent]) -> Iterator[str]:
    """The ledger as CSV lines (see `common.csv_export` for the time convention)."""
    return csv_lines(LEDGER_CSV_HEADER, (_csv_row(event) for event in events))


def write_ledger_csv(events: Iterable[LedgerEvent], out: IO[str]) -> int:
    """Write the ledger as CSV to a text file; returns the number of events written."""
    count = -1  # the header is not an event
    for count, line in enumerate(ledger_csv_lines(events)):  # noqa: B007
        out.write(line)
    return count
