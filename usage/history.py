"""What the simulator replays: every device of the seats held in a period, as recorded.

Read in one query, in claim order (see the rules in `usage.simulator`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Company
from sessions_seats.models import Seat

from .periods import CHUNK


@dataclass(frozen=True)
class SessionHistory:
    """What the replay needs of one signed-in device of a real seat."""

    seat_id: int
    user_id: int
    at: datetime.datetime  # when it asked for the seat: the claim, or its own start (a join)
    last_active: datetime.datetime
    ended_at: datetime.datetime | None  # None: still signed in
    reason: str
    claimed: bool = True  # the seat's first device; the others joined it


def load_sessions(
    company: Company, lo: datetime.datetime, until: datetime.datetime
) -> list[SessionHistory]:
    """Every device of the seats held at some time in [lo, until), in one query (rule 2)."""
    rows = (
        Seat.objects.filter(company=company, claimed_at__lt=until)
        .filter(Q(released_at__isnull=True) | Q(released_at__gte=lo))
        .order_by("claimed_at", "pk", "sessions__started_at", "sessions__pk")
        .values_list(
            "pk",
            "user_id",
            "claimed_at",
            "released_at",
            "release_reason",
            "sessions__started_at",
            "sessions__last_activity",
            "sessions__ended_at",
            "sessions__end_reason",
        )
    )
    sessions = []
    previous_seat = None
    for (
        seat_id,
        user_id,
        claimed,
        released,
        release_reason,
        started,
        last_active,
        ended,
        reason,
    ) in rows.iterator(chunk_size=CHUNK):
        claimed_here = seat_id != previous_seat
        previous_seat = seat_id
        if started is None:  # a seat without a device (none should exist): the seat itself
            started, last_active, ended, reason = claimed, claimed, released, release_reason
        sessions.append(
            SessionHistory(
                seat_id=seat_id,
                user_id=user_id,
                at=claimed if claimed_here else max(claimed, started),
                last_active=last_active,
                # A device left open on a released seat ended with it.
                ended_at=ended if ended is not None else released,
                reason=reason or release_reason,
                claimed=claimed_here,
            )
        )
    return sessions
