"""Home and My sessions: a person's company, seat count and devices; signing devices out."""

import pytest
from django.test import Client
from django.urls import reverse

from sessions_seats.models import Seat, SeatSession

from ..conftest import sign_in
from ..factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def devices(members) -> list[Client]:
    """user1 signed in on a laptop, a phone and a tablet."""
    browsers = []
    for agent in ("Laptop Firefox", "Phone Safari", "Tablet Chrome"):
        browser = Client(HTTP_USER_AGENT=agent)
        assert sign_in(browser, members[0]).status_code == 302
        browsers.append(browser)
    return browsers


def test_home_shows_company_seats_devices_and_contact(devices, members):
    sign_in(Client(), members[1])

    page = devices[0].get(reverse("home")).content.decode()

    assert "Acme Foods" in page
    assert "2 of 3 seats in use" in page
    assert "Laptop Firefox" in page and "Phone Safari" in page
    assert "Avery Morgan" in page


def test_my_sessions_lists_each_device_and_marks_this_one(devices):
    page = devices[1].get(reverse("portal:my_sessions")).content.decode()

    for agent in ("Laptop Firefox", "Phone Safari", "Tablet Chrome"):
        assert agent in page
    assert "Laptop Firefox</span> <strong>(this device)" not in page
    assert "Phone Safari</span> <strong>(this device)</strong>" in page
    assert "127.0.0.1" in page
    assert "Log out all other devices" in page


def test_signing_out_one_other_device(devices, members):
    tablet = SeatSession.objects.get(user_agent="Tablet Chrome")

    response = devices[0].post(reverse("portal:my_session_sign_out", args=[tablet.pk]), follow=True)

    assert "That device is logged out." in response.content.decode()
    tablet.refresh_from_db()
    assert tablet.end_reason == "logout"
    assert devices[2].get(reverse("home")).status_code == 302
    assert devices[1].get(reverse("home")).status_code == 200
    assert Seat.objects.get(user=members[0]).released_at is None


def test_signing_out_all_other_devices_keeps_this_one(devices, members):
    response = devices[0].post(reverse("portal:my_sessions_sign_out_others"), follow=True)

    assert "Logged out 2 other devices." in response.content.decode()
    assert devices[0].get(reverse("home")).status_code == 200
    assert devices[1].get(reverse("home")).status_code == 302
    assert devices[2].get(reverse("home")).status_code == 302
    assert SeatSession.objects.filter(ended_at__isnull=True).get().user_agent == "Laptop Firefox"
    again = devices[0].post(reverse("portal:my_sessions_sign_out_others"), follow=True)
    assert "No other device was signed in." in again.content.decode()


def test_signing_out_this_device_from_the_list_logs_out(devices, members):
    laptop = SeatSession.objects.get(user_agent="Laptop Firefox")

    response = devices[0].post(reverse("portal:my_session_sign_out", args=[laptop.pk]))

    assert response.url == reverse("login")
    laptop.refresh_from_db()
    assert laptop.end_reason == "logout"
    assert devices[0].get(reverse("home")).status_code == 302


def test_someone_elses_device_is_not_found(devices, members):
    other = Client()
    sign_in(other, members[1])
    theirs = SeatSession.objects.get(seat__user=members[1])

    response = devices[0].post(reverse("portal:my_session_sign_out", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.ended_at is None
    assert other.get(reverse("home")).status_code == 200


def test_staff_see_that_they_hold_no_seat(client, db):
    sign_in(client, StaffFactory())

    page = client.get(reverse("portal:my_sessions")).content.decode()

    assert "hold no license seat" in page


def test_my_sessions_needs_sign_in(client, db):
    assert client.get(reverse("portal:my_sessions")).url.startswith(reverse("login"))


def test_staff_home_links_to_the_staff_console_registered_by_the_console(client, support_agent):
    client.force_login(support_agent)

    html = client.get(reverse("home")).content.decode()

    assert f'href="{reverse("admin:index")}">Open the staff console' in html


def test_logging_out_this_device_from_the_list_says_the_others_keep_the_license(devices):
    laptop = SeatSession.objects.get(user_agent="Laptop Firefox")

    page = (
        devices[0]
        .post(reverse("portal:my_session_sign_out", args=[laptop.pk]), follow=True)
        .content.decode()
    )

    assert "freed your license" not in page
    assert "Your license stays in use by your 2 other devices:" in page
    assert "Phone Safari, active just now" in page and "Tablet Chrome, active just now" in page
    assert f'<a href="{reverse("portal:my_sessions")}">My sessions</a>' in page


def test_my_sessions_buttons_say_log_out(devices):
    page = devices[0].get(reverse("portal:my_sessions")).content.decode()
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]

    assert rows.count(">Log out this device</button>") == 1
    assert rows.count(">Log out</button>") == 2
    assert ">Log out all other devices</button>" in page
    assert 'aria-label="Log out the device Phone Safari from 127.0.0.1"' in page
    assert "Sign out" not in page
