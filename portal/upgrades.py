"""The portal's side of "Request more licenses": what the form is prefilled with, what the home
and refusal pages show about it, and asking from the refusal page (where the admin is not signed
in and proves the password check with a single-use token). The rules are in `support.upgrades`.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import Company, User
from sessions_seats import usage
from sessions_seats.selectors import contact_for
from support import upgrades
from support.models import UpgradeRequest

from . import proofs

# The period the prefill's simulation looks at: the report's default.
PREFILL_DAYS = 30


def prefill(company: Company) -> tuple[dict, str]:
    """Initial form values from the recommendation of the last 30 days, and that sentence."""
    start, end = usage.last_days(PREFILL_DAYS)
    report = usage.usage_report(company, start=start, end=end)
    simulation = usage.simulate(company, start=start, end=end)
    sentence = usage.recommendation(report, simulation)
    suggestion = upgrades.suggested_purchase(simulation)
    initial: dict = {"quantity": 1}
    if suggestion is not None:
        initial = {"package": suggestion.package.pk, "quantity": suggestion.quantity}
        sentence += (
            f" To get there, add {suggestion.quantity} × {suggestion.package.name} "
            f"({suggestion.seats_added} seat{'' if suggestion.seats_added == 1 else 's'})."
        )
    return initial, sentence


def home_context(user: User) -> dict:
    """What the home page says about asking for more licenses."""
    if not user.takes_seat:
        return {}
    if upgrades.may_ask(user):
        latest = upgrades.requests_of(user.company).first()
        return {"may_request_licenses": True, "latest_request": latest}
    return {"company_admins": upgrades.company_admins(user.company)}


def refusal_context(user: User) -> dict:
    """What the refusal page offers: company admins get a proof to ask with (they are not signed
    in); members are told whom to ask."""
    if not user.takes_seat:
        return {}
    if upgrades.may_ask(user):
        return {"upgrade_token": proofs.issue_proof(user, proofs.UPGRADE_REQUEST)}
    return {"company_admins": upgrades.company_admins(user.company)}


def refused_admin_proof(token: str) -> proofs.Proof:
    """The unspent proof in `token`, of a user who may still ask for their company."""
    proof = proofs.check_proof(token, proofs.UPGRADE_REQUEST)
    if not upgrades.may_ask(proof.user):
        raise proofs.ProofRefused("Only a company admin can request more licenses.")
    return proof


def request_from_refusal(*, token: str, **ask) -> upgrades.Asked:
    """Ask for more licenses as the refused admin; the token is spent with the request, so a
    failed ask leaves it usable and a sent one cannot be repeated."""
    proof = refused_admin_proof(token)
    with transaction.atomic():
        proofs.spend_proof(proof)
        return upgrades.request_more_licenses(requester=proof.user, **ask)


def status_message(asked: upgrades.Asked) -> str:
    """What the requester is told after asking."""
    upgrade_request: UpgradeRequest = asked.request
    contact = contact_for(upgrade_request.company)
    wanted = f"{upgrade_request.quantity} × {upgrade_request.package.name}"
    if asked.merged:
        return (
            f"Your company already had an open request, so we added yours to it: it now asks for "
            f"{wanted}, with your note. {contact.name} has been told."
        )
    return f"Request sent: {wanted}. {contact.name} ({contact.email}) will get back to you."
