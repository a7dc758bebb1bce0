"""Keyboard and screen-reader paths in a real browser: signing in, the user menu and the idle
warning by keyboard alone; the idle countdown spoken at a few moments, not every second; an admin
who steps down landing on home."""

import datetime
import re
import time

import pytest
from django.db import OperationalError
from django.utils import timezone
from playwright.sync_api import Page, expect

from sessions_seats.models import SeatSession

from ..factories import PASSWORD, CompanyAdminFactory
from .helpers import sign_in_with_the_form
from .test_idle_warning_browser import seconds_left as _seconds_left
from .test_idle_warning_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seconds_left(seconds: int) -> None:
    """The shared helper, tried again while the live server's in-memory SQLite holds a table
    lock for a request of the open page (a shared-cache lock does not wait for its timeout)."""
    for _ in range(40):
        try:
            _seconds_left(seconds)
            return
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.05)
    _seconds_left(seconds)


# Kept by the page: each text the idle warning's live region takes, and how often its clock moved.
RECORD_ANNOUNCEMENTS = """
window.announced = [];
window.clockChanges = 0;
document.addEventListener("DOMContentLoaded", function () {
  var region = document.querySelector("[data-idle-announce]");
  var clock = document.querySelector("[data-idle-countdown]");
  if (!region || !clock) return;
  var watch = { childList: true, characterData: true, subtree: true };
  new MutationObserver(function () { window.announced.push(region.textContent); }).observe(region, watch);
  new MutationObserver(function () { window.clockChanges += 1; }).observe(clock, watch);
});
"""


def test_sign_in_open_the_menu_and_stay_signed_in_with_the_keyboard_alone(
    page: Page, live_server, members
):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type("user1@acme.example")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("1 of 3 seats in use")).to_be_visible()

    # The brand link first, then the account menu.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#user-menu > summary")).to_be_focused()
    page.keyboard.press("Enter")
    my_sessions = page.locator("#user-menu").get_by_role("link", name="My sessions")
    expect(my_sessions).to_be_visible()
    page.keyboard.press("Escape")
    expect(my_sessions).to_be_hidden()
    expect(page.locator("#user-menu > summary")).to_be_focused()

    seconds_left(90)
    page.reload()
    dialog = page.get_by_role("dialog", name="Are you still there?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    page.keyboard.press("Enter")

    expect(dialog).to_be_hidden()
    seat_session = SeatSession.objects.get(ended_at__isnull=True)
    assert timezone.now() - seat_session.last_activity < datetime.timedelta(seconds=30)


@pytest.mark.parametrize(
    ("mark", "said"),
    [
        (60, "1 minute left before you are signed out."),
        (30, "30 seconds left before you are signed out."),
        (10, "10 seconds left before you are signed out."),
    ],
)
def test_the_idle_countdown_is_announced_when_the_warning_opens_and_at_its_marks_only(
    page: Page, live_server, members, mark, said
):
    page.context.add_init_script(RECORD_ANNOUNCEMENTS)
    signed_in(page, live_server, "user1@acme.example")
    seconds_left(mark + 3)
    page.reload()
    expect(page.get_by_role("dialog", name="Are you still there?")).to_be_visible()

    # Not wait_for_function: it evaluates a string, which the Content-Security-Policy refuses.
    for _ in range(100):
        if len(page.evaluate("window.announced")) >= 2:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(1500)  # the clock keeps moving; the live region must not

    announced = page.evaluate("window.announced")
    assert len(announced) == 2, announced
    assert re.fullmatch(
        r"You will be signed out of this browser in (1 minute )?\d+ seconds? because it has been "
        r"idle\. "
        r"Choose Stay signed in to keep your license\.",
        announced[0],
    ), announced[0]
    assert announced[1] == said
    assert page.evaluate("window.clockChanges") >= 4

    page.get_by_role("button", name="Stay signed in").click()
    expect(page.get_by_role("dialog", name="Are you still there?")).to_be_hidden()


def test_an_admin_who_makes_themselves_a_member_lands_on_home_told_so(
    page: Page, live_server, company_admin, members
):
    CompanyAdminFactory(company=company_admin.company)
    sign_in_with_the_form(page, live_server.url, "admin@acme.example")
    page.goto(f"{live_server.url}/security/users/{company_admin.pk}/")

    page.get_by_label("Role").select_option(label="Member")
    page.get_by_role("button", name="Save role").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("status")).to_contain_text(
        "You are now: Member. Users and Roles is for company admins"
    )
