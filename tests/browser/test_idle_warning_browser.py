"""The idle warning in a real browser: it appears before the idle timeout, "Stay signed in" keeps
the seat (in every tab), the countdown's end signs out with the reason, and pages with unsaved
changes ask before leaving."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sessions_seats.models import SeatSession

from .helpers import sign_in_with_the_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(page: Page, live_server, email: str) -> None:
    sign_in_with_the_form(page, live_server.url, email)
    expect(page.get_by_text(re.compile(r"\d+ of \d+ seats in use"))).to_be_visible()


def seconds_left(seconds: int) -> None:
    """Make the signed-in seat session that many seconds short of the 30-minute idle timeout."""
    SeatSession.objects.filter(ended_at__isnull=True).update(
        last_activity=timezone.now() - datetime.timedelta(minutes=30, seconds=-seconds)
    )


def test_warning_appears_before_the_idle_timeout_and_stay_signed_in_keeps_the_seat(
    page: Page, live_server, members
):
    signed_in(page, live_server, "user1@acme.example")
    seconds_left(90)
    page.reload()

    dialog = page.get_by_role("dialog", name="Are you still there?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(
        re.compile(r"You will be signed out of this browser in 1:[0-9]{2} because it has been idle")
    )
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()

    dialog.get_by_role("button", name="Stay signed in").click()

    expect(dialog).to_be_hidden()
    seat_session = SeatSession.objects.get(ended_at__isnull=True)
    assert timezone.now() - seat_session.last_activity < datetime.timedelta(seconds=30)


def test_stay_signed_in_in_one_tab_closes_the_warning_in_the_others(
    page: Page, live_server, members
):
    signed_in(page, live_server, "user1@acme.example")
    other_tab = page.context.new_page()
    other_tab.goto(live_server.url + "/")
    seconds_left(90)
    page.reload()
    other_tab.reload()
    expect(other_tab.get_by_role("dialog")).to_be_visible()

    page.get_by_role("button", name="Stay signed in").click()

    expect(other_tab.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_role("dialog")).to_be_hidden()


def test_countdown_reaching_zero_signs_out_with_the_reason(page: Page, live_server, members):
    signed_in(page, live_server, "user1@acme.example")
    seconds_left(3)
    page.reload()

    expect(page.get_by_role("heading", name="Sign in to Foundry")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("status")).to_contain_text(
        "You were signed out after 30 minutes of inactivity to free a license."
    )
    assert SeatSession.objects.get().end_reason == "idle"
    assert not members[0].seats.filter(released_at__isnull=True).exists()


def test_log_out_from_the_warning(page: Page, live_server, members):
    signed_in(page, live_server, "user1@acme.example")
    seconds_left(90)
    page.reload()

    page.get_by_role("dialog").get_by_role("button", name="Log out").click()

    expect(page.get_by_role("status")).to_contain_text("You have signed out")
    assert SeatSession.objects.get().end_reason == "logout"


def test_unsaved_changes_ask_before_leaving_the_page(page: Page, live_server, company_admin):
    signed_in(page, live_server, "admin@acme.example")
    page.goto(live_server.url + "/security/users/add/")
    page.get_by_label("Full name").fill("Half typed")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_role("link", name="Foundry").click()

    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page.get_by_label("Full name")).to_have_value("Half typed")
