"""Users and Roles opens with the company's seats in use, the same figure the home page shows."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from sessions_seats.models import Seat

from ..conftest import sign_in
from ..factories import EntitlementFactory, PackageFactory, seated

pytestmark = pytest.mark.django_db

SEATS = re.compile(r"<strong>(\d+) of (\d+) seats in use</strong>")


def seats_said(client: Client, name: str) -> tuple[int, int]:
    found = SEATS.findall(client.get(reverse(name)).content.decode())
    assert len(found) == 1, found
    in_use, capacity = found[0]
    return int(in_use), int(capacity)


def test_users_and_roles_says_how_many_seats_are_in_use(admin_client, members):
    seated(members[0])

    assert seats_said(admin_client, "portal:users") == (2, 3)


def test_users_and_roles_and_home_say_the_same_at_every_moment(admin_client, company, members):
    # The admin holds one seat; then more people sign in, one signs out, the license grows.
    said = [(seats_said(admin_client, "portal:users"), seats_said(admin_client, "home"))]
    clients = []
    for member in members[:2]:
        clients.append(Client())
        sign_in(clients[-1], member)
        said.append((seats_said(admin_client, "portal:users"), seats_said(admin_client, "home")))
    clients[0].post(reverse("logout"))
    said.append((seats_said(admin_client, "portal:users"), seats_said(admin_client, "home")))
    EntitlementFactory(company=company, package=PackageFactory(seats=5))
    said.append((seats_said(admin_client, "portal:users"), seats_said(admin_client, "home")))

    assert [users for users, home in said] == [home for users, home in said]
    assert [users for users, _ in said] == [(1, 3), (2, 3), (3, 3), (2, 3), (2, 8)]
    assert Seat.objects.open().filter(company=company).count() == 2


def test_a_full_company_is_told_the_next_sign_in_is_refused(admin_client, members):
    seated(members[0])
    seated(members[1])

    page = admin_client.get(reverse("portal:users")).content.decode()

    assert "3 of 3 seats in use" in page
    assert "Every seat is taken: the next person to sign in is refused" in page


def test_without_a_valid_license_it_says_nobody_can_sign_in(admin_client, company):
    company.entitlements.update(ends_on="2000-01-01", starts_on="1999-01-01")

    page = admin_client.get(reverse("portal:users")).content.decode()

    assert "1 of 0 seats in use" in page
    assert "No license is valid today: nobody can sign in." in page


def test_the_summary_links_to_who_is_signed_in(admin_client):
    page = admin_client.get(reverse("portal:users")).content.decode()

    assert f'href="{reverse("portal:users")}?show=signed_in">See who is signed in' in page
