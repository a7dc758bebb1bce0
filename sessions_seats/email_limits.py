"""How many password emails (reset links, invitations) may go out: at most
PASSWORD_EMAILS_PER_ADDRESS to one address and PASSWORD_EMAILS_PER_IP asked for from one client
address within PASSWORD_EMAIL_WINDOW_MINUTES.

A form that sends email must not become a way to flood someone's inbox, or to send mail in bulk
from the portal. The counts are rows in the database (`PasswordEmailQuota`), locked while a
send is counted, so they hold across every process and host, like the brute-force lockout.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import normalize_email

from .models import PasswordEmailQuota

# Stale rows deleted per send; a few at a time keeps every send cheap.
_PURGE_BATCH = 100


def take_password_email(
    address: str, ip: str | None = None, *, now: datetime.datetime | None = None
) -> bool:
    """Count one password email to `address` (asked for from `ip`, when known): True if it may
    go out, False, counting nothing, when either limit is used up."""
    now = now or timezone.now()
    window_start = now - datetime.timedelta(minutes=settings.PASSWORD_EMAIL_WINDOW_MINUTES)
    limits = {f"address:{normalize_email(address)}": settings.PASSWORD_EMAILS_PER_ADDRESS}
    if ip:
        limits[f"ip:{ip}"] = settings.PASSWORD_EMAILS_PER_IP
    keys = sorted(limits)  # every caller locks in the same order: no deadlock between two
    with transaction.atomic():
        PasswordEmailQuota.objects.bulk_create(
            [PasswordEmailQuota(key=key, last_sent_at=now) for key in keys],
            ignore_conflicts=True,
        )
        quotas = list(
            PasswordEmailQuota.objects.select_for_update().filter(key__in=keys).order_by("key")
        )
        recent = {
            quota.key: [at for at in quota.sent if at > window_start.timestamp()]
            for quota in quotas
        }
        allowed = all(len(recent[key]) < limit for key, limit in limits.items())
        if allowed:
            for quota in quotas:
                quota.sent = [*recent[quota.key], now.timestamp()]
                quota.last_sent_at = now
            PasswordEmailQuota.objects.bulk_update(quotas, ["sent", "last_sent_at"])
        _purge_idle(window_start, keep=keys)
    return allowed


def _purge_idle(window_start: datetime.datetime, *, keep: list[str]) -> None:
    # Rows another send holds are skipped, never waited for: they are not idle anyway.
    idle = list(
        PasswordEmailQuota.objects.select_for_update(skip_locked=True)
        .filter(last_sent_at__lt=window_start)
        .exclude(key__in=keep)
        .values_list("pk", flat=True)[:_PURGE_BATCH]
    )
    if idle:
        PasswordEmailQuota.objects.filter(pk__in=idle).delete()
