"""Asking for more licenses: upgrade requests from company admins, answered by account managers.

The rules live here; the portal's and the admin's views only collect input and show results.

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
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Company, User
from sessions_seats.models import Entitlement, LicensePackage
from sessions_seats.selectors import capacity_of, contact_for
from sessions_seats.usage import Simulation

from .models import UpgradeRequest
from .tenancy import may_see_company

logger = logging.getLogger(__name__)

MAX_QUANTITY = 100
NOTE_MAX_LENGTH = 2000


# --- Reads ------------------------------------------------------------------------------------


def open_request_of(company: Company | int) -> UpgradeRequest | None:
    company_id = company.pk if isinstance(company, Company) else company
    return (
        UpgradeRequest.objects.select_related("package", "requested_by")
        .filter(company_id=company_id, status=UpgradeRequest.Status.OPEN)
        .first()
    )


def requests_of(company: Company) -> QuerySet[UpgradeRequest]:
    """The company's requests, newest first, for the portal's status list."""
    return UpgradeRequest.objects.filter(company=company).select_related(
        "package", "requested_by", "decided_by", "fulfilled_by__package"
    )


def company_admins(company: Company) -> list[User]:
    """Whom a member asks for more licenses."""
    return list(
        User.objects.filter(company=company, role=User.Role.ADMIN, is_active=True).order_by(
            "full_name", "email"
        )
    )


@dataclass(frozen=True)
class Suggestion:
    """What to ask for, from the simulator: enough seats that nobody would have been refused."""

    package: LicensePackage
    quantity: int
    seats_wanted: int  # the capacity that would have refused nobody
    seats_now: int

    @property
    def seats_added(self) -> int:
        return self.package.seats * self.quantity


def suggested_purchase(
    simulation: Simulation, packages: Iterable[LicensePackage] | None = None
) -> Suggestion | None:
    """The purchase that brings today's capacity up to what would have refused nobody with the
    company's idle timeout; None when today's capacity already does (or the catalogue is empty).

    One unit of the smallest package that covers the gap; beyond the largest package, as many of
    the largest as needed. Customers buy packages, not seats, and fewer lines are easier to sell.
    """
    wanted = simulation.needed.get(simulation.actual_timeout, 0)
    gap = wanted - simulation.actual_capacity
    if gap <= 0:
        return None
    catalogue = sorted(
        LicensePackage.objects.all() if packages is None else packages, key=lambda p: p.seats
    )
    if not catalogue:
        return None
    covering = next((p for p in catalogue if p.seats >= gap), None)
    if covering is not None:
        package, quantity = covering, 1
    else:
        package = catalogue[-1]
        quantity = -(-gap // package.seats)
    return Suggestion(package, quantity, wanted, simulation.actual_capacity)


# --- Asking ------------------------------------------------------------------------------------


def may_ask(user: User) -> bool:
    """Company admins ask for their company; members ask their admins."""
    return bool(user.is_active and user.is_company_admin)


@dataclass(frozen=True)
class Asked:
    request: UpgradeRequest
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
    when = date_format(timezone.localtime(now), "DATETIME_FORMAT")
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
        Company.objects.select_for_update().get(pk=requester.company_id)
        current = (
            UpgradeRequest.objects.select_for_update()
            .filter(company_id=requester.company_id, status=UpgradeRequest.Status.OPEN)
            .first()
        )
        if current is None:
            current = UpgradeRequest.objects.create(
                company_id=requester.company_id,
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
        _after_commit("notify_upgrade_request", request_id=current.pk, merged=merged)
    return Asked(current, merged)


# --- Answering ---------------------------------------------------------------------------------


def may_decide(actor: User, upgrade_request: UpgradeRequest) -> bool:
    """Staff who may change requests, for a company they see (their own, for account managers)."""
    return bool(
        actor.is_active
        and actor.is_staff
        and actor.has_perm("support.change_upgraderequest")
        and may_see_company(actor, upgrade_request.company_id)
    )


def may_fulfil(actor: User, upgrade_request: UpgradeRequest) -> bool:
    """Fulfilling assigns an entitlement: the right to add entitlements is needed too."""
    return may_decide(actor, upgrade_request) and actor.has_perm("sessions_seats.add_entitlement")


def _lock_open(upgrade_request: UpgradeRequest) -> UpgradeRequest:
    locked = UpgradeRequest.objects.select_for_update().get(pk=upgrade_request.pk)
    if not locked.is_open:
        raise ValidationError(f"This request is already {locked.get_status_display().lower()}.")
    return locked


def fulfil_request(
    *,
    actor: User,
    upgrade_request: UpgradeRequest,
    package: LicensePackage,
    quantity: int,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    note: str = "",
) -> Entitlement:
    """Assign the entitlement and mark the request fulfilled, both or neither."""
    if not may_fulfil(actor, upgrade_request):
        raise PermissionDenied("You may not assign licenses to this company.")
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_open(upgrade_request)
        entitlement = Entitlement(
            company_id=locked.company_id,
            package=package,
            quantity=quantity,
            starts_on=starts_on,
            ends_on=ends_on,
            assigned_by=actor,
        )
        entitlement.full_clean()
        entitlement.save()
        locked.status = UpgradeRequest.Status.FULFILLED
        locked.fulfilled_by = entitlement
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision_note = note.strip()
        locked.updated_at = now
        locked.save()
        _after_commit("notify_upgrade_decision", request_id=locked.pk)
    upgrade_request.refresh_from_db()
    return entitlement


def decline_request(*, actor: User, upgrade_request: UpgradeRequest, note: str) -> UpgradeRequest:
    """Close the request without licenses; the note (why, what next) goes to the requesters."""
    if not may_decide(actor, upgrade_request):
        raise PermissionDenied("You may not answer this company's requests.")
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Say why, so the customer knows what to do next."})
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_open(upgrade_request)
        locked.status = UpgradeRequest.Status.DECLINED
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision_note = note
        locked.updated_at = now
        locked.save()
        _after_commit("notify_upgrade_decision", request_id=locked.pk)
    upgrade_request.refresh_from_db()
    return upgrade_request


# --- Emails (run by the Celery tasks in support.tasks) ----------------------------------------


def _after_commit(task_name: str, **kwargs: object) -> None:
    """Send a task once the transaction commits: a worker must find the committed request. A
    broker outage must not turn a saved request into an error page, so it is logged instead."""

    def send() -> None:
        from . import tasks  # the task module imports this one

        try:
            getattr(tasks, task_name).delay(**kwargs)
        except Exception:
            logger.exception("Could not queue %s(%s)", task_name, kwargs)

    transaction.on_commit(send)


def base_url() -> str:
    """Where links in emails point: the site's address, without a trailing slash."""
    return settings.PORTAL_BASE_URL.rstrip("/")


