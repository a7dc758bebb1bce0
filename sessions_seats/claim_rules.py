"""What a claim decides from what it read under the company's lock (docs/DESIGN.md rules 2 and 3).

Both ways of claiming read the same facts and call `decide`: the one-statement claim of PostgreSQL
(`claim_sql`) and the ORM's statements elsewhere (`services._claim_locked`), so the rule has one
home. The statement also has to decide whether to insert before it can return: its condition is
the SQL spelling of `decide` returning Join or ClaimNew, and the caller checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from accounts.models import Company, User

from .models import LoginDenial


class AccountDeactivated(PermissionDenied):
    """The account was deactivated after its password was checked, before its seat was claimed.
    The browser is signed out again and nothing was claimed."""

    def __init__(self, user: User) -> None:
        super().__init__(f"The account {user.email} has been deactivated.")
        self.user = user


@dataclass(frozen=True)
class Seen:
    """What a claim read with the company's row locked."""

    company: Company
    capacity: int
    # The user's row as it is now: (company id, is active); None if another transaction holds it.
    user_row: tuple[int | None, bool] | None
    # The user's open seat, locked: (seat id, its company's id); None if they hold none.
    held_seat: tuple[int, int] | None


@dataclass(frozen=True)
class Join:
    """Add this browser to the seat the user already holds."""

    seat_id: int


@dataclass(frozen=True)
class ClaimNew:
    """Take a new seat: the user holds none and one is free."""


@dataclass(frozen=True)
class Refused:
    reason: LoginDenial.Reason
    company: Company
    capacity: int
    seats_in_use: int


@dataclass(frozen=True)
class Retry:
    """Why an attempt claimed nothing and what to do, without the company's lock, before the next
    one: claim for another company, wait for the user's row, or end a seat of a company left."""

    company_id: int | None = None
    wait_for_user: bool = False
    stale_seat_id: int | None = None


def decide(seen: Seen, user: User) -> Join | ClaimNew | Refused | Retry:
    """Join, claim, refuse or start again; raises AccountDeactivated.

    Only a seat of this company is joined. An open seat of another company (one the user was
    moved away from without being signed out, e.g. by a script) is no longer theirs to hold: it is
    ended, reason `license`, in a transaction of its own (that company's lock is never taken while
    this one's is held), before a seat here is claimed; one seat per person could not hold
    otherwise.
    """
    company = seen.company
    if seen.user_row is None:
        return Retry(company_id=company.pk, wait_for_user=True)
    user_company_id, is_active = seen.user_row
    if not is_active:
        raise AccountDeactivated(user)
    if user_company_id != company.pk:
        return Retry(company_id=user_company_id)
    if seen.held_seat is not None and seen.held_seat[1] != company.pk:
        return Retry(company_id=company.pk, stale_seat_id=seen.held_seat[0])
    capacity, in_use = seen.capacity, company.seats_in_use
    if not company.is_active:
        return Refused(LoginDenial.Reason.COMPANY_INACTIVE, company, capacity, in_use)
    if capacity == 0:
        return Refused(LoginDenial.Reason.NO_LICENSE, company, capacity, in_use)
    if seen.held_seat is not None:
        return Join(seen.held_seat[0])
    if in_use >= capacity:
        return Refused(LoginDenial.Reason.SEATS_FULL, company, capacity, in_use)
    return ClaimNew()
