"""Celery tasks of single sign-on: sending back-channel logouts, and sending again those stalled."""

from __future__ import annotations

import logging

from celery import shared_task

from . import delivery

logger = logging.getLogger(__name__)


@shared_task(name="single_sign_on.tasks.deliver_backchannel_logout")
def deliver_backchannel_logout(delivery_id: int) -> str:
    """One attempt; a failed one queues the next with its backoff (`delivery.retry_delay`).

    The attempts are counted in the delivery's row, not in Celery's retry state, so the count
    survives a worker restart and support reads it in the staff console. Should this retry never
    run (broker down, worker lost), the sweep below sends it."""
    outcome = delivery.attempt(delivery_id)
    if outcome.retry_in is not None:
        deliver_backchannel_logout.apply_async(args=(delivery_id,), countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="single_sign_on.tasks.resend_stalled_backchannel_logouts")
def resend_stalled_backchannel_logouts() -> int:
    """Beat runs this every BACKCHANNEL_LOGOUT_SWEEP_INTERVAL_SECONDS: first the logouts never
    recorded (`backchannel.end_orphaned_app_sessions`, queued as they commit), then those never
    sent (`delivery.requeue_stalled`)."""
    from .backchannel import end_orphaned_app_sessions  # it imports this module's task

    owed = end_orphaned_app_sessions()
    if owed:
        logger.warning("Recorded %d back-channel logouts left behind by an ending", owed)
    requeued = delivery.requeue_stalled(
        lambda delivery_id: deliver_backchannel_logout.apply_async(args=(delivery_id,))
    )
    # Anything re-queued means the normal path dropped it: worth a warning in the logs.
    level = logging.WARNING if requeued else logging.INFO
    logger.log(level, "Re-queued %d stalled back-channel logouts", requeued)
    return requeued
