"""After being signed out (idle, forced, a seat freed by an admin), a person is told whether they
can sign in again right now: never "you can sign in again" while every seat is taken."""

import pytest
from django.test import Client
from django.urls import reverse

from sessions_seats import services
from sessions_seats.forced_logout import force_logout
from sessions_seats.models import Entitlement, Seat, SeatSession

from ..conftest import sign_in
from ..factories import EntitlementFactory, PackageFactory, seated

pytestmark = pytest.mark.django_db

FULL = (
    "All 3 seats of Acme Foods are in use right now, so you cannot sign in until a colleague "
    "logs out or an idle session is freed. Try signing in below: if no seat is free, the page "
    "says whom to ask and what you can do."
)
FREE = "A seat is free right now: you can sign in again."


def end_idle(member) -> None:
    seat_session = SeatSession.objects.get(seat__user=member, ended_at__isnull=True)
    services.end_sessions([seat_session.pk], "idle")


def told(client: Client) -> str:
    return client.get(reverse("home"), follow=True).content.decode()


def test_idle_sign_out_when_someone_took_the_seat_says_every_seat_is_in_use(client, members):
    sign_in(client, members[0])
    seated(members[1])
    seated(members[2])
    end_idle(members[0])
    seated(members[3])  # took the freed seat

    page = told(client)

    assert "You were signed out after 30 minutes of inactivity to free a license." in page
    assert FULL in page
    assert FREE not in page


def test_idle_sign_out_with_a_seat_free_says_so(client, members):
    sign_in(client, members[0])
    end_idle(members[0])

    page = told(client)

    assert f"to free a license. {FREE}" in page
    assert "in use right now" not in page


def test_a_seat_freed_by_an_admin_for_themselves_says_every_seat_is_in_use(
    client, company_admin, members
):
    sign_in(client, members[0])
    seated(members[1])
    seated(members[2])
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)
    force_logout(actor=company_admin, seats=[seat], reason="Month-end close")
    seated(company_admin)  # the admin signed in on the freed seat

    page = told(client)

    assert "Alex Admin, your company admin, signed you out on" in page
    assert "Any unsaved work may have been lost." in page
    assert FULL in page
    assert "you can sign in again" not in page


def test_a_company_of_one_seat_is_told_about_the_one_seat(client, company, members):
    Entitlement.objects.filter(company=company).delete()
    EntitlementFactory(company=company, package=PackageFactory(seats=1))
    sign_in(client, members[0])
    end_idle(members[0])
    seated(members[1])

    assert "The one seat of Acme Foods is in use right now" in told(client)


def test_without_a_license_now_it_says_nobody_can_sign_in(client, company, members):
    sign_in(client, members[0])
    end_idle(members[0])
    Entitlement.objects.filter(company=company).delete()

    page = told(client)

    assert "Acme Foods has no license valid today, so nobody of the company can sign in" in page
    assert FREE not in page


def test_one_device_idled_out_while_another_holds_the_seat_says_signing_in_here_joins_it(
    members,
):
    laptop, phone = Client(), Client()
    sign_in(laptop, members[0])
    sign_in(phone, members[0])
    seated(members[1])
    seated(members[2])  # every seat taken, one of them by this person's phone
    idle = SeatSession.objects.get(seat__user=members[0], session_key=laptop.session.session_key)
    services.end_sessions([idle.pk], "idle")

    page = told(laptop)

    assert (
        "You were signed out after 30 minutes of inactivity in this browser. Your license stays "
        "in use by your other signed-in device, so you can sign in again here."
    ) in page
    assert "to free a license" not in page
    assert FULL not in page
    assert sign_in(laptop, members[0]).status_code == 302  # joins the seat the phone holds
