"""Ending app sessions with their seat session, and owing each application its logout.

Every seat session ends through `sessions_seats.services.end_sessions`, which sends
`sessions_seats.signals.seat_sessions_ended` once the ending commits; `on_seat_sessions_ended`
(connected in `SingleSignOnConfig.ready`) ends the app sessions under those seat sessions, revokes
their tokens, and records a `BackchannelDelivery` for each application that has a back-channel
URI. The deliveries are queued to Celery once that commits (`tasks.deliver_backchannel_logout`).

Batches stay cheap: the reaper ends thousands of seat sessions, and this costs a fixed number of
queries per batch, whatever its size.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from common.id_sets import among

from .claims import session_id_claim, subject_claim
from .models import AppSession, AppSessionCredential, BackchannelDelivery
from .tasks import deliver_backchannel_logout

logger = logging.getLogger(__name__)


def on_seat_sessions_ended(
    sender: Any, *, session_ids: list[int], reason: str, ended_at: datetime.datetime, **kwargs: Any
) -> None:
    end_app_sessions(session_ids, ended_at)


def end_app_sessions(
    seat_session_ids: Collection[int], at: datetime.datetime | None = None
) -> list[int]:
    """End the open app sessions of these (ended) seat sessions; the ids of the deliveries owed.

    Locked first, so that the lazy path (`services.live_app_session`, which meets a seat session
    that ended before its app sessions were) and this one never both record a delivery."""
    at = at or timezone.now()
    with transaction.atomic():
        rows = list(
            AppSession.objects.select_for_update(of=("self",))
            .filter(seat_session_id__in=among(seat_session_ids), ended_at__isnull=True)
            .order_by("pk")
            .values_list(
                "pk",
                "seat_session_id",
                "seat_session__seat__user_id",
                "application_id",
                "application__sso_settings__backchannel_logout_uri",
            )
        )
        if not rows:
            return []
        app_session_ids = [row[0] for row in rows]
        AppSession.objects.filter(pk__in=app_session_ids).update(ended_at=at)
        _revoke_tokens(app_session_ids, at)
        deliveries = BackchannelDelivery.objects.bulk_create(
            BackchannelDelivery(
                app_session_id=app_session_id,
                application_id=application_id,
                sid=session_id_claim(seat_session_id),
                sub=subject_claim(user_id),
                uri=uri,
                created_at=at,
            )
            for app_session_id, seat_session_id, user_id, application_id, uri in rows
            if uri
        )
        delivery_ids = [delivery.pk for delivery in deliveries]
        if delivery_ids:
            transaction.on_commit(lambda: queue_deliveries(delivery_ids))
    return delivery_ids


# An ending's app sessions are ended by the receiver right after the ending commits; one still
# open this long after its seat session ended was left behind.
ORPHANED_AFTER = datetime.timedelta(seconds=60)


def end_orphaned_app_sessions(now: datetime.datetime | None = None, *, limit: int = 1000) -> int:
    """End the app sessions still open under seat sessions that ended, and owe their logouts.

    The receiver runs after the ending commits, in a transaction of its own: a crash in between
    would leave those app sessions open, their tokens already refused (the validator checks the
    seat session) but the applications never told. The sweep finds them here; the number of
    logouts owed (app sessions of applications without a back-channel URI end silently)."""
    now = now or timezone.now()
    rows = (
        AppSession.objects.filter(
            ended_at__isnull=True, seat_session__ended_at__lt=now - ORPHANED_AFTER
        )
        .order_by("seat_session__ended_at", "pk")
        .values_list("seat_session_id", "seat_session__ended_at")[:limit]
    )
    by_end: dict[datetime.datetime, list[int]] = {}
    for seat_session_id, ended_at in rows:
        if ended_at is not None:  # always, by the filter; mypy cannot know
            by_end.setdefault(ended_at, []).append(seat_session_id)
    owed = 0
    for ended_at, seat_session_ids in by_end.items():
        owed += len(end_app_sessions(seat_session_ids, ended_at))
    return owed


def _revoke_tokens(app_session_ids: list[int], at: datetime.datetime) -> None:
    """The access tokens expire and the refresh tokens are revoked now.

    Kept, not deleted: the side table still says which sign-in each belonged to. The validator
    already refuses them once the seat session has ended; this makes the library's own checks
    (expiry, revocation, introspection) agree."""
    credentials = AppSessionCredential.objects.filter(app_session_id__in=app_session_ids)
    AccessToken.objects.filter(
        pk__in=credentials.filter(access_token__isnull=False).values("access_token_id"),
        expires__gt=at,
    ).update(expires=at)
    RefreshToken.objects.filter(
        pk__in=credentials.filter(refresh_token__isnull=False).values("refresh_token_id"),
        revoked__isnull=True,
    ).update(revoked=at)


def queue_deliveries(delivery_ids: list[int]) -> None:
    """One task per delivery, so a slow or failing application delays no other."""
    for delivery_id in delivery_ids:
        try:
            deliver_backchannel_logout.apply_async(args=(delivery_id,))
        except Exception:
            # The broker is down: the delivery stays open and visible to support.
            logger.exception("Could not queue back-channel logout %s", delivery_id)
