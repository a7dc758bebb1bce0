"""The portal's side of "Request more licenses": what the form is prefilled with, what the home
and refusal pages show about it, and asking from the refusal page (where the admin is not signed
in and proves the password check with a single-use token). The rules are in `license_requests.services`.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import Company, User
from accounts.time_zones import zone_of
from license_requests import selectors as request_selectors
from license_requests import services as request_services
from license_requests.models import LicenseRequest
from license_requests.permissions import may_ask
from sessions_seats.selectors import contact_for
from usage.periods import last_days
from usage.recommendation import recommendation, suggested_purchase
from usage.report import usage_report
from usage.simulator import simulate

from . import proofs
from .selectors import admins_to_ask

# The period the prefill's simulation looks at: the report's default.
PREFILL_DAYS = 30


def prefill(company: Company) -> tuple[dict, str]:
    """Initial form values from the recommendation of the last 30 days, and that sentence."""
    start, end = last_days(PREFILL_DAYS, tz=zone_of(company))
    report = usage_report(company, start=start, end=end)
    simulation = simulate(company, start=start, end=end)
    sentence = recommendation(report, simulation)
    suggestion = suggested_purchase(simulation)
    initial: dict = {"quantity": 1}
    if suggestion is not None:
        initial = {"package": suggestion.package.pk, "quantity": suggestion.quantity}
        # What is added, the total it makes with today's seats, and why this package: the same
        # sentence as the usage report's.
        sentence += f" {suggestion.sentence}"
    return initial, sentence


def home_context(user: User) -> dict:
    """What the home page says about asking for more licenses."""
    if not user.takes_seat:
        return {}
    if may_ask(user):
        latest = request_selectors.requests_of(user.own_company).first()
        return {"may_request_licenses": True, "latest_request": latest}
    return {"company_admins": admins_to_ask(user.own_company)}


def refusal_context(user: User) -> dict:
    """What the refusal page offers: company admins get a proof to ask with (they are not signed
    in); members are told whom to ask."""
    if not user.takes_seat:
        return {}
    if may_ask(user):
        return {"license_request_token": proofs.issue_proof(user, proofs.LICENSE_REQUEST)}
    return {"company_admins": admins_to_ask(user.own_company)}


def refused_admin_proof(token: str) -> proofs.Proof:
    """The unspent proof in `token`, of a user who may still ask for their company."""
    proof = proofs.check_proof(token, proofs.LICENSE_REQUEST)
    if not may_ask(proof.user):
        raise proofs.ProofRefused("Only a company admin can request more licenses.")
    return proof


def request_from_refusal(*, token: str, **ask) -> request_services.Asked:
    """Ask for more licenses as the refused admin; the token is spent with the request, so a
    failed ask leaves it usable and a sent one cannot be repeated."""
    proof = refused_admin_proof(token)
    with transaction.atomic():
        proofs.spend_proof(proof)
        return request_services.request_more_licenses(requester=proof.user, **ask)


def status_message(asked: request_services.Asked) -> str:
    """What the requester is told after asking."""
    license_request: LicenseRequest = asked.request
    contact = contact_for(license_request.company)
    wanted = f"{license_request.quantity} × {license_request.package.name}"
    if asked.merged:
        return (
            f"Your company already had an open request, so we added yours to it: it now asks for "
            f"{wanted}, with your note. {contact.name} has been told."
        )
    return f"Request sent: {wanted}. {contact.name} ({contact.email}) will get back to you."
