"""What single sign-on records beside django-oauth-toolkit's own tables.

- `AppSettings`: what an application needs that DOT's `Application` has no field for (the
  back-channel logout address).
- `AppSession`: an application signed in under a seat session. One seat session (one browser)
  may carry several applications; none of them takes a seat of its own (docs/DESIGN.md rule 2).
- `AppSessionCredential`: which app session an authorization code, access token or refresh token
  was issued under, so that each stops working when that seat session ends.
- `BackchannelDelivery`: one back-channel logout owed to an application, and how sending it went.
"""

from __future__ import annotations

import datetime
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from sessions_seats.models import SeatSession


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_app_uri(uri: str) -> None:
    """https only; plain http to a loopback address is allowed in development."""
    parts = urlsplit(uri)
    if parts.scheme == "https" and parts.hostname:
        return
    if settings.DEBUG and parts.scheme == "http" and _is_loopback(parts.hostname or ""):
        return
    raise ValidationError(
        "Use an https:// address (plain http only to 127.0.0.1 or localhost, in development).",
        code="insecure_uri",
    )


class AppSettings(models.Model):
    """The portal's own settings of an application registered for single sign-on."""

    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        related_name="sso_settings",
    )
    backchannel_logout_uri = models.URLField(
        blank=True,
        validators=[validate_app_uri],
        help_text="Where the portal tells the application that a sign-in ended (back-channel logout).",
    )

    class Meta:
        verbose_name = "application settings"
        verbose_name_plural = "application settings"

    def __str__(self) -> str:
        return f"Settings of {self.application}"


class AppSessionQuerySet(models.QuerySet["AppSession"]):
    def live(self) -> AppSessionQuerySet:
        """App sessions whose seat session is still open: the only ones that may act."""
        return self.filter(ended_at__isnull=True, seat_session__ended_at__isnull=True)


class AppSession(models.Model):
    """An application signed in under one seat session (one browser of one person)."""

    seat_session = models.ForeignKey(
        SeatSession, on_delete=models.CASCADE, related_name="app_sessions"
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="app_sessions",
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    # Set when its seat session ends (`backchannel.end_app_sessions`, which tells the application).
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = AppSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["seat_session", "application"],
                condition=Q(ended_at__isnull=True),
                name="appsession_one_open_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} under seat session {self.seat_session_id}"


class AppSessionCredential(models.Model):
    """One code or token issued under an app session; exactly one of the three is set."""

    app_session = models.ForeignKey(
        AppSession, on_delete=models.CASCADE, related_name="credentials"
    )
    grant = models.OneToOneField(
        Grant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    access_token = models.OneToOneField(
        AccessToken, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    refresh_token = models.OneToOneField(
        RefreshToken, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(grant__isnull=False, access_token__isnull=True, refresh_token__isnull=True)
                    | Q(grant__isnull=True, access_token__isnull=False, refresh_token__isnull=True)
                    | Q(grant__isnull=True, access_token__isnull=True, refresh_token__isnull=False)
                ),
                name="appsessioncredential_exactly_one",
            )
        ]

    def __str__(self) -> str:
        return f"Credential of {self.app_session}"


class BackchannelDeliveryQuerySet(models.QuerySet["BackchannelDelivery"]):
    def due(self, at: datetime.datetime) -> BackchannelDeliveryQuerySet:
        """Open deliveries whose next attempt was due by `at`: the one rule for "due", used by
        an attempt (which does nothing before then) and by the sweep (with `at` set back by its
        grace period, so that it only picks up what the normal path has evidently dropped)."""
        return self.filter(status=BackchannelDelivery.Status.OPEN, next_attempt_at__lte=at)


class BackchannelDelivery(models.Model):
    """A logout token owed to an application's back-channel logout URI, and its attempts.

    Written in the transaction that ends the app session; the token itself is signed afresh for
    each attempt (its `exp` is short and attempts span minutes), from the `sid` and `sub` kept
    here, which are those of the ID tokens the application received."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "failed"

    app_session = models.ForeignKey(
        AppSession, on_delete=models.CASCADE, related_name="backchannel_deliveries"
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="backchannel_deliveries"
    )
    sid = models.CharField(max_length=64)
    sub = models.CharField(max_length=255)
    # The address when the logout happened: a later change of settings does not redirect it.
    uri = models.URLField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # When the next attempt may start: the insertion time (not `created_at`, which is the seat
    # session's end and may lie far back), then pushed on by each attempt (`delivery.attempt`).
    # Empty once settled. An open delivery left past it is a stalled one, which the sweep
    # (`tasks.resend_stalled_backchannel_logouts`) queues again.
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    objects = BackchannelDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "back-channel logout"
        verbose_name_plural = "back-channel logouts"
        indexes = [
            models.Index(fields=["status", "created_at"], name="backchannel_status_created"),
            # What the sweep reads every minute: the open few among ever more settled rows.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="open"),
                name="backchannel_open_next_attempt",
            ),
        ]
        constraints = [
            # An open delivery without a due time would never be swept.
            models.CheckConstraint(
                condition=~Q(status="open") | Q(next_attempt_at__isnull=False),
                name="backchannel_open_has_next_attempt",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="open", delivered_at__isnull=True, failed_at__isnull=True)
                    | Q(status="delivered", delivered_at__isnull=False, failed_at__isnull=True)
                    | Q(status="failed", delivered_at__isnull=True, failed_at__isnull=False)
                ),
                name="backchannel_status_matches_times",
            ),
        ]

    def __str__(self) -> str:
        return f"Back-channel logout to {self.application} ({self.status})"
