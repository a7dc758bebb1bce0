"""The weekly refusals digest: which companies turned people away last week, and what to do.

Beat sends it once a week (`support.tasks.send_weekly_digest`). Each account manager gets one
email listing their companies that had "seats full" refusals in the seven whole days before
today, each with the recommendation of the usage report; companies without an account manager go
to support. Company admins who opted in (`DigestSubscription`) get the same for their company,
only in a week it had refusals: an email saying "nothing happened" teaches people to ignore it.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Company, User
from sessions_seats import usage
from sessions_seats.models import LoginDenial
from sessions_seats.selectors import contact_for

from .models import DigestSubscription
from .upgrades import base_url

logger = logging.getLogger(__name__)

DIGEST_DAYS = 7


@dataclass(frozen=True)
class CompanyDigest:
    company: Company
    refused: int
    refused_days: int
    refused_people: int
    peak: int
    capacity: int
    recommendation: str

    def lines(self, link: str) -> list[str]:
        return [
            f"{self.company.name}: {self.refused} sign-in{'s' if self.refused != 1 else ''} "
            f"refused on {self.refused_days} day{'s' if self.refused_days != 1 else ''} "
            f"({self.refused_people} {'person' if self.refused_people == 1 else 'people'}); "
            f"at most {self.peak} of {self.capacity} seats in use at once.",
            f"  {self.recommendation}",
            f"  Usage report: {link}",
        ]


def digest_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The seven whole days before `today` (site time zone): a run on Monday covers Mon–Sun."""
    today = today or timezone.localdate(timezone=timezone.get_default_timezone())
    return today - datetime.timedelta(days=DIGEST_DAYS), today - datetime.timedelta(days=1)


def companies_with_refusals(start: datetime.date, end: datetime.date) -> QuerySet[Company]:
    """Active companies with at least one "seats full" refusal in [start, end] (whole days)."""
    lo, hi = usage.period_bounds(start, end)
    refused = LoginDenial.objects.filter(
        company=OuterRef("pk"), reason=LoginDenial.Reason.SEATS_FULL, at__gte=lo, at__lt=hi
    )
    return (
        Company.objects.filter(is_active=True)
        .filter(Exists(refused))
        .select_related("account_manager")
        .order_by("name")
    )


def company_digest(company: Company, start: datetime.date, end: datetime.date) -> CompanyDigest:
    report = usage.usage_report(company, start=start, end=end)
    simulation = usage.simulate(company, start=start, end=end)
    return CompanyDigest(
        company=company,
        refused=report.refused,
        refused_days=report.refused_days,
        refused_people=report.refused_people,
        peak=report.peak,
        capacity=report.capacity,
        recommendation=usage.recommendation(report, simulation),
    )


def _period_text(start: datetime.date, end: datetime.date) -> str:
    return f"{date_format(start, 'DATE_FORMAT')} to {date_format(end, 'DATE_FORMAT')}"


def staff_email(
    digests: list[CompanyDigest], start: datetime.date, end: datetime.date
) -> tuple[str, str]:
    """Subject and body of one account manager's digest."""
    count = len(digests)
    subject = f"Refused sign-ins last week: {count} {'company' if count == 1 else 'companies'}"
    body = [
        f"From {_period_text(start, end)}, these companies turned people away because every "
        "seat was taken:",
        "",
    ]
    for digest in digests:
        query = f"?start={start.isoformat()}&end={end.isoformat()}"
        link = base_url() + reverse("admin:accounts_company_usage", args=[digest.company.pk])
        body += [*digest.lines(link + query), ""]
    body.append("Customers can ask for more licenses from the portal; their requests wait in the")
    body.append(f"staff console: {base_url()}{reverse('admin:support_upgraderequest_changelist')}")
    return subject, "\n".join(body) + "\n"


def admin_email(digest: CompanyDigest, start: datetime.date, end: datetime.date) -> tuple[str, str]:
    """Subject and body of a company admin's digest of their company."""
    query = f"?start={start.isoformat()}&end={end.isoformat()}"
    link = base_url() + reverse("portal:usage") + query
    subject = f"{digest.company.name}: sign-ins refused last week"
    body = [
        f"From {_period_text(start, end)}, people of {digest.company.name} could not sign in "
        "because every license was in use.",
        "",
        *digest.lines(link),
        "",
        f"Request more licenses: {base_url()}{reverse('portal:upgrade_request')}",
        f"Stop these emails on the usage report page: {base_url()}{reverse('portal:usage')}",
    ]
    return subject, "\n".join(body) + "\n"


def _send(subject: str, body: str, to: list[str]) -> int:
    try:
        return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)
    except Exception:
        # One bad address or a mail server hiccup must not stop the other digests.
        logger.exception("Could not send the weekly digest to %s", ", ".join(to))
        return 0


def send_weekly_digests(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send the week's digests; returns how many companies and emails there were."""
    start, end = digest_period(today)
    digests = [
        company_digest(company, start, end) for company in companies_with_refusals(start, end)
    ]
    by_contact: dict[str, list[CompanyDigest]] = defaultdict(list)
    for digest in digests:
        by_contact[contact_for(digest.company).email].append(digest)
    staff_sent = 0
    for email, theirs in sorted(by_contact.items()):
        staff_sent += _send(*staff_email(theirs, start, end), [email])

    by_company = {digest.company.pk: digest for digest in digests}
    admin_sent = 0
    subscribers = DigestSubscription.objects.filter(
        user__is_active=True, user__role=User.Role.ADMIN, user__company_id__in=list(by_company)
    ).select_related("user")
    for subscription in subscribers:
        digest = by_company[subscription.user.company_id]
        admin_sent += _send(*admin_email(digest, start, end), [subscription.user.email])
    return {"companies": len(digests), "staff_emails": staff_sent, "admin_emails": admin_sent}


# --- Opting in (company admins, from the portal) -----------------------------------------------


def is_subscribed(user: User) -> bool:
    return DigestSubscription.objects.filter(user=user).exists()


def set_subscription(user: User, *, subscribed: bool) -> bool:
    """Opt a company admin in or out of their company's weekly digest; returns the new state."""
    if subscribed and not (user.is_active and user.is_company_admin):
        raise PermissionDenied("Only company admins can get the weekly digest.")
    with transaction.atomic():
        if subscribed:
            DigestSubscription.objects.get_or_create(user=user)
        else:
            DigestSubscription.objects.filter(user=user).delete()
    return subscribed