def email_staff_about(request_id: int, *, merged: bool) -> int:
    """Tell the company's account manager (or support) about a new or merged request."""
    upgrade_request = (
        UpgradeRequest.objects.select_related("company__account_manager", "package", "requested_by")
        .filter(pk=request_id)
        .first()
    )
    if upgrade_request is None or not upgrade_request.is_open:
        return 0  # answered (or gone) before the worker got to it: nothing to ask any more
    company = upgrade_request.company
    contact = contact_for(company)
    what = "An open license request was updated" if merged else "New license request"
    link = base_url() + reverse("admin:support_upgraderequest_change", args=[upgrade_request.pk])
    body = (
        f"{what} from {company.name}.\n\n"
        f"Wanted: {upgrade_request.quantity} × {upgrade_request.package.name} "
        f"({upgrade_request.seats} seats); today's capacity is {capacity_of(company)} seats.\n\n"
        f"Notes:\n{upgrade_request.note}\n\n"
        f"Answer it in the staff console: {link}\n"
    )
    return _send(f"{what}: {company.name}", body, [contact.email])


def email_requesters_about(request_id: int) -> int:
    """Tell everyone who asked what was decided."""
    upgrade_request = (
        UpgradeRequest.objects.select_related("company", "package", "fulfilled_by__package")
        .filter(pk=request_id)
        .first()
    )
    if upgrade_request is None or upgrade_request.is_open:
        return 0
    recipients = [
        u.email for u in upgrade_request.requesters.filter(is_active=True).order_by("email")
    ]
    if not recipients:
        return 0
    company = upgrade_request.company
    if upgrade_request.status == UpgradeRequest.Status.FULFILLED:
        entitlement = upgrade_request.fulfilled_by
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
    if upgrade_request.decision_note:
        body += f"\nNote from your account manager:\n{upgrade_request.decision_note}\n"
    body += f"\nSee your requests: {base_url()}{reverse('portal:upgrade_requests')}\n"
    return _send(subject, body, recipients)


def _send(subject: str, body: str, recipients: list[str]) -> int:
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
