"""Celery tasks of single sign-on: sending back-channel logouts."""

from __future__ import annotations

from celery import shared_task

from . import delivery


@shared_task(name="single_sign_on.tasks.deliver_backchannel_logout")
def deliver_backchannel_logout(delivery_id: int) -> str:
    """One attempt; a failed one queues the next with its backoff (`delivery.retry_delay`).

    The attempts are counted in the delivery's row, not in Celery's retry state, so the count
    survives a worker restart and support reads it in the staff console."""
    outcome = delivery.attempt(delivery_id)
    if outcome.retry_in is not None:
        deliver_backchannel_logout.apply_async(args=(delivery_id,), countdown=outcome.retry_in)
    return outcome.status
