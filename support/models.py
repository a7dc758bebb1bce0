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
