"""Celery tasks of license requests: the emails, sent once the request is committed."""

from __future__ import annotations

from celery import shared_task

from . import emails


@shared_task(name="license_requests.tasks.notify_license_request")
def notify_license_request(request_id: int, merged: bool = False) -> int:
    """Email the account manager (or support) about a new or merged license request."""
    return emails.email_staff_about(request_id, merged=merged)


@shared_task(name="license_requests.tasks.notify_license_decision")
def notify_license_decision(request_id: int) -> int:
    """Email the people who asked that their license request was fulfilled or declined."""
    return emails.email_requesters_about(request_id)
