"""Every page names the icon, and the address browsers ask for by themselves leads to it."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from sessions_seats.binding import SEAT_TOUCHED_AT
from sessions_seats.models import SeatSession

from ..conftest import sign_in

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_svg_icon():
    response = Client().get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert finders.find("favicon.svg") is not None


def test_the_icon_is_a_small_svg_with_no_script():
    svg = Path(finders.find("favicon.svg")).read_text(encoding="utf-8")

    assert svg.lstrip().startswith("<svg")
    assert "<script" not in svg


def test_pages_link_the_icon():
    page = Client().get(reverse("login")).content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


def test_fetching_the_icon_is_not_activity(members):
    client = Client()
    sign_in(client, members[0])
    session = client.session
    session[SEAT_TOUCHED_AT] = 0  # the activity window has passed
    session.save()
    before = SeatSession.objects.get().last_activity

    client.get("/favicon.ico")

    assert SeatSession.objects.get().last_activity == before


class FailedLoad:
    """What `expected_console_error` reads of Chromium's console message for a failed load."""

    def __init__(self, url: str, status: int) -> None:
        self.text = f"Failed to load resource: the server responded with a status of {status} ()"
        self.location = {"url": url}


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/favicon.ico",  # the portal's own
        "http://127.0.0.1:8001/favicon.ico",  # the example application beside it has one too
        "http://localhost:8000/static/favicon.svg",
    ],
)
def test_browser_tests_fail_on_a_missing_favicon(url):
    from tests.browser.conftest import expected_console_error

    assert expected_console_error(FailedLoad(url, 404)) is False
