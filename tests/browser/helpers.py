"""What a person does in the browser, spelled once for the browser tests."""

from __future__ import annotations

import contextlib
import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from accounts.models import User
from sessions_seats.models import SeatSession

from ..factories import PASSWORD


def sign_in_with_the_form(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}{reverse('login')}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def hold_seat(user: User, idle_minutes: int = 0) -> Client:
    """Sign `user` in from a non-browser client, idle for that many minutes."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    SeatSession.objects.filter(seat__user=user).update(
        last_activity=timezone.now() - datetime.timedelta(minutes=idle_minutes)
    )
    return client


def open_user_menu(page: Page) -> None:
    """With the keyboard, as someone without a mouse would."""
    page.locator("#user-menu > summary").focus()
    page.keyboard.press("Enter")


def lands_on_sign_in_after_being_signed_out(page: Page) -> None:
    """An open portal page whose session was ended elsewhere: its status poll notices and loads
    the sign-in page, which says why. Asked to poll now; its own timer may have got there first,
    in which case the page is already (or about to be) on the sign-in page."""
    with contextlib.suppress(PlaywrightError):  # navigating already
        page.evaluate("document.dispatchEvent(new CustomEvent('foundry:poll-status'))")
    expect(page.get_by_role("heading", name="Sign in to Foundry")).to_be_visible()
