"""The portal in a real browser: Log out under the user icon, and Users and Roles."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import User

from .helpers import lands_on_sign_in_after_being_signed_out, open_user_menu, sign_in_with_the_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_logout_is_under_the_user_icon_and_works_by_keyboard(page: Page, live_server, members):
    sign_in_with_the_form(page, live_server.url, "user1@acme.example")
    expect(page.get_by_text("1 of 3 seats in use")).to_be_visible()
    menu = page.locator("#user-menu")
    logout = menu.get_by_role("button", name="Log out")
    expect(logout).to_be_hidden()

    open_user_menu(page)
    expect(menu.get_by_role("link", name="My sessions")).to_be_visible()
    expect(menu.get_by_role("link", name="Users and Roles")).to_have_count(0)  # members: no
    page.keyboard.press("Escape")
    expect(logout).to_be_hidden()

    open_user_menu(page)
    logout.focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "You have signed out and freed your license."
    )
    assert not members[0].seats.filter(released_at__isnull=True).exists()


def test_an_admin_adds_a_user_then_deactivates_a_signed_in_one(
    page: Page, live_server, company_admin, members, new_context
):
    member_page = new_context().new_page()
    sign_in_with_the_form(member_page, live_server.url, "user1@acme.example")
    sign_in_with_the_form(page, live_server.url, "admin@acme.example")

    open_user_menu(page)
    page.locator("#user-menu").get_by_role("link", name="Users and Roles").click()
    expect(page.get_by_role("heading", name="Users and Roles")).to_be_visible()
    page.get_by_role("link", name="Add user").click()
    page.get_by_label("Email").fill("robin@acme.example")
    page.get_by_label("Full name").fill("Robin Newcomer")
    page.get_by_label("Role").select_option(label="Company admin")
    page.get_by_role("button", name="Add user and send email").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Added Robin Newcomer. We emailed robin@acme.example a link to set a password."
    )
    expect(page.get_by_role("row", name=re.compile("Robin Newcomer"))).to_contain_text(
        "Company admin"
    )
    assert User.objects.get(email="robin@acme.example").role == "admin"
    assert [m.to for m in mail.outbox] == [["robin@acme.example"]]

    page.get_by_label("Search by name or email").fill("user1")
    page.get_by_role("button", name="Search").click()
    user1_row = page.get_by_role("row", name=re.compile("user1@acme.example"))
    expect(user1_row).to_contain_text("Holds a seat since")
    user1_row.get_by_role("link", name=re.compile("^Deactivate")).click()
    page.get_by_label(
        "I understand that they may lose unsaved work, and I have checked with the user (or their company) first."
    ).check()
    page.get_by_role("button", name=re.compile("^Deactivate")).click()

    expect(page.get_by_role("status")).to_contain_text("and signed them out everywhere")
    expect(page.get_by_text("Deactivated", exact=True)).to_be_visible()
    lands_on_sign_in_after_being_signed_out(member_page)
    expect(member_page.get_by_role("status")).to_contain_text(
        "Your account was deactivated by Alex Admin, your company admin, on"
    )
