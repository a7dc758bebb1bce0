"""The seat ledger with the forced-logout actor: who forced whom out, and why.

Why here and not in `sessions_seats.usage`: the ledger is read from the engine's tables, but the
audit record of a forced logout (who did it, why) belongs to this app, and dependencies point one
way (support → sessions_seats → accounts). So the engine builds the ledger without the actor and
this module adds it, with one query for the period's forced logouts of the company: a human
action, rare next to sign-ins, so it is read whole and joined in memory while the ledger streams.
Admin and portal pages should call `ledger` from here.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Collection, Iterator

from accounts.models import Company, User
from sessions_seats import usage
from sessions_seats.models import EndReason
from sessions_seats.usage import DateOrDatetime, LedgerEvent, LedgerKind

from .models import ForcedLogout


def ledger(
    company: Company,
    *,
    start: DateOrDatetime,
    end: DateOrDatetime,
    user: User | int | None = None,
    kinds: Collection[str] | None = None,
) -> Iterator[LedgerEvent]:
    """`sessions_seats.usage.ledger`, with forced releases naming who forced them and why."""
    events = usage.ledger(company, start=start, end=end, user=user, kinds=kinds)
    if kinds is not None and LedgerKind.RELEASED not in kinds:
        return events
    lo, hi = usage.period_bounds(start, end)
    return _with_actors(events, _forced_logouts(company, lo, hi))


def _forced_logouts(
    company: Company, lo: datetime.datetime, hi: datetime.datetime
) -> dict[tuple[int, datetime.datetime], tuple[str, str]]:
    # force_logout releases the seat and writes its record with the same `now`: the target and
    # the instant identify the release.
    return {
        (target_id, at): (actor_email, reason)
        for target_id, at, actor_email, reason in ForcedLogout.objects.filter(
            company=company, at__gte=lo, at__lt=hi, target__isnull=False
        ).values_list("target_id", "at", "actor_email", "reason")
    }


def _with_actors(
    events: Iterator[LedgerEvent], forced: dict[tuple[int, datetime.datetime], tuple[str, str]]
) -> Iterator[LedgerEvent]:
    for event in events:
        if event.kind == LedgerKind.RELEASED and event.reason == EndReason.FORCED:
            actor = forced.get((event.user_id, event.at))
            if actor is not None:
                event = dataclasses.replace(event, forced_by=actor[0], forced_reason=actor[1])
        yield event
