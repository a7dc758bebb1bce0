"""Who may ask for licenses, and who may answer a request."""

from __future__ import annotations

from accounts.models import User
from accounts.tenancy import may_see_company

from .models import LicenseRequest


def may_ask(user: User) -> bool:
    """Company admins ask for their company; members ask their admins."""
    return user.is_active_company_admin


def may_decide(actor: User, license_request: LicenseRequest) -> bool:
    """Staff who may change requests, for a company they see (their own, for account managers)."""
    return bool(
        actor.is_active
        and actor.is_staff
        and actor.has_perm("license_requests.change_licenserequest")
        and may_see_company(actor, license_request.company_id)
    )


def may_fulfil(actor: User, license_request: LicenseRequest) -> bool:
    """Fulfilling assigns an entitlement: the right to add entitlements is needed too."""
    return may_decide(actor, license_request) and actor.has_perm("sessions_seats.add_entitlement")
