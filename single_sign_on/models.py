"""What single sign-on records beside django-oauth-toolkit's own tables.

- `AppSettings`: what an application needs that DOT's `Application` has no field for (the
  back-channel logout address, used by a later step).
- `AppSession`: an application signed in under a seat session. One seat session (one browser)
  may carry several applications; none of them takes a seat of its own (docs/DESIGN.md rule 2).
- `AppSessionCredential`: which app session an authorization code, access token or refresh token
  was issued under, so that each stops working when that seat session ends.
"""

from __future__ import annotations

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
        help_text="Where the portal will tell the application that a sign-in ended (not sent yet).",
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
    # Set when the portal learns its seat session ended (a later step tells the application).
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
