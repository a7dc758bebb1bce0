import datetime

import pytest
from django.utils import timezone

from sessions_seats.selectors import capacity_of

from ..factories import CompanyFactory, EntitlementFactory, PackageFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def test_capacity_sums_package_seats_times_quantity_of_valid_entitlements():
    company = CompanyFactory()
    EntitlementFactory(company=company, package=PackageFactory(seats=3), quantity=2)
    EntitlementFactory(company=company, package=PackageFactory(seats=10), quantity=1)
    EntitlementFactory(company=company, package=PackageFactory(seats=1), quantity=1)

    assert capacity_of(company) == 3 * 2 + 10 + 1


def test_entitlements_outside_their_dates_do_not_count():
    company = CompanyFactory()
    EntitlementFactory(company=company, package=PackageFactory(seats=25), starts_on=TODAY + DAY)
    EntitlementFactory(company=company, starts_on=TODAY - 10 * DAY, ends_on=TODAY - DAY)
    EntitlementFactory(company=company, package=PackageFactory(seats=10), ends_on=TODAY)

    # The one ending today is still valid today (end dates are inclusive); the others are not.
    assert capacity_of(company) == 10
    assert capacity_of(company, on=TODAY + DAY) == 25


def test_company_without_entitlements_has_no_capacity():
    assert capacity_of(CompanyFactory()) == 0


def test_other_companies_entitlements_do_not_count():
    company, other = CompanyFactory(), CompanyFactory()
    EntitlementFactory(company=other, package=PackageFactory(seats=25))

    assert capacity_of(company) == 0
