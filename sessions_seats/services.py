"""Every change of seat state: claim at sign-in, touch on activity, end with a reason.

The rules (docs/DESIGN.md rules 2, 3 and 5):
- A company's seats in use never exceed its capacity: the check and the insert of a claim run
  under a lock on the company's row (`select_for_update`; SQLite serialises writers instead).
- A seat is a person: a second device joins the user's open seat; the seat is released when its
  last session ends, with that session's reason (`releases`).
- A session ends exactly once: ending selects only open rows, locked and skipping rows another
  transaction is already ending.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Company, User

from . import binding
from .models import EndReason, Entitlement, LoginDenial, Seat, SeatSession
from .releases import Ended, end_seats, end_sessions, end_surplus_seats
from .selectors import Contact, capacity_expression, contact_for, idle_deadline

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

__all__ = [
    "AccountDeactivated",
    "Ended",
    "Refusal",
    "end_if_idle",
    "end_seats",
    "end_sessions",
    "end_surplus_seats",
    "sign_in",
    "sign_out",
    "touch_seat_session",
]

# The backend a session records when the caller proved who the user is some other way than
# authenticate() (a sign-in proof, for instance); Axes' backend sits before it and logs in no one.
_PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"

# Called with (lock acquired, committed), perf_counter seconds, after every claim of a company
# user when set. Only the benchmark sets it; left None, a claim pays one attribute check.
claim_lock_probe: Callable[[float, float], None] | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in was refused, with what the refusal page needs to say."""

    reason: LoginDenial.Reason
    company: Company
    capacity: int
    seats_in_use: int
    contact: Contact

    @property
    def seats_full(self) -> bool:
        return self.reason == LoginDenial.Reason.SEATS_FULL


class AccountDeactivated(PermissionDenied):
    """The account was deactivated after its password was checked, before its seat was claimed.
    The browser is signed out again and nothing was claimed."""

    def __init__(self, user: User) -> None:
        super().__init__(f"The account {user.email} has been deactivated.")
        self.user = user


def sign_in(request: HttpRequest, user: User) -> Refusal | None:
    """Sign `user` in on this request, claiming or joining their seat; a Refusal if there is none.

    Staff sign in without a seat. For company users, Django's login (the new session key saved,
    axes' records, `last_login`) runs first, without any lock; only then is the company's row
    locked, for the claim alone: the seat and the seat session bound to that key are inserted
    together and committed at once, so no seat exists without its session. When the claim is
    refused, or fails, the browser is logged out again: no session stays signed in without a
    seat. Raises AccountDeactivated if the account was deactivated meanwhile.

    The seat is claimed for the company the user belongs to when the claim commits, not the one
    they had when `user` was loaded: staff may move them meanwhile (`_claim_locked`).
    """
    backend = getattr(user, "backend", None) or _PASSWORD_BACKEND
    previous_login = user.last_login
    # One transaction for the login's writes (the session, axes' records, `last_login`): one
    # commit to wait for rather than one per statement. No lock of the claim is held yet.
    with transaction.atomic():
        django_login(request, user, backend=backend)
        if not user.takes_seat:
            return None
        # Cookie and cache stores have a key only once saved; database rows are saved by login().
        if request.session.session_key is None:
            request.session.save()
    session_key = request.session.session_key
    assert session_key is not None, "a saved session has its key"
    try:
        outcome = _claim(request, user, session_key)
    except BaseException:
        _undo_login(request, user, previous_login)
        raise
    if isinstance(outcome, _Refused):
        _undo_login(request, user, previous_login)
        # Recorded right after the claim's transaction, so the lock is not held for it.
        return _record_refusal(outcome, user)
    if outcome is not None:
        binding.bind(request.session, outcome.pk, outcome.started_at.timestamp())
    return None


def _undo_login(request: HttpRequest, user: User, previous_login: datetime.datetime | None) -> None:
    """Sign the browser out again; `last_login` keeps saying when the user last got in."""
    django_logout(request)
    if user.last_login != previous_login:
        User.objects.filter(pk=user.pk).update(last_login=previous_login)
        user.last_login = previous_login


# A claim starts again when staff moved the user meanwhile, when the user's row was locked (it
# is waited for without the company's lock), or after ending a seat of a company they left. Each
# is rare, so a few tries are plenty, and the bound keeps a pathological case from looping.
_CLAIM_ATTEMPTS = 5


