"""Which seat sessions the reaper ends, and why; the ending itself is `services.end_sessions`.

Three kinds, in this order:
- `license`: every open session of a company that is inactive or has no entitlement valid today,
             then, where a license shrank below the seats in use, the surplus seats (longest idle
             first, under the company's lock: `services.end_surplus_seats`);
- `expired`: open sessions whose Django session is gone (deleted, or past its expiry date);
- `idle`:    open sessions inactive for longer than their company's idle timeout.

Before them it checks every company's seat counter against its open seats and corrects drift
(`seat_counts.reconcile_seat_counts`), reported with the rest.

Candidates are taken in keyset-paginated batches and each batch ends in its own short
transaction, so memory stays flat and sign-ins wait at most one batch for a lock. Two reapers may
run at once: the ending skips rows the other holds, and the keyset cursor still moves on.

On PostgreSQL a batch is three set-based statements that read, lock and end the next candidates
(`reaper_sql.end_next_batch`); elsewhere the batch's ids are read, then ended by
`releases.end_sessions`, the ending every other path uses. Both make the same changes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Company
from accounts.time_zones import site_today
from common.id_sets import among

from . import django_sessions, reaper_sql
from .models import EndReason, Entitlement, Seat, SeatSession
from .releases import Ended, end_sessions, end_surplus_seats
from .seat_counts import Correction, reconcile_seat_counts
from .selectors import capacity_expression, past_idle_deadline


@dataclass
class ReapReport:
    """How many sessions each kind ended, and how many seats that freed."""

    sessions: dict[str, int] = field(default_factory=dict)
    seats_released: int = 0
    counters_corrected: list[Correction] = field(default_factory=list)

    @property
    def total_sessions(self) -> int:
        return sum(self.sessions.values())

    def __str__(self) -> str:
        parts = ", ".join(f"{count} {kind}" for kind, count in self.sessions.items() if count)
        text = (
            f"Ended {self.total_sessions} seat sessions ({parts or 'none'}); "
            f"released {self.seats_released} seats."
        )
        if self.counters_corrected:
            fixed = ", ".join(
                f"company {c.company_id} {c.was} -> {c.now}" for c in self.counters_corrected
            )
            text += f" Corrected seat counters: {fixed}."
        return text


def reap_idle_seats(
    now: datetime.datetime | None = None,
    batch_size: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ReapReport:
    now = now or timezone.now()
    batch_size = batch_size or settings.SEAT_REAPER_BATCH_SIZE
    # First: the surplus below is decided on the counters, which must not end a seat for drift.
    report = ReapReport(counters_corrected=reconcile_seat_counts())
    for reason, endings in (
        (EndReason.LICENSE, _end_in_batches(_unlicensed(now), EndReason.LICENSE, now, batch_size)),
        (EndReason.EXPIRED, _end_expired(now, batch_size)),
        (EndReason.IDLE, _end_in_batches(past_idle_deadline(now), EndReason.IDLE, now, batch_size)),
    ):
        ended_here = 0
        for ended in endings:
            ended_here += ended.sessions
            report.seats_released += ended.seats
            if progress and ended.sessions:
                progress(reason, ended_here)
        if reason == EndReason.LICENSE:
            ended_here += _end_surplus(now, batch_size, report)
        report.sessions[str(reason)] = ended_here
    return report


def _end_in_batches(
    candidates: QuerySet[SeatSession], reason: str, now: datetime.datetime, size: int
) -> Iterator[Ended]:
    """End every candidate, a batch per transaction, and say what each batch changed."""
    if candidates.query.is_empty():
        return
    if connection.vendor == "postgresql":
        after = 0
        while batch := reaper_sql.end_next_batch(
            candidates, after=after, size=size, reason=reason, now=now
        ):
            after = batch.last_read
            yield batch.ended
        return
    for ids in _batches(candidates, size):
        yield end_sessions(ids, reason, now=now)


def _end_surplus(now: datetime.datetime, batch_size: int, report: ReapReport) -> int:
    """Seats over a reduced capacity; the count is checked again under each company's lock."""
    ended_here = 0
    for company_id in _over_capacity(now):
        while True:
            ended = end_surplus_seats(company_id, limit=batch_size, now=now)
            ended_here += ended.sessions
            report.seats_released += ended.seats
            if ended.seats < batch_size:
                break
    return ended_here


def _over_capacity(now: datetime.datetime) -> list[int]:
    return list(
        Company.objects.filter(is_active=True)
        .annotate(capacity_now=capacity_expression(site_today(now)))
        .filter(seats_in_use__gt=F("capacity_now"))
        .values_list("pk", flat=True)
    )


def _open_sessions() -> QuerySet[SeatSession]:
    return SeatSession.objects.open()


def _unlicensed(now: datetime.datetime) -> QuerySet[SeatSession]:
    valid = Entitlement.objects.filter(company=OuterRef("pk")).valid_on(site_today(now))
    open_seat = Seat.objects.open().filter(company=OuterRef("pk"))
    unlicensed = list(
        Company.objects.filter(Exists(open_seat))
        .filter(Q(is_active=False) | ~Exists(valid))
        .values_list("pk", flat=True)
    )
    # Read first, and usually none: as a subquery of the sessions' query, finding no company cost
    # a pass over every open session.
    if not unlicensed:
        return _open_sessions().none()
    return _open_sessions().filter(seat__company__in=unlicensed)


def _batches(queryset: QuerySet[SeatSession], size: int) -> Iterator[list[int]]:
    last_id = 0
    while True:
        ids = list(
            queryset.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:size]
        )
        if not ids:
            return
        yield ids
        last_id = ids[-1]


def _end_expired(now: datetime.datetime, size: int) -> Iterator[Ended]:
    live = django_sessions.live_session_filter(now)
    if live is not None:
        gone = _open_sessions().exclude(live)
        # Counted first, in one pass over the open sessions. Asked at once for the first batch
        # in id order, the planner may probe the session table once per open session, expecting
        # to fill the batch early; when few or none are gone, as in most runs, it reads them all
        # that way. A few are then ended by id: a gone session does not come back (an expired
        # one is never loaded again; a browser that returns gets a new key).
        count = gone.count()
        if 0 < count <= size:
            gone = _open_sessions().filter(pk__in=among(list(gone.values_list("pk", flat=True))))
        if count:
            yield from _end_in_batches(gone, EndReason.EXPIRED, now, size)
        return
    # Stores without a table (cache, signed cookies): ask the store key by key.
    last_id = 0
    while True:
        rows = list(
            _open_sessions()
            .filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "session_key")[:size]
        )
        if not rows:
            return
        missing = django_sessions.missing_session_keys(key for _, key in rows)
        if missing:
            yield end_sessions(
                [pk for pk, key in rows if key in missing], EndReason.EXPIRED, now=now
            )
        last_id = rows[-1][0]
