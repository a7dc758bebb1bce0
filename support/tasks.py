"""Celery tasks of the staff console."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task

from . import digest, services, upgrades

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


@shared_task(name="support.tasks.notify_upgrade_request")
def notify_upgrade_request(request_id: int, merged: bool = False) -> int:
    """Email the account manager (or support) about a new or merged license request."""
    return upgrades.email_staff_about(request_id, merged=merged)


@shared_task(name="support.tasks.notify_upgrade_decision")
def notify_upgrade_decision(request_id: int) -> int:
    """Email the people who asked that their license request was fulfilled or declined."""
    return upgrades.email_requesters_about(request_id)


@shared_task(name="support.tasks.send_weekly_digest")
def send_weekly_digest() -> dict[str, int]:
    """Beat runs this weekly: refusals of the last 7 days, per account manager and to company
    admins who opted in."""
    return digest.send_weekly_digests()
