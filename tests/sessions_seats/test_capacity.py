import datetime
import zoneinfo

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


def test_capacity_is_counted_on_the_sites_day_whatever_time_zone_a_page_has_active():
    """A company user's pages run in their company's zone; licenses start and end on the site's
    days, the ones sign-ins are checked on."""
    site_day = timezone.localdate(timezone=timezone.get_default_timezone())
    # At any hour, one of the zones furthest east and west of UTC is on another day.
    for name in ("Pacific/Kiritimati", "Etc/GMT+12"):
        zone = zoneinfo.ZoneInfo(name)
        zone_day = timezone.localdate(timezone=zone)
        if zone_day != site_day:
            break
    company = CompanyFactory()
    if zone_day > site_day:  # valid from the zone's day on: not yet on the site's
        EntitlementFactory(company=company, starts_on=zone_day)
    else:  # valid until the zone's day: over on the site's
        EntitlementFactory(company=company, starts_on=zone_day - DAY, ends_on=zone_day)

    with timezone.override(zone):
        assert capacity_of(company) == 0
