"""The weekly refusals digest: which companies turned people away last week, and what to do.

Beat sends it once a week (`usage.tasks.send_weekly_digest`). Each account manager gets one
email listing their companies that had "seats full" refusals in the seven whole days before
today, each with the recommendation of the usage report; companies without an account manager go
to support. Company admins who opted in (`DigestSubscription`) get the same for their company,
only in a week it had refusals: an email saying "nothing happened" teaches people to ignore it.

Days are each company's own, in its time zone, and the email names it. "Today" is the company's
too: when beat runs on Monday morning in the site's zone it may still be Sunday in Honolulu, so
that company's seven days run Sunday to Saturday, whole days every week, none reported twice or
never.
"""

from __future__ import annotations

import datetime
import functools
import logging
import operator
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.formats import date_format

from accounts.models import Company, User
from accounts.time_zones import zone_name_of, zone_named
from common.links import page_url
from common.text import plural
from sessions_seats.models import LoginDenial
from sessions_seats.selectors import contact_for

from .models import DigestSubscription
from .periods import period_bounds, today_in
from .recommendation import recommendation
from .report import usage_report
from .simulator import simulate

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
    start: datetime.date
    end: datetime.date
    time_zone: str  # the company's, which its days are in

    def lines(self, link: str | None) -> list[str]:
        lines = [
            f"{self.company.name}: {plural(self.refused, 'sign-in')} "
            f"refused on {plural(self.refused_days, 'day')} "
            f"({plural(self.refused_people, 'person', 'people')}); "
            f"at most {self.peak} of {self.capacity} seats in use at once.",
            f"  From {_period_text(self.start, self.end)}, days in {self.time_zone}.",
            f"  {self.recommendation}",
        ]
        if link:
            lines.append(f"  Usage report: {link}")
        return lines


def digest_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The seven whole days before `today` (default: the current zone's): a run on Monday covers
    Mon–Sun."""
    today = today or today_in()
    return today - datetime.timedelta(days=DIGEST_DAYS), today - datetime.timedelta(days=1)


Periods = Mapping[str, tuple[datetime.date, datetime.date]]


def digest_periods(
    today: datetime.date | None = None,
) -> dict[str, tuple[datetime.date, datetime.date]]:
    """The digest's days for each time zone active companies have (as stored: blank is the
    site's), from today in that zone, or from `today` for every zone."""
    stored = (
        Company.objects.filter(is_active=True)
        .order_by("time_zone")
        .values_list("time_zone", flat=True)
        .distinct()
    )
    return {name: digest_period(today or today_in(zone_named(name))) for name in stored}


def companies_with_refusals(periods: Periods) -> QuerySet[Company]:
    """Active companies with at least one "seats full" refusal in the period of their time zone
    (`digest_periods`), whole days of that zone.

    Any refusal will do: a person's first refusal of the period always counts
    (`usage.refusals`), so these are the companies with counted refusals."""
    in_their_week = []
    for name, (start, end) in periods.items():
        lo, hi = period_bounds(start, end, zone_named(name))
        refused = LoginDenial.objects.filter(
            company=OuterRef("pk"), reason=LoginDenial.Reason.SEATS_FULL, at__gte=lo, at__lt=hi
        )
        in_their_week.append(Q(Exists(refused), time_zone=name))
    if not in_their_week:
        return Company.objects.none()
    return (
        Company.objects.filter(is_active=True)
        .filter(functools.reduce(operator.or_, in_their_week))
        .select_related("account_manager")
        .order_by("name")
    )


def company_digest(company: Company, start: datetime.date, end: datetime.date) -> CompanyDigest:
    # The report's counts: one person's repeated clicks within a minute count once, as on the
    # usage page the email links to (`usage.refusals`).
    report = usage_report(company, start=start, end=end)
    simulation = simulate(company, start=start, end=end)
    return CompanyDigest(
        company=company,
        refused=report.refused,
        refused_days=report.refused_days,
        refused_people=report.refused_people,
        peak=report.peak,
        capacity=report.capacity,
        recommendation=recommendation(report, simulation),
        start=start,
        end=end,
        time_zone=zone_name_of(company),
    )


def _period_query(start: datetime.date, end: datetime.date) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat()}


