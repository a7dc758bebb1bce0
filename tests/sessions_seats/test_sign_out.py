import pytest
from django.test import Client
from django.urls import reverse

from sessions_seats.models import Seat, SeatSession

from ..conftest import sign_in

pytestmark = pytest.mark.django_db


def test_logout_ends_the_session_and_releases_the_seat(client, members):
    sign_in(client, members[0])
    key = client.session.session_key

    response = client.post(reverse("logout"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have signed out" in response.content.decode()
    seat_session = SeatSession.objects.get(session_key=key)
    assert seat_session.end_reason == "logout"
    assert seat_session.ended_at is not None
    seat = seat_session.seat
    assert (seat.release_reason, seat.released_at) == ("logout", seat_session.ended_at)
    assert client.get(reverse("home")).status_code == 302


def test_logout_on_one_device_keeps_the_seat_for_the_other(members):
    laptop, phone = Client(), Client()
    sign_in(laptop, members[0])
    sign_in(phone, members[0])

    laptop.post(reverse("logout"))

    seat = Seat.objects.get(user=members[0])
    assert seat.released_at is None
    assert seat.sessions.filter(ended_at__isnull=True).count() == 1
    assert phone.get(reverse("home")).status_code == 200

    phone.post(reverse("logout"))
    seat.refresh_from_db()
    assert seat.release_reason == "logout"


def test_logout_frees_the_seat_for_a_refused_colleague(members):
    clients = [Client() for _ in range(3)]
    for browser, member in zip(clients, members, strict=False):
        sign_in(browser, member)
    assert sign_in(Client(), members[3]).status_code == 403

    clients[0].post(reverse("logout"))

    assert sign_in(Client(), members[3]).status_code == 302


def test_logout_needs_post(client, members):
    sign_in(client, members[0])

    assert client.get(reverse("logout")).status_code == 405
    assert SeatSession.objects.get().ended_at is None


def test_logout_needs_the_csrf_token(members):
    browser = Client(enforce_csrf_checks=True)
    sign_in_page = browser.get(reverse("login"))
    token = sign_in_page.context["csrf_token"]
    browser.post(
        reverse("login"),
        {
            "username": members[0].email,
            "password": "correct horse battery staple",
            "csrfmiddlewaretoken": str(token),
        },
    )
    assert SeatSession.objects.filter(ended_at__isnull=True).count() == 1

    assert browser.post(reverse("logout")).status_code == 403
    assert SeatSession.objects.filter(ended_at__isnull=True).count() == 1
