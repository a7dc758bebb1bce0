"""Portal pages show times in the company's time zone and name it once; the refusal page does too
for a person who is not signed in yet; the sign-in page's "signed you out on …" names it; and the
zone costs no query on requests that show no time."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts import services as account_services
from license_requests.models import LicenseRequest
from sessions_seats.forced_logout import force_logout
from sessions_seats.models import Seat, SeatSession
from sessions_seats.selectors import capacity_of

from ..conftest import sign_in, signed_in_client
from ..factories import EntitlementFactory, LicenseRequestFactory, PackageFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
WITHOUT_ZONE_MIDDLEWARE = [
    m for m in django_settings.MIDDLEWARE if not m.endswith("CompanyTimeZoneMiddleware")
]


def shown(moment: datetime.datetime, zone: ZoneInfo = TOKYO) -> str:
    """A time as the portal's pages write it, in `zone`."""
    return date_format(timezone.localtime(moment, zone), "DATETIME_FORMAT")


@pytest.fixture(autouse=True)
def tokyo(company, settings):
    """Acme is in Tokyo; the site is in UTC."""
    settings.TIME_ZONE = "UTC"
    company.time_zone = "Asia/Tokyo"
    company.save()
    return company


@pytest.fixture
def los_angeles(other_company):
    other_company.time_zone = "America/Los_Angeles"
    other_company.save()
    return other_company


def started_at(user) -> datetime.datetime:
    return SeatSession.objects.filter(seat__user=user).latest("started_at").started_at


def test_home_and_my_sessions_show_the_devices_times_in_the_companys_zone(members):
    client = signed_in_client(members[0])
    since = started_at(members[0])

    for name in ("home", "portal:my_sessions"):
        page = client.get(reverse(name)).content.decode()
        assert shown(since) in page, name
        assert shown(since, ZoneInfo("UTC")) not in page, name
        assert page.count("Times in Asia/Tokyo.") == 1, name


def test_users_and_roles_pages_show_seat_times_in_the_companys_zone(company_admin, members):
    holder = members[0]
    signed_in_client(holder)
    seat = Seat.objects.get(user=holder)
    client = signed_in_client(company_admin)

    users = client.get(reverse("portal:users")).content.decode()
    detail = client.get(reverse("portal:user", args=[holder.pk])).content.decode()
    sign_out = client.get(reverse("portal:user_sign_out", args=[holder.pk])).content.decode()

    assert "times in Asia/Tokyo" in users and shown(seat.claimed_at) in users
    for page in (detail, sign_out):
        assert "Times in Asia/Tokyo." in page and shown(seat.claimed_at) in page


def test_license_requests_show_their_dates_in_the_companys_zone(company, company_admin):
    request = LicenseRequestFactory(company=company, requested_by=company_admin)
    # 20:00 UTC on the 1st is already the 2nd in Tokyo.
    LicenseRequest.objects.filter(pk=request.pk).update(
        created_at=datetime.datetime(2025, 6, 1, 20, tzinfo=datetime.UTC)
    )

    page = signed_in_client(company_admin).get(reverse("portal:license_requests")).content.decode()

    assert "June 2, 2025" in page and "June 1, 2025" not in page
    assert "Dates in Asia/Tokyo." in page


def test_a_member_of_another_company_never_sees_this_companys_zone(members, los_angeles):
    ours, theirs = signed_in_client(members[0]), signed_in_client(UserFactory(company=los_angeles))

    for name in ("home", "portal:my_sessions"):
        page = theirs.get(reverse(name)).content.decode()
        assert "America/Los_Angeles" in page and "Asia/Tokyo" not in page, name
        page = ours.get(reverse(name)).content.decode()
        assert "Asia/Tokyo" in page and "America/Los_Angeles" not in page, name


# --- Before signing in: the refusal page and freeing a seat --------------------------------------


def test_the_refusal_page_and_the_free_seat_confirmation_show_the_holders_times_in_the_zone(
    company_admin, members
):
    for member in members[:3]:
        signed_in_client(member)
    seats = {seat.pk: seat for seat in Seat.objects.filter(user__in=members[:3])}
    refused = Client()

    page = sign_in(refused, company_admin).content.decode()

    assert "times in Asia/Tokyo" in page
    for seat in seats.values():
        assert shown(seat.claimed_at) in page
    token = re.search(
        r'action="{}".*?name="token" value="([^"]+)"'.format(reverse("portal:free_seat_pick")),
        page,
        re.S,
    ).group(1)
    first = next(iter(seats.values()))
    confirm = refused.post(reverse("portal:free_seat_pick"), {"token": token, "seat": first.pk})
    confirmation = confirm.content.decode()
    assert confirm.status_code == 200
    assert shown(first.claimed_at) in confirmation and "Times in Asia/Tokyo." in confirmation


def test_being_signed_out_by_support_says_when_in_the_companys_zone(members, support_agent):
    client = signed_in_client(members[0])
    force_logout(actor=support_agent, seats=[Seat.objects.get(user=members[0])], reason="x")
    ended = SeatSession.objects.get(seat__user=members[0]).ended_at

    page = client.get(reverse("home"), follow=True).content.decode()

    assert f"Support signed you out on {shown(ended)} (Asia/Tokyo)." in page


def test_a_deactivated_person_is_told_when_in_the_companys_zone(company_admin, members):
    account_services.deactivate(actor=company_admin, user=members[0])
    members[0].refresh_from_db()

    page = sign_in(Client(), members[0]).content.decode()

    assert f"your company admin, on {shown(members[0].deactivated_at)} (Asia/Tokyo)." in page


# --- What it costs ------------------------------------------------------------------------------


def count_queries(client, path, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(100) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", [reverse("home"), reverse("session-status")])
def test_the_zone_costs_no_query(members, settings, django_assert_max_num_queries, path):
    """Pages load the company anyway (they name it); polling shows no time and never loads it."""
    client = signed_in_client(members[0])
    with_zone = count_queries(client, path, django_assert_max_num_queries)
    settings.MIDDLEWARE = WITHOUT_ZONE_MIDDLEWARE
    without_zone = count_queries(client, path, django_assert_max_num_queries)

    assert with_zone == without_zone


def test_the_seats_shown_are_those_sign_ins_get_whatever_day_it_is_in_the_company(
    company, members, company_admin, settings
):
    # 26 hours apart: the company's today is always a later day than the site's.
    settings.TIME_ZONE = "Etc/GMT+12"
    company.time_zone = "Etc/GMT-14"
    company.save()
    company_today = timezone.localdate(timezone=ZoneInfo("Etc/GMT-14"))
    EntitlementFactory(company=company, package=PackageFactory(seats=10), starts_on=company_today)

    home = signed_in_client(members[0]).get(reverse("home")).content.decode()
    users = signed_in_client(company_admin).get(reverse("portal:users")).content.decode()

    # The engine signs people in on the site's day, when only the first license is valid.
    assert capacity_of(company) == 3
    assert "1 of 3 seats in use" in home
    assert "2 of 3 seats in use" in users
