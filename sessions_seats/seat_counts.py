"""Checking each company's seat counter against its open seats, and correcting any drift.

`Company.seats_in_use` is kept by the database's triggers (migration 0010), so it drifts only when
they were bypassed: a restore without them, a table rebuilt without them, a hand-written update of
the counter. The reaper runs this every cycle; a correction is logged as a warning and reported.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from accounts.models import Company

from .models import Seat
from .selectors import counted_open_seats

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Correction:
    """A counter that disagreed with the seats: what it said, and what it says now."""

    company_id: int
    was: int
    now: int


def reconcile_seat_counts() -> list[Correction]:
    """Set every drifted counter to the company's open seats; what was corrected."""
    drifted = list(
        Company.objects.annotate(counted=counted_open_seats())
        .exclude(seats_in_use=F("counted"))
        .values_list("pk", flat=True)
    )
    return [c for c in (_correct(company_id) for company_id in drifted) if c is not None]


def _correct(company_id: int) -> Correction | None:
    # Under the company's lock, as a claim or a release: no seat of it changes meanwhile, and a
    # writer that bypasses that order applies its change to the corrected figure once we commit.
    with transaction.atomic():
        was = (
            Company.objects.select_for_update(no_key=True)
            .filter(pk=company_id)
            .values_list("seats_in_use", flat=True)
            .first()
        )
        if was is None:
            return None
        now = Seat.objects.open().filter(company_id=company_id).count()
        if now == was:
            return None
        Company.objects.filter(pk=company_id).update(seats_in_use=now)
    logger.warning(
        "Seat counter of company %s said %s open seats, but it has %s: corrected.",
        company_id,
        was,
        now,
    )
    return Correction(company_id, was, now)