@dataclass(frozen=True)
class _Refused:
    reason: LoginDenial.Reason
    company: Company
    capacity: int
    seats_in_use: int


@dataclass(frozen=True)
class _Retry:
    """Why an attempt claimed nothing and what to do, without the company's lock, before the next
    one: claim for another company, wait for the user's row, or end a seat of a company left."""

    company_id: int | None = None
    wait_for_user: bool = False
    stale_seat_id: int | None = None


def _claim(request: HttpRequest, user: User, session_key: str) -> SeatSession | _Refused | None:
    """The seat session bound to `session_key`, a refusal, or None if the user became staff."""
    company_id: int | None = user.own_company_id
    # Inside a caller's transaction (the refusal page frees a seat and signs in on it, holding
    # the company's lock already) there is no backing off: wait for the user's row instead.
    may_back_off = not connection.in_atomic_block
    for _attempt in range(_CLAIM_ATTEMPTS):
        if company_id is None:
            return None
        with transaction.atomic():
            if may_back_off and connection.vendor == "postgresql":
                # The lock is held until the commit returns; waiting there for the WAL to reach
                # the disk was most of the hold. Nothing is lost by not waiting: the response's
                # session save commits durably moments later, flushing this commit with it, and
                # should the server crash in between, the browser's session (saved durably
                # before) names no seat session and is signed out on its next request (rule 4).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            # The capacity and the seats in use come with the lock, in one round trip. The
            # counter is a column of the row being locked: when the statement had to wait for
            # the lock, PostgreSQL re-reads the row's newest version once it is granted, so it
            # includes the seat the previous holder just claimed. The capacity (a subquery)
            # sees the entitlements committed when the statement began, as a separate query
            # would; a license that shrinks later is reconciled by the reaper. FOR NO KEY UPDATE
            # queues claims (and every other company lock) all the same, but lets other
            # transactions commit rows that refer to the company meanwhile: their foreign-key
            # checks take a key-share lock, which FOR UPDATE would block.
            company = (
                Company.objects.select_for_update(no_key=True)
                .annotate(capacity_now=capacity_expression())
                .get(pk=company_id)
            )
            locked_at = time.perf_counter() if claim_lock_probe is not None else 0.0
            outcome = _claim_locked(company, user, request, session_key, may_back_off)
        if claim_lock_probe is not None:
            claim_lock_probe(locked_at, time.perf_counter())
        if not isinstance(outcome, _Retry):
            return outcome
        if outcome.wait_for_user:
            with transaction.atomic():
                User.objects.select_for_update(no_key=True).filter(pk=user.pk).exists()
        elif outcome.stale_seat_id is not None:
            end_seats([outcome.stale_seat_id], EndReason.LICENSE)
        else:
            company_id = outcome.company_id
    raise RuntimeError(f"{user} kept changing while signing in; nothing was claimed.")


class _CapacityNow(TypedDict):
    """What `_claim` reads with the company's lock: its capacity at that moment."""

    capacity_now: int