def _period_text(start: datetime.date, end: datetime.date) -> str:
    return f"{date_format(start, 'DATE_FORMAT')} to {date_format(end, 'DATE_FORMAT')}"


def staff_email(digests: list[CompanyDigest]) -> tuple[str, str]:
    """Subject and body of one account manager's digest."""
    subject = f"Refused sign-ins last week: {plural(len(digests), 'company', 'companies')}"
    body = [
        "Last week, these companies turned people away because every seat was taken:",
        "",
    ]
    for digest in digests:
        period = _period_query(digest.start, digest.end)
        link = page_url("staff:company_usage", digest.company.pk, query=period)
        body += [*digest.lines(link), ""]
    requests = page_url("staff:license_requests")
    if requests:
        body.append(
            "Customers can ask for more licenses from the portal; their requests wait in the"
        )
        body.append(f"staff console: {requests}")
    return subject, "\n".join(body) + "\n"


def admin_email(digest: CompanyDigest) -> tuple[str, str]:
    """Subject and body of a company admin's digest of their company."""
    subject = f"{digest.company.name}: sign-ins refused last week"
    body = [
        f"Last week, people of {digest.company.name} could not sign in because every license "
        "was in use.",
        "",
        *digest.lines(page_url("portal:usage", query=_period_query(digest.start, digest.end))),
        "",
    ]
    ask = page_url("portal:license_request")
    if ask:
        body.append(f"Request more licenses: {ask}")
    report = page_url("portal:usage")
    if report:
        body.append(f"Stop these emails on the usage report page: {report}")
    return subject, "\n".join(body) + "\n"


def _send(subject: str, body: str, to: list[str]) -> int:
    try:
        return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)
    except Exception:
        # One bad address or a mail server hiccup must not stop the other digests.
        logger.exception("Could not send the weekly digest to %s", ", ".join(to))
        return 0


def send_weekly_digests(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send the week's digests; returns how many companies and emails there were. `today`, if
    given, is today in every company's zone."""
    periods = digest_periods(today)
    digests = [
        company_digest(company, *periods[company.time_zone])
        for company in companies_with_refusals(periods)
    ]
    by_contact: dict[str, list[CompanyDigest]] = defaultdict(list)
    for digest in digests:
        by_contact[contact_for(digest.company).email].append(digest)
    staff_sent = 0
    for email, theirs in sorted(by_contact.items()):
        staff_sent += _send(*staff_email(theirs), [email])

    by_company = {digest.company.pk: digest for digest in digests}
    admin_sent = 0
    admins = User.objects.active_company_admins().filter(company_id__in=list(by_company))
    subscribers = DigestSubscription.objects.filter(user__in=admins).select_related("user")
    for subscription in subscribers:
        digest = by_company[subscription.user.own_company_id]
        admin_sent += _send(*admin_email(digest), [subscription.user.email])
    return {"companies": len(digests), "staff_emails": staff_sent, "admin_emails": admin_sent}


# --- Opting in (company admins, from the portal) -----------------------------------------------


def is_subscribed(user: User) -> bool:
    return DigestSubscription.objects.filter(user=user).exists()


def set_subscription(user: User, *, subscribed: bool) -> bool:
    """Opt a company admin in or out of their company's weekly digest; returns the new state."""
    if subscribed and not user.is_active_company_admin:
        raise PermissionDenied("Only company admins can get the weekly digest.")
    with transaction.atomic():
        if subscribed:
            DigestSubscription.objects.get_or_create(user=user)
        else:
            DigestSubscription.objects.filter(user=user).delete()
    return subscribed
