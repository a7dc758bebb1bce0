"""The audit trail of the staff console."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit record."""


class ForcedLogout(models.Model):
    """One user forcefully signed out: who did it, when, why. Append-only.

    Names and emails are copied so the record still reads right after people change or leave.
    """

    class ActorRole(models.TextChoices):
        SUPPORT = "support", "Support"
        COMPANY_ADMIN = "company_admin", "Company admin"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.EmailField()
    actor_role = models.CharField(max_length=20, choices=ActorRole.choices)
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="forced_logouts",
    )
    target_email = models.EmailField()
    company = models.ForeignKey(
        "accounts.Company", null=True, on_delete=models.SET_NULL, related_name="forced_logouts"
    )
    company_name = models.CharField(max_length=200)
    reason = models.TextField()
    requested_by = models.CharField(
        max_length=200, blank=True, help_text="Who asked for it, if someone did."
    )
    sessions_ended = models.PositiveIntegerField()
    warned_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the user was shown a countdown before being signed out; empty: at once.",
    )

    class Meta:
        ordering = ["-at"]
        permissions = [
            ("force_logout", "Can force users to log out"),
            # Staff without it see only the companies they are account manager of.
            ("view_all_companies", "Can see every customer company"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_email} signed out {self.target_email} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Forced-logout records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Forced-logout records cannot be deleted.")


class UpgradeRequest(models.Model):
    """A company asking its account manager for more licenses ("Request more licenses").

    One open request per company: a second ask while one is open is merged into it (see
    `support.upgrades.request_more_licenses`), so the account manager's queue holds one line per
    company that waits for an answer. Fulfilled and declined requests stay as history.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FULFILLED = "fulfilled", "Fulfilled"
        DECLINED = "declined", "Declined"

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="upgrade_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="upgrade_requests",
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
        indexes = [models.Index(fields=["status", "created_at"], name="upgraderequest_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["company"],
                condition=models.Q(status="open"),
                name="upgraderequest_one_open_per_company",
                violation_error_message="This company already has an open request.",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1),
                name="upgraderequest_quantity_at_least_one",
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


class DigestSubscription(models.Model):
    """A company admin who asked for the weekly refusals digest of their own company.

    Kept apart from the user so that the accounts app stays free of staff-console concerns; the
    company is the user's company at sending time (someone who moved or lost the role gets none).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscription"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Weekly digest for {self.user}"