def _claim_locked(
    company: WithAnnotations[Company, _CapacityNow],
    user: User,
    request: HttpRequest,
    session_key: str,
    may_back_off: bool,
) -> SeatSession | _Refused | _Retry:
    """With the company row locked: join the user's open seat or claim a new one, with this
    browser's seat session; a refusal; or what to do before trying again.

    The user's row is locked after the company's, the order in which company admins change roles
    and deactivate. Staff editing an account lock the user's row first and the company's after
    it (to release the seat), so the user's row is not waited for while the company's is held:
    SKIP LOCKED finds it taken, the attempt lets the company go, waits for the user's row alone
    and starts again. A sign-in racing a move so reads the company the user was moved to, and
    one racing a deactivation reads that the account is inactive.

    Only a seat of `company` is joined. An open seat of another company (one the user was moved
    away from without being signed out, e.g. by a script) is no longer theirs to hold: it is
    ended, reason `license`, like any seat its license does not cover, in a transaction of its
    own (that company's lock is never taken while this one's is held), before a seat of
    `company` is claimed; one seat per person (`seat_one_open_per_user`) could not hold otherwise.
    """
    current = (
        User.objects.select_for_update(no_key=True, skip_locked=may_back_off)
        .filter(pk=user.pk)
        .values_list("company_id", "is_active")
        .first()
    )
    if current is None:
        return _Retry(company_id=company.pk, wait_for_user=True)
    current_company_id, is_active = current
    if not is_active:
        raise AccountDeactivated(user)
    if current_company_id != company.pk:
        return _Retry(company_id=current_company_id)
    capacity = company.capacity_now
    # Locked so that a concurrent release cannot empty it while this device joins.
    seat = (
        Seat.objects.select_for_update()
        .open()
        .filter(user=user)
        .values_list("pk", "company_id")
        .first()
    )
    if seat is not None and seat[1] != company.pk:
        return _Retry(company_id=company.pk, stale_seat_id=seat[0])
    in_use = company.seats_in_use
    if not company.is_active:
        return _Refused(LoginDenial.Reason.COMPANY_INACTIVE, company, capacity, in_use)
    if capacity == 0:
        return _Refused(LoginDenial.Reason.NO_LICENSE, company, capacity, in_use)
    if seat is not None:
        seat_id = seat[0]
    elif in_use >= capacity:
        return _Refused(LoginDenial.Reason.SEATS_FULL, company, capacity, in_use)
    else:
        # The insert adds the seat to `company.seats_in_use` (the triggers of migration 0010),
        # on the row this transaction has locked.
        seat_id = Seat.objects.create(company=company, user=user, claimed_at=timezone.now()).pk
    now = timezone.now()
    return SeatSession.objects.create(
        seat_id=seat_id,
        session_key=session_key,
        started_at=now,
        last_activity=now,
        ip=_client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
    )


def _record_refusal(refused: _Refused, user: User) -> Refusal:
    LoginDenial.objects.create(
        company=refused.company,
        user=user,
        at=timezone.now(),  # read now, not bound at import time as a field default is
        reason=refused.reason,
        capacity=refused.capacity,
        seats_in_use=refused.seats_in_use,
    )
    return Refusal(
        reason=LoginDenial.Reason(refused.reason),
        company=refused.company,
        capacity=refused.capacity,
        seats_in_use=refused.seats_in_use,
        contact=contact_for(refused.company),
    )


def sign_out(request: HttpRequest) -> None:
    """Log this browser out; its seat is released if no other device of the user is signed in."""
    seat_session_id = binding.seat_session_id_of(request.session)
    if seat_session_id is not None:
        # Django's logout below removes the session itself.
        end_sessions([seat_session_id], EndReason.LOGOUT, delete_django_sessions=False)
    django_logout(request)


def touch_seat_session(seat_session_id: int, now: datetime.datetime | None = None) -> bool:
    """Record activity on an open seat session; False if it has ended (or never existed)."""
    updated = (
        SeatSession.objects.open()
        .filter(pk=seat_session_id)
        .update(last_activity=now or timezone.now())
    )
    return updated == 1


# The browser counts down from the server's figure and its request takes a moment to arrive.
IDLE_SIGN_OUT_SLACK = datetime.timedelta(seconds=5)


def end_if_idle(seat_session_id: int, now: datetime.datetime | None = None) -> bool:
    """End an open seat session as `idle` if its company's idle timeout has run out.

    What the idle warning calls when its countdown reaches zero, so the sign-out happens then and
    not at the reaper's next run. False (nothing changed) when the user was active meanwhile,
    e.g. in another tab.
    """
    now = now or timezone.now()
    seat_session = (
        SeatSession.objects.open()
        .select_related("seat__company")
        .filter(pk=seat_session_id)
        .first()
    )
    if seat_session is None:
        return False
    if now + IDLE_SIGN_OUT_SLACK < idle_deadline(seat_session):
        return False
    return end_sessions([seat_session.pk], EndReason.IDLE, now=now).sessions == 1


def assign_entitlement(entitlement: Entitlement, *, assigned_by: User) -> Entitlement:
    """Save a new entitlement, validated and stamped with who assigned it: the one way licenses
    are handed out (the staff console, a fulfilled license request, the demo data)."""
    entitlement.assigned_by = assigned_by
    entitlement.full_clean()
    entitlement.save()
    return entitlement


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: a proxy's X-Forwarded-For is trusted by the proxy config, not here.
    return request.META.get("REMOTE_ADDR") or None
