"""Which "seats full" refusals the usage figures count: the one rule shared by the usage report,
the sizing simulator and the weekly digest (which reads the report's counts).

Someone refused who clicks "Sign in" again and again is one person wanting a seat, not many: a
refusal of the same person within `REPEAT_WINDOW` of their previous counted refusal is not
counted again, so repeated clicks cannot inflate the refusals, or the seats the recommendation
asks for. The seat ledger still lists every refusal, as the engine recorded it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from accounts.models import Company
from sessions_seats.models import LoginDenial

from .periods import CHUNK

REPEAT_WINDOW = datetime.timedelta(seconds=60)


@dataclass(frozen=True)
class CountedRefusal:
    user_id: int
    at: datetime.datetime
    capacity: int  # the capacity the engine refused with, at that moment


def counted_refusals(
    company: Company, lo: datetime.datetime, hi: datetime.datetime
) -> Iterator[CountedRefusal]:
    """The company's counted "seats full" refusals in [lo, hi), oldest first, in one streamed
    query.

    A refusal counts unless the same person had a counted refusal at most `REPEAT_WINDOW`
    before it. Measured from the last *counted* refusal, so someone clicking every 30 seconds
    for ten minutes counts every minute or so: still asking, but not one per click. The rule
    starts afresh at `lo`: a person's first refusal of the period always counts.
    """
    last_counted: dict[int, datetime.datetime] = {}
    rows = (
        LoginDenial.objects.filter(
            company=company, reason=LoginDenial.Reason.SEATS_FULL, at__gte=lo, at__lt=hi
        )
        .order_by("at", "pk")
        .values_list("user_id", "at", "capacity")
    )
    for user_id, at, capacity in rows.iterator(chunk_size=CHUNK):
        previous = last_counted.get(user_id)
        if previous is not None and at - previous <= REPEAT_WINDOW:
            continue
        last_counted[user_id] = at
        yield CountedRefusal(user_id, at, capacity)
