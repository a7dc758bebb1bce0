import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

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


CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)


def test_logging_out_while_another_device_holds_the_license_says_so_and_names_it(members):
    laptop, desktop = Client(), Client(HTTP_USER_AGENT=CHROME_ON_WINDOWS)
    sign_in(laptop, members[0])
    sign_in(desktop, members[0])
    SeatSession.objects.filter(user_agent=CHROME_ON_WINDOWS).update(
        last_activity=timezone.now() - datetime.timedelta(minutes=3, seconds=10)
    )

    page = laptop.post(reverse("logout"), follow=True).content.decode()

    assert "freed your license" not in page
    assert (
        "You have signed out in this browser. Your license stays in use by your 1 other device: "
        "Chrome on Windows, active 3 minutes ago."
    ) in page
    assert f'<a href="{reverse("portal:my_sessions")}">My sessions</a>' in page
    assert Seat.objects.get(user=members[0]).released_at is None


def test_the_message_counts_every_other_device(members):
    browsers = [Client(HTTP_USER_AGENT=agent) for agent in ("pytest", CHROME_ON_WINDOWS, "")]
    for browser in browsers:
        sign_in(browser, members[0])
    now = timezone.now()
    SeatSession.objects.filter(user_agent=CHROME_ON_WINDOWS).update(
        last_activity=now - datetime.timedelta(minutes=1, seconds=5)
    )
    SeatSession.objects.filter(user_agent="").update(
        last_activity=now - datetime.timedelta(hours=1, minutes=10, seconds=5)
    )

    page = browsers[0].post(reverse("logout"), follow=True).content.decode()

    assert (
        "Your license stays in use by your 2 other devices: Chrome on Windows, active 1 minute "
        "ago; Unknown browser, active 1 h 10 min ago. To free it, log out on them too"
    ) in page


def test_logging_out_the_last_device_says_the_license_is_freed(members):
    laptop, phone = Client(), Client()
    sign_in(laptop, members[0])
    sign_in(phone, members[0])
    laptop.post(reverse("logout"))

    page = phone.post(reverse("logout"), follow=True).content.decode()

    assert "You have signed out and freed your license." in page
    assert "stays in use" not in page


def test_staff_logging_out_are_not_told_about_a_license(client, support_agent):
    sign_in(client, support_agent)

    page = client.post(reverse("logout"), follow=True).content.decode()

    assert "You have signed out." in page
    assert "license" not in page.split('class="messages"', 1)[1].split("</ul>", 1)[0]


def test_staff_logging_out_of_the_console_land_on_its_sign_in_page(client, support_agent):
    client.force_login(support_agent)

    response = client.post(reverse("admin:logout"))

    assert response.url == reverse("admin:login")
    assert "_auth_user_id" not in client.session


def test_the_consoles_log_out_still_turns_away_company_users(client, members):
    sign_in(client, members[0])

    response = client.post(reverse("admin:logout"))

    assert response.url == reverse("admin:index")
    assert client.get(reverse("home")).status_code == 200  # still signed in, seat kept
