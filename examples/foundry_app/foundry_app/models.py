"""Which of this application's sessions belong to which sign-in at the portal.

The portal names a sign-in by its `sid` claim (one per browser signed in there); a back-channel
logout token carries that `sid`, and every session recorded under it is ended."""

from __future__ import annotations

from django.db import models


class PortalSignIn(models.Model):
    sid = models.CharField(max_length=64, db_index=True)
    sub = models.CharField(max_length=255, db_index=True)
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"session of sign-in {self.sid}"
