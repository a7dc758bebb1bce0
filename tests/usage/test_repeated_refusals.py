"""Someone refused who clicks "Sign in" again and again counts once a minute: in the usage
report, the simulator's attempts and the weekly digest. The seat ledger still lists every
refusal."""

from __future__ import annotations

import datetime

import pytest

from usage import digest
from usage.ledger import LedgerKind, ledger
from usage.periods import period_bounds
from usage.refusals import REPEAT_WINDOW, counted_refusals
from usage.report import usage_report
from usage.simulator import simulate

from ..factories import (
    CompanyFactory,
    EntitlementFactory,
    LoginDenialFactory,
    PackageFactory,
    UserFactory,
    past_seat,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 6, 3)
NOW = datetime.datetime(2025, 6, 20, tzinfo=datetime.UTC)


def at(hh: int, mm: int = 0, ss: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(DAY, datetime.time(hh, mm, ss), tzinfo=datetime.UTC)


@pytest.fixture
def clicks(settings):
    """One seat, held 9:00–12:00. Dee clicks "Sign in" five times from 10:00:00 to 10:01:30;
    Eve is refused once at 10:00:10 (another person) and once more at 11:00."""
    settings.TIME_ZONE = "UTC"
    company = CompanyFactory(name="Acme Foods")
    EntitlementFactory(
        company=company, package=PackageFactory(seats=1), starts_on=datetime.date(2025, 1, 1)
    )
    past_seat(UserFactory(company=company), claimed_at=at(9), hours=3)
    dee, eve = UserFactory(company=company), UserFactory(company=company)
    # Counted: 10:00:00 and 10:01:01 (61 s after the last counted one). Not counted: 10:00:30
    # and 10:01:00 (within a minute of 10:00:00), 10:01:30 (within a minute of 10:01:01).
    for moment in (at(10), at(10, 0, 30), at(10, 1), at(10, 1, 1), at(10, 1, 30)):
        LoginDenialFactory(user=dee, at=moment, capacity=1, seats_in_use=1)
    for moment in (at(10, 0, 10), at(11)):
        LoginDenialFactory(user=eve, at=moment, capacity=1, seats_in_use=1)
    return company


def test_a_refusal_within_a_minute_of_the_same_persons_counted_one_is_not_counted(clicks):
    counted = list(counted_refusals(clicks, *period_bounds(DAY, DAY)))

    assert datetime.timedelta(seconds=60) == REPEAT_WINDOW
    assert [(r.at.time().isoformat(), r.capacity) for r in counted] == [
        ("10:00:00", 1),
        ("10:00:10", 1),
        ("10:01:01", 1),
        ("11:00:00", 1),
    ]


def test_the_report_counts_repeated_clicks_once(clicks):
    report = usage_report(clicks, start=DAY, end=DAY, now=NOW)

    assert (report.refused, report.refused_days, report.refused_people) == (4, 1, 2)
    assert [day.refused for day in report.days] == [4]


def test_the_simulator_replays_only_the_counted_refusals(clicks):
    simulation = simulate(clicks, start=DAY, end=DAY, now=NOW)

    assert simulation.attempts == 1 + 4  # the seat's claim and the counted refusals
    assert simulation.as_it_was.refused == 4
    # Dee's clicks do not make more seats look needed: one seat held, Dee and Eve at 10:00.
    assert simulation.needed[simulation.actual_timeout] == 3


def test_the_digest_counts_repeated_clicks_once(clicks):
    company_digest = digest.company_digest(clicks, DAY, DAY)

    assert (company_digest.refused, company_digest.refused_people) == (4, 2)
    assert "4 sign-ins refused on 1 day (2 people)" in company_digest.lines(None)[0]
    assert company_digest.recommendation.startswith("With 1 seat, 4 sign-ins were refused")


def test_the_ledger_still_lists_every_refusal(clicks):
    refusals = list(ledger(clicks, start=DAY, end=DAY, kinds=[LedgerKind.REFUSED]))

    assert len(refusals) == 7
