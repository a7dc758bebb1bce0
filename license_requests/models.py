"""License requests: a company asking its account manager for more licenses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class LicenseRequest(models.Model):
    """A company asking its account manager for more licenses.

    One open request per company: a second ask while one is open is merged into it (see
    `license_requests.services.request_more_licenses`), so the account manager's queue holds one line per
    company that waits for an answer. Fulfilled and declined requests stay as history.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FULFILLED = "fulfilled", "Fulfilled"
        DECLINED = "declined", "Declined"

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="license_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="license_requests",
        help_text="Who asked first.",
    )
    # Everyone who asked, the first requester included: all of them hear about the decision.
    requesters = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    package = models.ForeignKey(
        "sessions_seats.LicensePackage",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The package wanted.",
    )
    quantity = models.PositiveIntegerField(default=1, help_text="How many of that package.")
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # How many later asks were merged into this one.
    merged_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    fulfilled_by = models.ForeignKey(
        "sessions_seats.Entitlement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The entitlement assigned to answer this request.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="licenserequest_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["company"],
                condition=models.Q(status="open"),
                name="licenserequest_one_open_per_company",
                violation_error_message="This company already has an open request.",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1),
                name="licenserequest_quantity_at_least_one",
                violation_error_message="The quantity must be at least 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.package} for {self.company} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def seats(self) -> int:
        return self.package.seats * self.quantity
