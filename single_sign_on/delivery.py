"""Sending one back-channel logout: the POST, its outcome, and when to try again.

The target is an address an application registered, so it is treated as untrusted input: the
host is resolved once, every address it resolves to must be public (unless the host is in
BACKCHANNEL_LOGOUT_ALLOWED_HOSTS, or is loopback in development), and the connection goes to the
address that was checked, not to a second lookup that DNS rebinding could change. The Host header
and, for https, the TLS server name and certificate check still use the registered host name.
Redirects are never followed (a 3xx is a failure), and https is required outside development.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import urllib3
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from .logout_token import logout_token
from .models import BackchannelDelivery

Status = BackchannelDelivery.Status
DELIVERED_STATUSES = {200, 204}  # Back-Channel Logout 1.0, section 2.8


class DeliveryRefused(Exception):
    """The target may not be reached from the portal; nothing was sent."""


@dataclass(frozen=True)
class Outcome:
    status: str
    # Seconds to wait before the next attempt; None when there is none.
    retry_in: int | None = None


def attempt(delivery_id: int, now: datetime.datetime | None = None) -> Outcome:
    """Make one attempt at an open delivery, record it, and say whether to try again."""
    delivery = (
        BackchannelDelivery.objects.select_related("application").filter(pk=delivery_id).first()
    )
    if delivery is None or delivery.status != Status.OPEN:
        # Deleted with its application, or already settled by an earlier run of the task.
        return Outcome(delivery.status if delivery else "gone")
    token = logout_token(
        client_id=delivery.application.client_id, sid=delivery.sid, sub=delivery.sub, now=now
    )
    final = False
    try:
        code = post_logout_token(delivery.uri, token)
        error = "" if code in DELIVERED_STATUSES else _http_error(code)
    except DeliveryRefused as refused:
        # The registration, not the network, is at fault: another try would be refused again.
        error, final = f"Refused: {refused}", True
    except (urllib3.exceptions.HTTPError, OSError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    return _record(delivery, error, final, now or timezone.now())


def _http_error(code: int) -> str:
    if 300 <= code < 400:
        return f"HTTP {code}: redirects are not followed"
    return f"HTTP {code}"


def _record(
    delivery: BackchannelDelivery, error: str, final: bool, now: datetime.datetime
) -> Outcome:
    attempts = delivery.attempts + 1
    changes: dict[str, object] = {
        "attempts": F("attempts") + 1,
        "last_attempt_at": now,
        "last_error": error[:200],
    }
    if not error:
        status = Status.DELIVERED
        changes.update(status=status, delivered_at=now)
    elif final or attempts >= settings.BACKCHANNEL_LOGOUT_MAX_ATTEMPTS:
        status = Status.FAILED
        changes.update(status=status, failed_at=now)
    else:
        status = Status.OPEN
    # Only an open delivery changes: a duplicate run of the task cannot undo a settled one.
    BackchannelDelivery.objects.filter(pk=delivery.pk, status=Status.OPEN).update(**changes)
    if status != Status.OPEN:
        return Outcome(status)
    return Outcome(status, retry_delay(attempts))


def retry_delay(attempts_made: int) -> int:
    """10 s after the first failure, then 3 times longer each time: 30, 90, 270 s."""
    return int(settings.BACKCHANNEL_LOGOUT_RETRY_BASE_SECONDS * 3 ** (attempts_made - 1))


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
    pool: urllib3.HTTPConnectionPool
    if parts.scheme == "https":
        # Connect to the checked address; name the registered host for SNI and the certificate.
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            assert_hostname=host,
            server_hostname=host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
    host_header = f"[{host}]" if ":" in host else host
    if parts.port:
        host_header += f":{parts.port}"
    with pool:
        response = pool.urlopen(
            "POST",
            (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
            body=urlencode({"logout_token": token}),
            headers={
                "Host": host_header,
                "Content-Type": "application/x-www-form-urlencoded",
                "Cache-Control": "no-store",
            },
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
