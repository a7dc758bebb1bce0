"""The usage app's one record: who asked for the weekly refusals digest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class DigestSubscription(models.Model):
    """A company admin who asked for the weekly refusals digest of their own company.

    Kept apart from the user so that the accounts app stays free of reporting concerns; the
    company is the user's company at sending time (someone who moved or lost the role gets none).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscription"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Weekly digest for {self.user}"
