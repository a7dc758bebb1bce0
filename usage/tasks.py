"""Celery tasks of the usage app."""

from __future__ import annotations

from celery import shared_task

from . import digest


@shared_task(name="usage.tasks.send_weekly_digest")
def send_weekly_digest() -> dict[str, int]:
    """Beat runs this weekly: refusals of the last 7 days, per account manager and to company
    admins who opted in."""
    return digest.send_weekly_digests()
