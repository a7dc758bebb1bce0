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
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Company, User

from . import binding, claim_sql
from .claim_rules import AccountDeactivated, ClaimNew, Join, Refused, Retry, Seen, decide
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


def sign_in(request: HttpRequest, user: User) -> Refusal | None:
    """Sign `user` in on this request, claiming or joining their seat; a Refusal if there is none.

    Staff sign in without a seat. For company users, Django's login (the new session key saved,
    axes' records, `last_login`) runs first, without any lock; only then is the company's row
    locked, for the claim alone: the seat and the seat session bound to that key are inserted
    together and committed at once, so no seat exists without its session. When the claim is
    refused, or fails, the browser is logged out again: no session stays signed in without a
    seat. Raises AccountDeactivated if the account was deactivated meanwhile.

    The seat is claimed for the company the user belongs to when the claim commits, not the one
    they had when `user` was loaded: staff may move them meanwhile (`claim_rules.decide`).
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
    if isinstance(outcome, Refused):
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


def _claim(request: HttpRequest, user: User, session_key: str) -> SeatSession | Refused | None:
    """The seat session bound to `session_key`, a refusal, or None if the user became staff."""
    company_id: int | None = user.own_company_id
    # Inside a caller's transaction (the refusal page frees a seat and signs in on it, holding
    # the company's lock already) there is no backing off: wait for the user's row instead.
    may_back_off = not connection.in_atomic_block
    claim_once = _claim_in_one_statement if connection.vendor == "postgresql" else _claim_with_orm
    for _attempt in range(_CLAIM_ATTEMPTS):
        if company_id is None:
            return None
        outcome = claim_once(company_id, user, request, session_key, may_back_off)
        if not isinstance(outcome, Retry):
            return outcome
        if outcome.wait_for_user:
            with transaction.atomic():
                User.objects.select_for_update(no_key=True).filter(pk=user.pk).exists()
        elif outcome.stale_seat_id is not None:
            end_seats([outcome.stale_seat_id], EndReason.LICENSE)
        else:
            company_id = outcome.company_id
    raise RuntimeError(f"{user} kept changing while signing in; nothing was claimed.")


def _claim_in_one_statement(
    company_id: int, user: User, request: HttpRequest, session_key: str, may_back_off: bool
) -> SeatSession | Refused | Retry:
    """PostgreSQL: the company's lock is held for one round trip (`claim_sql`)."""
    claimed = claim_sql.claim(
        company_id=company_id,
        user_id=user.pk,
        session_key=session_key,
        ip=_client_ip(request),
        user_agent=_user_agent(request),
        skip_locked=may_back_off,
    )
    if claim_lock_probe is not None:
        done = time.perf_counter()
        claim_lock_probe(done - claimed.lock_hold_seconds, done)
    verdict = decide(claimed.seen, user)
    if claimed.admitted != isinstance(verdict, (Join, ClaimNew)):
        raise RuntimeError(f"The claim's statement and its rule disagree: {verdict}.")
    if claimed.seat_session_id is not None:
        assert claimed.seat_id is not None and claimed.started_at is not None
        return SeatSession(
            pk=claimed.seat_session_id,
            seat_id=claimed.seat_id,
            session_key=session_key,
            started_at=claimed.started_at,
            last_activity=claimed.started_at,
        )
    if isinstance(verdict, (Join, ClaimNew)):
        # Admitted, yet no seat was inserted: the user's other device took one after the
        # statement's snapshot was taken. Start again with a fresh snapshot, which joins it.
        return Retry(company_id=company_id)
    if (
        isinstance(verdict, Refused)
        and verdict.reason == LoginDenial.Reason.SEATS_FULL
        and Seat.objects.open().filter(user=user).exists()
    ):
        # Full, but the user holds a seat the snapshot could not see: join it.
        return Retry(company_id=company_id)
    return verdict


def _claim_with_orm(
    company_id: int, user: User, request: HttpRequest, session_key: str, may_back_off: bool
) -> SeatSession | Refused | Retry:
    """Elsewhere (SQLite), the same reads and writes as statements of one transaction."""
    with transaction.atomic():
        # The capacity and the seats in use come with the lock, in one round trip. The counter
        # is a column of the row being locked.
        company = (
            Company.objects.select_for_update(no_key=True)
            .annotate(capacity_now=capacity_expression())
            .get(pk=company_id)
        )
        locked_at = time.perf_counter() if claim_lock_probe is not None else 0.0
        outcome = _claim_locked(company, user, request, session_key, may_back_off)
    if claim_lock_probe is not None:
        claim_lock_probe(locked_at, time.perf_counter())
    return outcome


class _CapacityNow(TypedDict):
    """What `_claim_with_orm` reads with the company's lock: its capacity at that moment."""

    capacity_now: int


def _claim_locked(
    company: WithAnnotations[Company, _CapacityNow],
    user: User,
    request: HttpRequest,
    session_key: str,
    may_back_off: bool,
) -> SeatSession | Refused | Retry:
    """With the company row locked: read what `decide` needs, and act on it.

    The user's row is locked after the company's, the order in which company admins change roles
    and deactivate. Staff editing an account lock the user's row first and the company's after
    it (to release the seat), so the user's row is not waited for while the company's is held:
    SKIP LOCKED finds it taken, the attempt lets the company go, waits for the user's row alone
    and starts again. A sign-in racing a move so reads the company the user was moved to, and
    one racing a deactivation reads that the account is inactive.
    """
    user_row = (
        User.objects.select_for_update(no_key=True, skip_locked=may_back_off)
        .filter(pk=user.pk)
        .values_list("company_id", "is_active")
        .first()
    )
    # Locked so that a concurrent release cannot empty it while this device joins.
    held_seat = (
        Seat.objects.select_for_update()
        .open()
        .filter(user=user)
        .values_list("pk", "company_id")
        .first()
        if user_row is not None
        else None
    )
    seen = Seen(company, company.capacity_now, user_row, held_seat)
    verdict = decide(seen, user)
    if isinstance(verdict, Join):
        seat_id = verdict.seat_id
    elif isinstance(verdict, ClaimNew):
        # The insert adds the seat to `company.seats_in_use` (the triggers of migration 0010),
        # on the row this transaction has locked.
        seat_id = Seat.objects.create(company=company, user=user, claimed_at=timezone.now()).pk
    else:
        return verdict
    now = timezone.now()
    return SeatSession.objects.create(
        seat_id=seat_id,
        session_key=session_key,
        started_at=now,
        last_activity=now,
        ip=_client_ip(request),
        user_agent=_user_agent(request),
    )


def _record_refusal(refused: Refused, user: User) -> Refusal:
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


def _user_agent(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")[:300]
