"""Celery tasks of the staff console."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="support.tasks.end_scheduled_logout")
def end_scheduled_logout(
    seat_ids: list[int],
    actor_id: int,
    reason: str,
    requested_by: str = "",
    warned_at: str | None = None,
) -> str:
    """Sent with an ETA by `services.schedule_force_logout`; ends the seats still due then."""
    outcome = services.end_scheduled_logout(
        seat_ids=seat_ids,
        actor_id=actor_id,
        reason=reason,
        requested_by=requested_by,
        warned_at=datetime.datetime.fromisoformat(warned_at) if warned_at else None,
    )
    logger.info("Scheduled forced logout: %s", outcome)
    return str(outcome)
