"""The example application end to end in Chromium: sign in through the portal, work, and watch
the application's page sign out by itself when staff force a logout."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sessions_seats.forced_logout import force_logout
from sessions_seats.models import Seat
from tests.factories import PASSWORD
from tests.single_sign_on.example_app import running_example_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def example_app(live_server, settings, monkeypatch, tmp_path):
    """The app beside the portal; back-channel logouts are sent as soon as an ending commits
    (in production a Celery worker sends them)."""
    from single_sign_on import tasks

    settings.DEBUG = True  # plain http between the two loopback servers
    settings.PORTAL_BASE_URL = live_server.url

    def at_once(args: tuple[int], countdown: int | None = None, **kwargs: Any) -> None:
        if countdown is None:
            tasks.deliver_backchannel_logout.apply(args=args)

    monkeypatch.setattr(tasks.deliver_backchannel_logout, "apply_async", at_once)
    with running_example_app(live_server.url, tmp_path, name="Foundry Workbench") as app:
        yield app


def test_signing_in_to_the_app_at_the_portal_and_being_signed_out_by_staff(
    page: Page, example_app, members, superuser
):
    page.goto(example_app.url)
    page.get_by_role("link", name="Sign in with the licensing portal").click()

    expect(page.get_by_role("heading", name="Sign in to Foundry Workbench")).to_be_visible()
    page.get_by_label("Email").fill("user1@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Workspace")).to_be_visible()
    expect(page.locator("#who")).to_have_text(members[0].get_full_name())
    assert Seat.objects.open().filter(user=members[0]).count() == 1

    force_logout(actor=superuser, seats=[Seat.objects.open().get()], reason="Laptop stolen")

    # Nobody touches the page: it notices that its session ended and leaves.
    expect(page.get_by_role("status")).to_have_text(
        "Your sign-in ended at the licensing portal, so you were signed out here too.",
        timeout=10_000,
    )
    expect(page.get_by_role("link", name="Sign in with the licensing portal")).to_be_visible()
