"""Every change of seat state: claim at sign-in, touch on activity, end with a reason.

The rules (docs/DESIGN.md rules 2, 3 and 5):
- A company's seats in use never exceed its capacity: the count-then-insert of a claim runs under
  a lock on the company's row (`select_for_update`; SQLite serialises writers instead).
- A seat is a person: a second device joins the user's open seat; the seat is released when its
  last session ends, with that session's reason.
- A session ends exactly once: ending selects only open rows, locked and skipping rows another
  transaction is already ending.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Company, User

from . import binding, django_sessions
from .models import EndReason, Entitlement, LoginDenial, Seat, SeatSession
from .selectors import (
    Contact,
    capacity_expression,
    contact_for,
    idle_deadline,
    seat_last_active,
    seats_in_use,
)
from .signals import announce_ended

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# The backend a session records when the caller proved who the user is some other way than
# authenticate() (a sign-in proof, for instance); Axes' backend sits before it and logs in no one.
_PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


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


@dataclass(frozen=True)
class Ended:
    """What one call of `end_sessions` changed."""

    session_ids: list[int]
    released_seat_ids: list[int]

    @property
    def sessions(self) -> int:
        return len(self.session_ids)

    @property
    def seats(self) -> int:
        return len(self.released_seat_ids)


def sign_in(request: HttpRequest, user: User) -> Refusal | None:
    """Sign `user` in on this request, claiming or joining their seat; a Refusal if there is none.

    Staff sign in without a seat. For company users the claim, Django's login and the binding of
    the seat to the new session key commit together, so no seat exists without its session.

    The seat is claimed for the company the user belongs to when the claim commits, not the one
    they had when `user` was loaded: staff may move them meanwhile (`_claim_locked`).
    """
    backend = getattr(user, "backend", None) or _PASSWORD_BACKEND
    for _attempt in range(_CLAIM_ATTEMPTS):
        if not user.takes_seat:
            django_login(request, user, backend=backend)
            return None
        with transaction.atomic():
            # The capacity comes with the lock, in one round trip. It sees the entitlements
            # committed when the statement runs, as a separate query would; a license that shrinks
            # later is reconciled by the reaper (`end_surplus_seats`). FOR NO KEY UPDATE queues
            # claims (and every other company lock) all the same, but lets other transactions
            # commit rows that refer to the company meanwhile: their foreign-key checks run at
            # commit and take a key-share lock, which FOR UPDATE would block, and a staff member
            # moving this user would deadlock with a sign-in waiting for that move.
            company = (
                Company.objects.select_for_update(no_key=True)
                .annotate(capacity_now=capacity_expression())
                .get(pk=user.own_company_id)
            )
            seat_or_refusal = _claim_locked(company, user)
            if isinstance(seat_or_refusal, Refusal):
                return seat_or_refusal  # the LoginDenial commits with this block
            if seat_or_refusal is not None:
                _bind_new_session(request, user, seat_or_refusal, backend)
                return None
        # Moved to another company since `user` was loaded (or their old company's seat was
        # being ended by someone else): claim again, for the company they have now, under that
        # company's lock.
        user.refresh_from_db(fields=["company", "role", "is_staff", "is_superuser", "is_active"])
    raise RuntimeError(f"{user} kept changing companies while signing in; nothing was claimed.")


# A sign-in starts again when staff moved the user meanwhile; moves are rare, so a few tries are
# plenty, and the bound keeps a pathological case from looping for ever.
_CLAIM_ATTEMPTS = 3


def _bind_new_session(request: HttpRequest, user: User, seat: Seat, backend: str) -> None:
    """Django's login and the seat session of this browser, in the claim's transaction."""
    # login() rotates the session key; the seat is bound to the key it leaves behind. The
    # rotation has already stored the new session in this transaction for stores that keep
    # rows (and those are the ones whose key exists only once saved): save only if need be.
    django_login(request, user, backend=backend)
    if request.session.session_key is None:
        request.session.save()
    session_key = request.session.session_key
    assert session_key is not None, "a saved session has its key"
    now = timezone.now()
    seat_session = SeatSession.objects.create(
        seat=seat,
        session_key=session_key,
        started_at=now,
        last_activity=now,
        ip=_client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
    )
    binding.bind(request.session, seat_session.pk, now.timestamp())


class _CapacityNow(TypedDict):
    """What `sign_in` reads with the company's lock: its capacity at that moment."""

    capacity_now: int


def _claim_locked(
    company: WithAnnotations[Company, _CapacityNow], user: User
) -> Seat | Refusal | None:
    """With the company row locked: the user's open seat, a new one, or a recorded refusal; None
    when the user no longer belongs to `company` (staff moved them), and nothing was claimed.

    The user's row is locked after the company's, the order in which company admins change roles
    and deactivate. Staff moving a user lock that row first (their update) and end the old seat
    in the same transaction (`forced_logout.sign_out_after_account_change`): a sign-in then waits
    for the move to commit and reads the company they were moved to, so it neither claims nor
    joins a seat of the old company once the old seats were ended.

    Only a seat of `company` is joined. An open seat of another company (one the user was moved
    away from without being signed out, e.g. by a script) is no longer theirs to hold: it is
    ended, reason `license`, like any seat its license does not cover, before a seat of `company`
    is claimed; one seat per person (`seat_one_open_per_user`) could not hold otherwise. Should
    another transaction be ending that seat right now, None: the sign-in tries again once it
    has.
    """
    current_company_id = (
        User.objects.select_for_update(no_key=True)
        .filter(pk=user.pk)
        .values_list("company_id", flat=True)
        .get()
    )
    if current_company_id != company.pk:
        return None
    capacity = company.capacity_now
    # Locked so that a concurrent release cannot empty it while this device joins.
    seat = Seat.objects.select_for_update().open().filter(user=user).first()
    if seat is not None and seat.company_id != company.pk:
        if seat.pk not in end_seats([seat.pk], EndReason.LICENSE).released_seat_ids:
            return None
        seat = None
    if not company.is_active:
        return _refuse(company, user, LoginDenial.Reason.COMPANY_INACTIVE, capacity)
    if capacity == 0:
        return _refuse(company, user, LoginDenial.Reason.NO_LICENSE, capacity)
    if seat is not None:
        return seat
    # Counted in a statement of its own, once the lock is held: folded into the locking statement,
    # the count would read the snapshot taken before waiting for the lock, and miss the seat the
    # previous lock holder just claimed.
    if seats_in_use(company) >= capacity:
        return _refuse(company, user, LoginDenial.Reason.SEATS_FULL, capacity)
    return Seat.objects.create(company=company, user=user, claimed_at=timezone.now())


