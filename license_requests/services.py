"""Asking for more licenses, and answering: the rules; the portal's and the admin's views only
collect input and show results.

- Company admins ask (members ask their admins). One request per company is open at a time: a
  second ask is merged into the open one (the newest package and quantity win, notes are kept
  one after the other), so the account manager answers one line per company.
- The account manager of the company (or support, when it has none) is emailed on every ask, by
  a Celery task sent once the request is committed.
- Staff answer in the admin: assigning an entitlement from the request fulfils it, in the same
  transaction; or they decline it with a note. Everyone who asked is emailed the decision.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from celery import Task
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Company, User
from accounts.time_zones import zone_of
from sessions_seats.models import Entitlement, LicensePackage
from sessions_seats.services import assign_entitlement

from . import tasks
from .models import LicenseRequest
from .permissions import may_ask, may_decide, may_fulfil

logger = logging.getLogger(__name__)

MAX_QUANTITY = 100
NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Asked:
    request: LicenseRequest
    merged: bool  # True: added to the company's open request rather than a new one


def _clean_ask(package: LicensePackage, quantity: int, note: str) -> str:
    if package is None or package.pk is None:
        raise ValidationError({"package": "Choose a package."})
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError({"quantity": f"Ask for between 1 and {MAX_QUANTITY}."})
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"Keep the note under {NOTE_MAX_LENGTH} characters."})
    return note


def _signed_note(requester: User, note: str, now: datetime.datetime) -> str:
    # Kept as text and read by the account manager, maybe in another zone: the company's time,
    # with its zone named.
    zone = zone_of(requester.own_company)
    when = f"{date_format(timezone.localtime(now, zone), 'DATETIME_FORMAT')} {zone.key}"
    return f"{requester.get_full_name()} <{requester.email}>, {when}: {note or '(no note)'}"


def request_more_licenses(
    *, requester: User, package: LicensePackage, quantity: int, note: str = ""
) -> Asked:
    """Ask for `quantity` × `package` for the requester's company; merged into the company's
    open request when there is one. The account manager (or support) is emailed either way."""
    if not may_ask(requester):
        raise PermissionDenied("Only a company admin can request more licenses.")
    note = _clean_ask(package, quantity, note)
    now = timezone.now()
    with transaction.atomic():
        # The company row lock serialises asks, so two at once cannot both open a request (the
        # partial unique constraint would refuse the second one anyway).
        Company.objects.select_for_update().get(pk=requester.own_company_id)
        current = (
            LicenseRequest.objects.select_for_update()
            .filter(company_id=requester.own_company_id, status=LicenseRequest.Status.OPEN)
            .first()
        )
        if current is None:
            current = LicenseRequest.objects.create(
                company_id=requester.own_company_id,
                requested_by=requester,
                package=package,
                quantity=quantity,
                note=_signed_note(requester, note, now),
                created_at=now,
                updated_at=now,
            )
            merged = False
        else:
            current.package = package
            current.quantity = quantity
            current.note = "\n\n".join(
                part for part in (current.note, _signed_note(requester, note, now)) if part
            )
            current.merged_count += 1
            current.updated_at = now
            current.save(
                update_fields=["package", "quantity", "note", "merged_count", "updated_at"]
            )
            merged = True
        current.requesters.add(requester)
        _after_commit(tasks.notify_license_request, request_id=current.pk, merged=merged)
    return Asked(current, merged)


def _lock_open(license_request: LicenseRequest) -> LicenseRequest:
    locked = LicenseRequest.objects.select_for_update().get(pk=license_request.pk)
    if not locked.is_open:
        raise ValidationError(f"This request is already {locked.get_status_display().lower()}.")
    return locked


def fulfil_request(
    *,
    actor: User,
    license_request: LicenseRequest,
    package: LicensePackage,
    quantity: int,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    note: str = "",
) -> Entitlement:
    """Assign the entitlement and mark the request fulfilled, both or neither."""
    if not may_fulfil(actor, license_request):
        raise PermissionDenied("You may not assign licenses to this company.")
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_open(license_request)
        entitlement = assign_entitlement(
            Entitlement(
                company_id=locked.company_id,
                package=package,
                quantity=quantity,
                starts_on=starts_on,
                ends_on=ends_on,
            ),
            assigned_by=actor,
        )
        locked.status = LicenseRequest.Status.FULFILLED
        locked.fulfilled_by = entitlement
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision_note = note.strip()
        locked.updated_at = now
        locked.save()
        _after_commit(tasks.notify_license_decision, request_id=locked.pk)
    license_request.refresh_from_db()
    return entitlement


def decline_request(*, actor: User, license_request: LicenseRequest, note: str) -> LicenseRequest:
    """Close the request without licenses; the note (why, what next) goes to the requesters."""
    if not may_decide(actor, license_request):
        raise PermissionDenied("You may not answer this company's requests.")
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Say why, so the customer knows what to do next."})
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_open(license_request)
        locked.status = LicenseRequest.Status.DECLINED
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision_note = note
        locked.updated_at = now
        locked.save()
        _after_commit(tasks.notify_license_decision, request_id=locked.pk)
    license_request.refresh_from_db()
    return license_request


def _after_commit(task: Task, **kwargs: object) -> None:
    """Send a task once the transaction commits: a worker must find the committed request. A
    broker outage must not turn a saved request into an error page, so it is logged instead."""

    def send() -> None:
        try:
            task.delay(**kwargs)
        except Exception:
            logger.exception("Could not queue %s(%s)", task.name, kwargs)

    transaction.on_commit(send)
