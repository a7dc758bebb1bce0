"""The refusal page in a real browser: what a member and a company admin see, freeing a seat,
and the message the signed-out holder then gets."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sessions_seats.models import ForcedLogout, Seat, SeatSession

from .helpers import hold_seat, lands_on_sign_in_after_being_signed_out, sign_in_with_the_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def full_company(members) -> list:
    """user1–3 hold Acme's three seats, idle 25, 7 and 0 minutes."""
    for member, idle in zip(members[:3], (25, 7, 0), strict=True):
        hold_seat(member, idle_minutes=idle)
    return members


def test_a_refused_member_sees_why_whom_to_ask_and_can_wait(page: Page, live_server, full_company):
    sign_in_with_the_form(page, live_server.url, "user4@acme.example")

    refusal = page.get_by_role("region", name="All licenses are in use")
    expect(refusal).to_contain_text("All 3 concurrent licenses of Acme Foods are in use")
    expect(refusal).to_contain_text("Do you have enough licenses?")
    expect(refusal).to_contain_text("your account manager Avery Morgan")
    manager = full_company[0].company.account_manager.email
    expect(refusal.get_by_role("link", name=manager)).to_have_attribute("href", f"mailto:{manager}")
    expect(page.get_by_text("Who holds the seats")).to_have_count(0)
    expect(page.get_by_text("user1@acme.example")).to_have_count(0)

    page.get_by_role("button", name="Email me when a seat frees up").click()

    expect(page.get_by_role("status")).to_contain_text(
        "We will email user4@acme.example once, when a seat at Acme Foods frees up."
    )


def test_a_company_admin_frees_the_idlest_seat_and_gets_in(
    page: Page, live_server, full_company, company_admin, new_context
):
    # Idle for 40 minutes must not be past the timeout here: the holder's own page would then
    # sign them out as idle (the idle warning's countdown) before the admin frees the seat.
    company_admin.company.idle_timeout = 120
    company_admin.company.save()
    # user2 is also at a browser, to see what they are told afterwards.
    holder_page = new_context().new_page()
    holder_client_seat = Seat.objects.get(user=full_company[1], released_at__isnull=True)
    sign_in_with_the_form(holder_page, live_server.url, "user2@acme.example")
    expect(holder_page.get_by_text("3 of 3 seats in use")).to_be_visible()
    SeatSession.objects.filter(seat__user=full_company[1]).update(
        last_activity=timezone.now() - datetime.timedelta(minutes=40)
    )

    sign_in_with_the_form(page, live_server.url, "admin@acme.example")

    holders = page.get_by_role("region", name="Who holds the seats")
    rows = holders.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("user2@acme.example")
    expect(rows.nth(0)).to_contain_text("40 minutes ago")
    expect(rows.nth(1)).to_contain_text("user1@acme.example")
    expect(rows.nth(1)).to_contain_text("25 minutes ago")
    expect(rows.nth(2)).to_contain_text("Just now")
    page.get_by_label(full_company[1].full_name).check()
    page.get_by_role("button", name="Free the selected seat…").click()

    expect(
        page.get_by_role("heading", name=f"Sign out {full_company[1].full_name}?")
    ).to_be_visible()
    expect(
        page.get_by_text("Forcefully signing a user out can lose their unsaved work")
    ).to_be_visible()
    # The acknowledgement is required: without it, nothing happens.
    page.get_by_label("Reason").fill("Month-end close needs an admin")
    page.get_by_role("button", name="out and sign me in").click()
    expect(
        page.get_by_text("Confirm that you understand they may lose unsaved work.")
    ).to_be_visible()
    assert Seat.objects.filter(company=company_admin.company, released_at__isnull=True).count() == 3

    page.get_by_label(
        "I understand that they may lose unsaved work, and I have checked with the user (or their company) first."
    ).check()
    page.get_by_role("button", name="out and sign me in").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"You signed {full_company[1].full_name} out and are now signed in on the freed seat."
    )
    expect(page.get_by_text("3 of 3 seats in use")).to_be_visible()
    holder_client_seat.refresh_from_db()
    assert holder_client_seat.release_reason == "forced"
    assert ForcedLogout.objects.get().actor_role == "company_admin"

    # The holder's open page lands on the sign-in page, which says what happened.
    lands_on_sign_in_after_being_signed_out(holder_page)
    expect(holder_page.get_by_role("status")).to_contain_text("signed you out")
    expect(holder_page.get_by_role("status")).to_contain_text("unsaved work may have been lost")