def _refuse(company: Company, user: User, reason: str, capacity: int) -> Refusal:
    in_use = seats_in_use(company)
    LoginDenial.objects.create(
        company=company,
        user=user,
        at=timezone.now(),  # read now, not bound at import time as a field default is
        reason=reason,
        capacity=capacity,
        seats_in_use=in_use,
    )
    return Refusal(
        reason=LoginDenial.Reason(reason),
        company=company,
        capacity=capacity,
        seats_in_use=in_use,
        contact=contact_for(company),
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


def end_sessions(
    seat_session_ids: Collection[int],
    reason: str,
    *,
    now: datetime.datetime | None = None,
    delete_django_sessions: bool = True,
    ended_by: User | None = None,
) -> Ended:
    """End these seat sessions (those still open) and release the seats they leave empty.

    Sessions another transaction is ending right now are skipped, not waited for: that one ends
    them. The Django sessions are deleted from the store in the same transaction, and
    `signals.seat_sessions_ended` is sent once it commits.
    """
    if not seat_session_ids:
        return Ended([], [])
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            SeatSession.objects.select_for_update(skip_locked=True)
            .open()
            .filter(pk__in=seat_session_ids)
            .order_by("pk")
            .values_list("pk", "session_key", "seat_id")
        )
        if not rows:
            return Ended([], [])
        ids = [pk for pk, _, _ in rows]
        SeatSession.objects.filter(pk__in=ids).update(
            ended_at=now, end_reason=reason, ended_by=ended_by
        )
        if delete_django_sessions:
            django_sessions.delete_sessions(key for _, key, _ in rows)
        released = _release_emptied_seats({seat_id for _, _, seat_id in rows}, reason, now)
        announce_ended(SeatSession, ids, reason, now)
    return Ended(ids, released)


def end_seats(
    seat_ids: Collection[int],
    reason: str,
    *,
    now: datetime.datetime | None = None,
    ended_by: User | None = None,
) -> Ended:
    """End every open session of these seats and release them (forced logout, license ended)."""
    now = now or timezone.now()
    with transaction.atomic():
        session_ids = list(
            SeatSession.objects.open().filter(seat_id__in=seat_ids).values_list("pk", flat=True)
        )
        ended = end_sessions(session_ids, reason, now=now, ended_by=ended_by)
        # A seat left without sessions (none should be) is released all the same.
        stragglers = _release_emptied_seats(
            set(seat_ids) - set(ended.released_seat_ids), reason, now
        )
    return Ended(ended.session_ids, ended.released_seat_ids + stragglers)


def end_surplus_seats(
    company_id: int, *, limit: int, now: datetime.datetime | None = None
) -> Ended:
    """End up to `limit` of a company's seats beyond its capacity, longest idle first (`license`).

    A license that ended or shrank must not leave more people signed in than the company now
    pays for. Under the company's lock, like a claim, so the count cannot move meanwhile.
    """
    now = now or timezone.now()
    with transaction.atomic():
        company = (
            Company.objects.select_for_update()
            .annotate(capacity_now=capacity_expression(timezone.localdate(now)))
            .get(pk=company_id)
        )
        capacity = company.capacity_now if company.is_active else 0
        open_seats = Seat.objects.open().filter(company=company)
        surplus = min(open_seats.count() - capacity, limit)
        if surplus <= 0:
            return Ended([], [])
        ids = list(
            open_seats.annotate(last_active=seat_last_active())
            .order_by(F("last_active").asc(nulls_first=True), "claimed_at", "pk")
            .values_list("pk", flat=True)[:surplus]
        )
        return end_seats(ids, EndReason.LICENSE, now=now)


def _release_emptied_seats(seat_ids: set[int], reason: str, now: datetime.datetime) -> list[int]:
    if not seat_ids:
        return []
    # Lock first: a sign-in joining one of these seats holds the same lock until it commits, so
    # the emptiness check below sees its new session.
    candidates = list(
        Seat.objects.select_for_update()
        .open()
        .filter(pk__in=seat_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Which still have an open session, looked up by seat id (the foreign key's index): an
    # anti-join here made PostgreSQL scan every open session once per batch.
    still_open = set(
        SeatSession.objects.open().filter(seat_id__in=candidates).values_list("seat_id", flat=True)
    )
    emptied = [pk for pk in candidates if pk not in still_open]
    Seat.objects.filter(pk__in=emptied).update(released_at=now, release_reason=reason)
    return emptied


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
