"""Which customer companies a staff member may see (docs/DESIGN.md rule 9: enforced on the server).

Support and superusers see every company; any other staff member sees only the companies they are
the account manager of. Company users never reach the staff console at all.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from accounts.models import Company, User

SUPPORT_GROUP = "Support"
ACCOUNT_MANAGERS_GROUP = "Account managers"
SEES_ALL_COMPANIES = "accounts.view_all_companies"

M = TypeVar("M", bound=Model)


def sees_all_companies(user: User) -> bool:
    return user.is_active and user.is_staff and user.has_perm(SEES_ALL_COMPANIES)


def scope_to_companies(queryset: QuerySet[M], user: User, via: str) -> QuerySet[M]:
    """Rows of `queryset` whose company (reached through the lookup `via`; "" for companies
    themselves) `user` may see."""
    if sees_all_companies(user):
        return queryset
    if not (user.is_active and user.is_staff):
        return queryset.none()
    lookup = f"{via}__account_manager" if via else "account_manager"
    return queryset.filter(**{lookup: user})


def companies_visible_to(user: User) -> QuerySet[Company]:
    return scope_to_companies(Company.objects.all(), user, via="")


def may_see_company(user: User, company_id: int | None) -> bool:
    """For one object already loaded: is its company one `user` may see? Without a company
    (e.g. a staff user, or an audit record of a deleted company) only the see-all roles may."""
    if sees_all_companies(user):
        return True
    if company_id is None:
        return False
    return companies_visible_to(user).filter(pk=company_id).exists()
