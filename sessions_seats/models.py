"""The license engine's records: what a company bought, who holds a seat, and who was refused.

State changes go through `sessions_seats.services`; reads shared by several places live in
`sessions_seats.selectors`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from common.append_only import AppendOnlyModel


class LicensePackage(models.Model):
    """A package of concurrent users from the catalogue (1, 3, 10 or 25 users)."""

    name = models.CharField(max_length=100, unique=True)
    seats = models.PositiveIntegerField(
        help_text="Concurrent users one unit of this package allows."
    )

    class Meta:
        ordering = ["seats"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats__gt=0),
                name="package_seats_positive",
                violation_error_message="A package must allow at least one seat.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class EntitlementQuerySet(models.QuerySet["Entitlement"]):
    def valid_on(self, day: datetime.date) -> EntitlementQuerySet:
        """Entitlements in force on `day`; both ends are inclusive."""
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)


class Entitlement(models.Model):
    """A company's purchase: `quantity` units of a package, valid from `starts_on` to `ends_on`."""

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="entitlements"
    )
    package = models.ForeignKey(LicensePackage, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    starts_on = models.DateField(default=datetime.date.today)
    ends_on = models.DateField(
        null=True, blank=True, help_text="Last day the license is valid. Empty: no end."
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = EntitlementQuerySet.as_manager()

    class Meta:
        ordering = ["company", "-starts_on"]
        indexes = [models.Index(fields=["company", "starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="entitlement_quantity_at_least_one",
                violation_error_message="The quantity must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="entitlement_ends_after_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.package} for {self.company}"

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The end date cannot be before the start date."})

    @property
    def seats(self) -> int:
        return self.package.seats * self.quantity


class EndReason(models.TextChoices):
    LOGOUT = "logout", "Logged out"
    IDLE = "idle", "Idle timeout"
    FORCED = "forced", "Forced logout"
    EXPIRED = "expired", "Session expired"
    LICENSE = "license", "License ended"


class SeatQuerySet(models.QuerySet["Seat"]):
    def open(self) -> SeatQuerySet:
        """Seats held now: claimed and not yet released (docs/DESIGN.md rule 2)."""
        return self.filter(released_at__isnull=True)


class Seat(models.Model):
    """One person holding one of their company's concurrent licenses, however many devices."""

    # No index of its own: the indexes below all lead with company_id (migration 0011).
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="seats", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seats"
    )
    claimed_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True)
    # Set while support's "warn, then sign out" countdown runs; the portal pages show it.
    logout_scheduled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When support will sign this person out (they see a countdown until then).",
    )

    objects = SeatQuerySet.as_manager()

    class Meta:
        ordering = ["-claimed_at"]
        indexes = [
            # Counting a company's seats in use under its lock must not scan the history.
            models.Index(
                fields=["company"],
                condition=Q(released_at__isnull=True),
                name="seat_open_by_company",
            ),
            # Usage reports and the ledger read one company's seats claimed, or released, in a
            # period, among years of history.
            models.Index(fields=["company", "claimed_at"], name="seat_company_claimed"),
            models.Index(fields=["company", "released_at"], name="seat_company_released"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(released_at__isnull=True),
                name="seat_one_open_per_user",
                violation_error_message="This user already holds a seat.",
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True, release_reason="")
                | (Q(released_at__isnull=False) & ~Q(release_reason="")),
                name="seat_release_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Seat of {self.user} at {self.company}"

    @property
    def is_open(self) -> bool:
        return self.released_at is None


class SeatSessionQuerySet(models.QuerySet["SeatSession"]):
    def open(self) -> SeatSessionQuerySet:
        """Browsers signed in now. An open session's seat is open too: a seat is released only
        when its last session ends (docs/DESIGN.md rules 2 and 5)."""
        return self.filter(ended_at__isnull=True)


class SeatSession(models.Model):
    """One signed-in browser or device of a seat, bound to one Django session."""

    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_activity = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # `seatsession_ended_by` below: only the rows where it is set
        help_text="The person who ended it, when someone forced it (support or a company admin).",
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = SeatSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The reaper looks for open sessions by idleness; ended ones are history.
            models.Index(
                fields=["last_activity"],
                condition=Q(ended_at__isnull=True),
                name="seatsession_open_by_activity",
            ),
            # Deleting a user looks sessions up by who forced them out; only those have it set,
            # so the reaper's endings (ended_by empty) write no entry here.
            models.Index(
                fields=["ended_by"],
                condition=Q(ended_by__isnull=False),
                name="seatsession_ended_by",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="")
                | (Q(ended_at__isnull=False) & ~Q(end_reason="")),
                name="seatsession_end_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.session_key[:8]}… of {self.seat.user}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class LoginDenial(models.Model):
    """A sign-in refused by the license engine, with the numbers at that moment."""

    class Reason(models.TextChoices):
        SEATS_FULL = "seats_full", "All seats in use"
        NO_LICENSE = "no_license", "No valid license"
        COMPANY_INACTIVE = "inactive", "Company inactive"

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="login_denials"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_denials"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=12, choices=Reason.choices, default=Reason.SEATS_FULL)
    capacity = models.PositiveIntegerField()
    seats_in_use = models.PositiveIntegerField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["company", "at"])]

    def __str__(self) -> str:
        return f"{self.user} refused at {self.at:%Y-%m-%d %H:%M}"


class ForcedLogout(AppendOnlyModel):
    """One user forcefully signed out: who did it, when, why. Append-only.

    Names and emails are copied so the record still reads right after people change or leave.
    """

    class ActorRole(models.TextChoices):
        SUPPORT = "support", "Support"
        COMPANY_ADMIN = "company_admin", "Company admin"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # PROTECT: someone named in the audit is deactivated, never deleted (see common.append_only).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_email = models.EmailField()
    actor_role = models.CharField(max_length=20, choices=ActorRole.choices)
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="forced_logouts",
    )
    target_email = models.EmailField()
    company = models.ForeignKey(
        "accounts.Company", null=True, on_delete=models.PROTECT, related_name="forced_logouts"
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
        ]

    def __str__(self) -> str:
        return f"{self.actor_email} signed out {self.target_email} at {self.at:%Y-%m-%d %H:%M}"


class PasswordEmailQuota(models.Model):
    """Password emails (reset links, invitations) recently sent to one address, or asked for from
    one client address: the times within the last window, oldest first.

    A row per address and per client address, locked while a send is counted, so the limits hold
    however many web processes and hosts serve the forms (`sessions_seats.email_limits`). Rows
    idle for a whole window are deleted as others are written.
    """

    key = models.CharField(max_length=300, unique=True, help_text="address:… or ip:…")
    sent = models.JSONField(default=list, help_text="POSIX times of the sends in the window.")
    last_sent_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {len(self.sent)} recent"
