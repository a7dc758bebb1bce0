"""The emails of license requests (sent by the Celery tasks in `license_requests.tasks`)."""

from __future__ import annotations

from django.core.mail import send_mail
from django.utils.formats import date_format

from common.links import page_url
from sessions_seats.selectors import capacity_of, contact_for

from .models import LicenseRequest


def email_staff_about(request_id: int, *, merged: bool) -> int:
    """Tell the company's account manager (or support) about a new or merged request."""
    license_request = (
        LicenseRequest.objects.select_related("company__account_manager", "package", "requested_by")
        .filter(pk=request_id)
        .first()
    )
    if license_request is None or not license_request.is_open:
        return 0  # answered (or gone) before the worker got to it: nothing to ask any more
    company = license_request.company
    contact = contact_for(company)
    what = "An open license request was updated" if merged else "New license request"
    link = page_url("staff:license_request", license_request.pk)
    body = (
        f"{what} from {company.name}.\n\n"
        f"Wanted: {license_request.quantity} × {license_request.package.name} "
        f"({license_request.seats} seats); today's capacity is {capacity_of(company)} seats.\n\n"
        f"Notes:\n{license_request.note}\n\n"
    )
    if link:
        body += f"Answer it in the staff console: {link}\n"
    return _send(f"{what}: {company.name}", body, [contact.email])


def email_requesters_about(request_id: int) -> int:
    """Tell everyone who asked what was decided."""
    license_request = (
        LicenseRequest.objects.select_related("company", "package", "fulfilled_by__package")
        .filter(pk=request_id)
        .first()
    )
    if license_request is None or license_request.is_open:
        return 0
    recipients = [
        u.email for u in license_request.requesters.filter(is_active=True).order_by("email")
    ]
    if not recipients:
        return 0
    company = license_request.company
    if license_request.status == LicenseRequest.Status.FULFILLED:
        entitlement = license_request.fulfilled_by
        granted = (
            f"{entitlement.quantity} × {entitlement.package.name}, valid from "
            f"{date_format(entitlement.starts_on, 'DATE_FORMAT')}"
            if entitlement is not None
            else "the licenses"
        )
        subject = f"More licenses for {company.name}"
        body = f"Your request was fulfilled: {company.name} now has {granted}.\n"
    else:
        subject = f"Your license request for {company.name}"
        body = "Your request for more licenses was declined.\n"
    if license_request.decision_note:
        body += f"\nNote from your account manager:\n{license_request.decision_note}\n"
    requests_link = page_url("portal:license_requests")
    if requests_link:
        body += f"\nSee your requests: {requests_link}\n"
    return _send(subject, body, recipients)


def _send(subject: str, body: str, recipients: list[str]) -> int:
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
