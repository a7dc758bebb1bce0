"""Deactivating and reactivating accounts: the one place that does it, and audits it.

Whoever deactivates an account is recorded on it (`User.deactivated_by`, `deactivated_at`) and in
the append-only `AccountChange`. A company admin may undo only their own company's deactivations:
when Foundry staff deactivated someone, it was for a reason the customer may not know about
(an unpaid bill, a compromised account), so only staff may let them in again.

Ending the person's seat is the engine's business, not this app's: callers sign them out in the
same transaction (`sessions_seats.forced_logout`).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .models import AccountChange, User
from .tenancy import may_see_company

# How people outside Foundry are told that Foundry staff did something: customers ask support or
# their account manager, not the staff member by name.
FOUNDRY_STAFF_NAME = "Foundry support"


def _role_of(actor: User, user: User) -> AccountChange.ActorRole:
    """The role `actor` acts in on `user`'s account; PermissionDenied when they may not."""
    if actor.is_active and actor.is_staff:
        if not may_see_company(actor, user.company_id):
            raise PermissionDenied("You may not change this account.")
        return AccountChange.ActorRole.STAFF
    if actor.is_active_company_admin and user.company_id == actor.company_id:
        return AccountChange.ActorRole.COMPANY_ADMIN
    raise PermissionDenied("Only a company admin can manage their own company's users.")


def deactivated_by_own_admin(user: User) -> bool:
    """Was `user` deactivated by an admin of their own company (not by Foundry staff, and not by
    someone nobody recorded)?"""
    by = user.deactivated_by
    return (
        by is not None
        and not by.is_staff
        and by.company_id is not None
        and by.company_id == user.company_id
    )


def deactivator_name(user: User) -> str | None:
    """Who deactivated `user`, as the customer is told: the admin's name, "Foundry support" for
    staff, None when nobody recorded it (accounts deactivated before it was)."""
    by = user.deactivated_by
    if by is None:
        return None
    return FOUNDRY_STAFF_NAME if by.is_staff or by.company_id is None else by.get_full_name()


def may_reactivate(actor: User, user: User) -> bool:
    """May `actor` activate `user` again? Staff who see the user's company, or an admin of the
    user's company when the deactivation was one of their own company's."""
    try:
        role = _role_of(actor, user)
    except PermissionDenied:
        return False
    return role == AccountChange.ActorRole.STAFF or deactivated_by_own_admin(user)


def deactivate(*, actor: User, user: User) -> AccountChange | None:
    """Stop `user` from signing in, recording who did it and when; None if already inactive."""
    role = _role_of(actor, user)
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if not current.is_active:
            return None
        now = timezone.now()
        User.objects.filter(pk=user.pk).update(
            is_active=False, deactivated_at=now, deactivated_by=actor
        )
        user.is_active, user.deactivated_at, user.deactivated_by = False, now, actor
        return _record(AccountChange.Action.DEACTIVATED, actor=actor, role=role, user=user, at=now)


def reactivate(*, actor: User, user: User) -> AccountChange | None:
    """Let `user` sign in again; None if already active. A company admin may not undo a
    deactivation of Foundry staff's (or one nobody recorded): PermissionDenied says so."""
    role = _role_of(actor, user)
    with transaction.atomic():
        # Lock only the user's row: PostgreSQL refuses FOR UPDATE across the outer join to
        # deactivated_by, which is read afterwards.
        current = (
            User.objects.select_for_update(of=("self",))
            .select_related("deactivated_by")
            .get(pk=user.pk)
        )
        if current.is_active:
            return None
        if role == AccountChange.ActorRole.COMPANY_ADMIN and not deactivated_by_own_admin(current):
            by = deactivator_name(current)
            who = (
                f"{current.get_full_name()} was deactivated by {by}"
                if by is not None
                else f"Nobody recorded who deactivated {current.get_full_name()}"
            )
            raise PermissionDenied(f"{who}, so only {FOUNDRY_STAFF_NAME} can reactivate them.")
        now = timezone.now()
        User.objects.filter(pk=user.pk).update(
            is_active=True, deactivated_at=None, deactivated_by=None
        )
        user.is_active, user.deactivated_at, user.deactivated_by = True, None, None
        return _record(AccountChange.Action.REACTIVATED, actor=actor, role=role, user=user, at=now)


def _record(
    action: AccountChange.Action,
    *,
    actor: User,
    role: AccountChange.ActorRole,
    user: User,
    at: datetime.datetime,
) -> AccountChange:
    company = user.company
    return AccountChange.objects.create(
        at=at,
        action=action,
        actor=actor,
        actor_email=actor.email,
        actor_role=role,
        user=user,
        user_email=user.email,
        company=company,
        company_name=company.name if company is not None else "",
    )
