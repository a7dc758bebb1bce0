"""Sending one back-channel logout: the POST, its outcome, and when to try again.

The target is an address an application registered, so it is treated as untrusted input: the
host is resolved once, every address it resolves to must be public (unless the host is in
BACKCHANNEL_LOGOUT_ALLOWED_HOSTS, or is loopback in development), and the connection goes to the
address that was checked, not to a second lookup that DNS rebinding could change. The Host header
and, for https, the TLS server name and certificate check still use the registered host name.
Redirects are never followed (a 3xx is a failure), and https is required outside development.

No logout is lost: each delivery says when its next attempt is due (`next_attempt_at`), and one
left open past that by more than `STALLED_AFTER` (never queued because the broker was down, or
its worker died) is queued again by the sweep (`requeue_stalled`, run by beat), within a bounded
number of attempts in all.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import urllib3
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .logout_token import logout_token
from .models import BackchannelDelivery

logger = logging.getLogger(__name__)

Status = BackchannelDelivery.Status
DELIVERED_STATUSES = {200, 204}  # Back-Channel Logout 1.0, section 2.8
# Connections kept alive per (checked address, port, host name), shared by a worker's threads.
# maxsize: a worker's threads may all be sending to one application at once.
_POOLS = urllib3.PoolManager(num_pools=64, maxsize=16, retries=False, cert_reqs="CERT_REQUIRED")
# What `attempt` answers when another run holds the delivery or its backoff has not passed.
NOT_DUE = "not due"
# A retry is sent with a countdown that the worker's clock measures: one running a little ahead
# of the clock that set `next_attempt_at` must not find its own retry not yet due (the sweep
# would then be the one to send it, a minute or more later). Far shorter than `claim_lease`.
CLOCK_SLACK = datetime.timedelta(seconds=2)


class DeliveryRefused(Exception):
    """The target may not be reached from the portal; nothing was sent."""


@dataclass(frozen=True)
class Outcome:
    status: str
    # Seconds to wait before the next attempt; None when there is none.
    retry_in: int | None = None


def attempt(delivery_id: int, now: datetime.datetime | None = None) -> Outcome:
    """Make one attempt at an open delivery that is due, record it, and say whether to try again.

    Safe to run twice at once for one delivery (a retry and a sweep, or a message the broker
    delivered again): the attempt is claimed first, in a short transaction, and only a due,
    open delivery below the bound of attempts can be claimed; any other run does nothing.

    The POST is made after that transaction has committed, never under the row lock: a slow or
    silent application would otherwise hold a lock and a database transaction open for the
    whole connect and read timeouts, and the engine's own writes to the row would queue behind
    it. What keeps a second run out meanwhile is the claim itself, which counts the attempt and
    moves `next_attempt_at` past the longest the POST can take (`claim_lease`). The price is at
    least once, not exactly once: a worker that dies after the application answered but before
    the outcome is recorded leaves the delivery to be sent again once that lease has run out
    (the application then receives a second token, with a `jti` of its own, for a session it has
    already ended, and has nothing left to do). A delivery recorded as delivered is never sent
    again.
    """
    started = now or timezone.now()
    claimed = _claim(delivery_id, started)
    if isinstance(claimed, Outcome):
        return claimed
    token = logout_token(
        client_id=claimed.application.client_id, sid=claimed.sid, sub=claimed.sub, now=started
    )
    final = False
    try:
        code = post_logout_token(claimed.uri, token)
        error = "" if code in DELIVERED_STATUSES else _http_error(code)
    except DeliveryRefused as refused:
        # The registration, not the network, is at fault: another try would be refused again.
        error, final = f"Refused: {refused}", True
    except (urllib3.exceptions.HTTPError, OSError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    # Timed after the POST, so a retry's countdown, counted from later still, never
    # arrives before `next_attempt_at`.
    return _record(claimed, error, final, now or timezone.now())


def claim_lease() -> datetime.timedelta:
    """How long a claimed attempt keeps others out: longer than a POST can last (the connect
    and the read timeouts, and the name lookup), so that only a worker that died mid-attempt
    lets it run out."""
    return datetime.timedelta(seconds=2 * settings.BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS + 30)


def _claim(delivery_id: int, now: datetime.datetime) -> BackchannelDelivery | Outcome:
    """Count this attempt and keep other runs out for `claim_lease`; or, when there is nothing to
    attempt, what to answer instead (never a retry: whoever holds the claim schedules that)."""
    with transaction.atomic():
        # SKIP LOCKED: a row locked here is being claimed or recorded by another run, which will
        # see to it; waiting only to find it claimed would hold a worker for nothing.
        delivery = (
            BackchannelDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("application")
            .due(now + CLOCK_SLACK)
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            status = (
                BackchannelDelivery.objects.filter(pk=delivery_id)
                .values_list("status", flat=True)
                .first()
            )
            # Gone with its application; settled; or open but claimed by another run, or waiting
            # for its backoff.
            return Outcome(
                "gone" if status is None else NOT_DUE if status == Status.OPEN else status
            )
        if delivery.attempts >= settings.BACKCHANNEL_LOGOUT_MAX_ATTEMPTS:
            # The last attempt allowed never recorded its outcome (its worker died): no more.
            BackchannelDelivery.objects.filter(pk=delivery.pk).update(
                status=Status.FAILED,
                failed_at=now,
                next_attempt_at=None,
                last_error="No outcome was recorded for the last attempt",
            )
            return Outcome(Status.FAILED)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + claim_lease()
        BackchannelDelivery.objects.filter(pk=delivery.pk).update(
            attempts=delivery.attempts,
            last_attempt_at=delivery.last_attempt_at,
            next_attempt_at=delivery.next_attempt_at,
        )
    return delivery


def _http_error(code: int) -> str:
    if 300 <= code < 400:
        return f"HTTP {code}: redirects are not followed"
    return f"HTTP {code}"


def _record(
    delivery: BackchannelDelivery, error: str, final: bool, now: datetime.datetime
) -> Outcome:
    """Record the outcome of the attempt `delivery` was claimed for (its `attempts` counts it)."""
    changes: dict[str, object] = {"last_error": error[:200]}
    retry_in = None
    if not error:
        status = Status.DELIVERED
        changes.update(status=status, delivered_at=now, next_attempt_at=None)
    elif final or delivery.attempts >= settings.BACKCHANNEL_LOGOUT_MAX_ATTEMPTS:
        status = Status.FAILED
        changes.update(status=status, failed_at=now, next_attempt_at=None)
    else:
        status = Status.OPEN
        retry_in = retry_delay(delivery.attempts)
        changes.update(next_attempt_at=now + datetime.timedelta(seconds=retry_in))
    # Only while this run's claim stands: had it been taken over (a lease run out), the newer
    # attempt records its own outcome, and this one must neither undo it nor schedule a retry.
    recorded = BackchannelDelivery.objects.filter(
        pk=delivery.pk, status=Status.OPEN, attempts=delivery.attempts
    ).update(**changes)
    if not recorded:
        return Outcome(NOT_DUE)
    return Outcome(status, retry_in)


def retry_delay(attempts_made: int) -> int:
    """10 s after the first failure, then 3 times longer each time: 30, 90, 270 s."""
    return int(settings.BACKCHANNEL_LOGOUT_RETRY_BASE_SECONDS * 3 ** (attempts_made - 1))


# An open delivery is stalled once its attempt has been due for this long: its task should have
# started by then, so it was never queued (the broker was down), was lost, or its worker died.
# Longer than a busy queue's usual wait, short enough for a logout to reach the application
# within a few minutes.
STALLED_AFTER = datetime.timedelta(seconds=60)
# Rows taken per transaction by the sweep, and transactions per run: one run stays short even
# after a long broker outage; the rest waits for the next run.
SWEEP_BATCH_SIZE = 200
SWEEP_MAX_BATCHES = 10


def requeue_stalled(
    queue: Callable[[int], object],
    *,
    now: datetime.datetime | None = None,
    batch_size: int = SWEEP_BATCH_SIZE,
    max_batches: int = SWEEP_MAX_BATCHES,
) -> int:
    """Queue again, with `queue(delivery_id)`, the open deliveries overdue by more than
    `STALLED_AFTER`; how many were queued.

    Each is made due now as it is taken, in the batch's transaction, so the next sweep leaves it
    alone for another `STALLED_AFTER` while the queued task runs, and two sweeps at once take
    different rows. Queued after that transaction commits, so the task finds it due. Should the
    broker refuse, the sweep stops: the rest (and the rows of this batch) wait for the next run.
    """
    requeued = 0
    for _batch in range(max_batches):
        at = now or timezone.now()
        with transaction.atomic():
            ids = list(
                BackchannelDelivery.objects.select_for_update(skip_locked=True)
                .due(at - STALLED_AFTER)
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            BackchannelDelivery.objects.filter(pk__in=ids).update(next_attempt_at=at)
        for delivery_id in ids:
            try:
                queue(delivery_id)
            except Exception:
                logger.exception("Could not queue stalled back-channel logout %s", delivery_id)
                return requeued
            requeued += 1
        if len(ids) < batch_size:
            break
    return requeued


def post_logout_token(uri: str, token: str) -> int:
    """POST `logout_token` to `uri`; the HTTP status. Raises DeliveryRefused before connecting
    when the target is not allowed, and urllib3's errors or OSError when the network fails."""
    parts = urlsplit(uri)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise DeliveryRefused("not an http(s) address")
    if parts.scheme == "http" and not settings.DEBUG:
        raise DeliveryRefused("https is required")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = checked_address(host, port)
    timeout = urllib3.Timeout(
        connect=settings.BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS,
        read=settings.BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS,
    )
    # Connect to the checked address; for https, name the registered host for SNI and the
    # certificate. The pool is kept per (address, host): an ending of many seats owes each
    # application many tokens, sent over kept-alive connections instead of a TLS handshake each.
    tls = {"assert_hostname": host, "server_hostname": host} if parts.scheme == "https" else {}
    pool = _POOLS.connection_from_host(address, port, parts.scheme, pool_kwargs=tls)
    host_header = f"[{host}]" if ":" in host else host
    if parts.port:
        host_header += f":{parts.port}"
    response = pool.urlopen(
        "POST",
        (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
        body=urlencode({"logout_token": token}),
        headers={
            "Host": host_header,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cache-Control": "no-store",
        },
        timeout=timeout,
        retries=False,
        redirect=False,
        assert_same_host=False,
        preload_content=True,
    )
    return response.status


def checked_address(host: str, port: int) -> str:
    """The address to connect to: the host resolved once, every address it has allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OSError(f"{host} does not resolve: {error}") from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise OSError(f"{host} does not resolve")
    trusted = host.lower().rstrip(".") in {
        name.lower().rstrip(".") for name in settings.BACKCHANNEL_LOGOUT_ALLOWED_HOSTS
    }
    for address in addresses:
        problem = _address_problem(address, trusted)
        if problem:
            # Any bad address refuses the host: a name mixing public and private ones could be
            # answered differently from one lookup to the next.
            raise DeliveryRefused(f"{host} resolves to {address}, {problem}")
    return str(addresses[0])


def _address_problem(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: bool
) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_unspecified or address.is_multicast:
        return "an unspecified or multicast address"
    if trusted or (address.is_loopback and settings.DEBUG):
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private or address.is_reserved or not address.is_global:
        return "a private or reserved address"
    return None
