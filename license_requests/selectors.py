"""Reads of license requests: a company's open request and its history."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Company

from .models import LicenseRequest


def open_request_of(company: Company | int) -> LicenseRequest | None:
    company_id = company.pk if isinstance(company, Company) else company
    return (
        LicenseRequest.objects.select_related("package", "requested_by")
        .filter(company_id=company_id, status=LicenseRequest.Status.OPEN)
        .first()
    )


def requests_of(company: Company) -> QuerySet[LicenseRequest]:
    """The company's requests, newest first, for the portal's status list."""
    return LicenseRequest.objects.filter(company=company).select_related(
        "package", "requested_by", "decided_by", "fulfilled_by__package"
    )
