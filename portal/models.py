"""The customer portal's own records: single-use sign-in proofs and "tell me when a seat frees up"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class UsedSignInProof(models.Model):
    """The nonce of a sign-in proof that has been spent; a second use of it is refused.

    Kept in the database rather than a cache so that every web process sees the same record.
    """

    nonce = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=20)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.purpose} proof of {self.user_id} used at {self.used_at:%Y-%m-%d %H:%M}"


class SeatWish(models.Model):
    """A refused member asked to be emailed when their company next has a free seat."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seat_wishes"
    )
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="seat_wishes"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set once, when the email went out (or the wish became moot): a wish is answered once.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["company"], condition=Q(notified_at__isnull=True), name="seatwish_pending"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(notified_at__isnull=True),
                name="seatwish_one_pending_per_user",
                violation_error_message="You are already on the list.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} waits for a seat at {self.company}"

    @property
    def is_pending(self) -> bool:
        return self.notified_at is None
