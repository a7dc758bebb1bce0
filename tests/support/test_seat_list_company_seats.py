"""The seat list names each row's company with "N of M seats": the seats in use the company's
row counts and its capacity today, at a query count that does not grow with the rows."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Company
from sessions_seats import services

from ..factories import EntitlementFactory, PackageFactory, SeatSessionFactory, UserFactory, seated

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sessions_seats_seat_changelist")


@pytest.fixture
def support_client(client, support_agent) -> Client:
    client.force_login(support_agent)
    return client


def test_each_row_says_how_many_of_its_companys_seats_are_in_use(
    support_client, members, other_company
):
    seated(members[0])
    seated(members[1])
    services.end_seats([seated(members[2]).pk], "logout")
    seated(UserFactory(company=other_company))
    # Globex buys more: 3 + 2 × 5 seats.
    EntitlementFactory(company=other_company, package=PackageFactory(seats=5), quantity=2)

    page = support_client.get(CHANGELIST).content.decode()

    assert Company.objects.get(name="Acme Foods").seats_in_use == 2
    assert page.count("2 of 3 seats") == 2
    assert page.count("1 of 13 seats") == 1


def test_a_company_without_a_valid_license_shows_no_capacity(support_client, members, company):
    seated(members[0])
    company.entitlements.update(
        starts_on=datetime.date(1999, 1, 1), ends_on=datetime.date(2000, 1, 1)
    )

    page = support_client.get(CHANGELIST).content.decode()

    assert "1 of 0 seats" in page


def make_seats(count: int) -> None:
    company = EntitlementFactory(quantity=count).company
    for n in range(count):
        seat = seated(UserFactory(company=company), idle=datetime.timedelta(minutes=n))
        SeatSessionFactory(seat=seat, ip=f"10.0.{n // 250}.{n % 250}", user_agent=f"Browser {n}")


@pytest.mark.parametrize("client_of", ["support_agent", "superuser"])
def test_the_page_costs_the_same_queries_with_20_and_200_seats(
    client, request, client_of, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(client_of))
    make_seats(20)
    with django_assert_max_num_queries(50) as small:
        assert client.get(CHANGELIST).status_code == 200
    make_seats(180)

    with django_assert_num_queries(len(small)):
        response = client.get(CHANGELIST)

    assert response.context["cl"].result_count == 200
    assert response.content.decode().count("Force logout…") == 50
