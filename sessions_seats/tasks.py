"""Celery tasks of the license engine: the reaper, and the end of a warned forced logout."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task

from . import forced_logout, reaper

logger = logging.getLogger(__name__)


@shared_task(name="sessions_seats.tasks.reap_idle_seats")
def reap_idle_seats() -> dict[str, int]:
    """Beat runs this every SEAT_REAPER_INTERVAL_SECONDS; see `sessions_seats.reaper`."""
    report = reaper.reap_idle_seats()
    return {**report.sessions, "seats_released": report.seats_released}


# The registered name predates the move from the staff console: countdowns already queued with an
# ETA (up to an hour ahead) carry it, and must still find this task after an upgrade.
@shared_task(name="support.tasks.end_scheduled_logout")
def end_scheduled_logout(
    seat_ids: list[int],
    actor_id: int,
    reason: str,
    requested_by: str = "",
    warned_at: str | None = None,
) -> str:
    """Sent with an ETA by `forced_logout.schedule_force_logout`; ends the seats still due then."""
    outcome = forced_logout.end_scheduled_logout(
        seat_ids=seat_ids,
        actor_id=actor_id,
        reason=reason,
        requested_by=requested_by,
        warned_at=datetime.datetime.fromisoformat(warned_at) if warned_at else None,
    )
    logger.info("Scheduled forced logout: %s", outcome)
    return str(outcome)
