"""The policy holds in a real browser: the portal's pages work under it (every browser test fails on
a violation), and what it forbids is blocked and caught by the browser tests' watcher."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from .conftest import BrowserErrors
from .helpers import sign_in_with_the_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_styles_and_scripts_load_from_static_files(page: Page, live_server, members):
    sign_in_with_the_form(page, live_server.url, "user1@acme.example")
    expect(page.get_by_text("1 of 3 seats in use")).to_be_visible()

    # seat-status.js polls the session status as soon as the page has loaded.
    with page.expect_response(lambda response: reverse("session-status") in response.url) as poll:
        page.reload()

    assert poll.value.status == 200
    expect(page.locator("section.card").first).to_have_css("background-color", "rgb(255, 255, 255)")


def test_inline_script_and_style_are_blocked_and_reported(
    page: Page, live_server, new_context, browser_errors: BrowserErrors
):
    other = new_context().new_page()
    for tab in (page, other):
        tab.goto(live_server.url + reverse("login"))
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.append(script);
    }""")
    other.evaluate("document.querySelector('h1').setAttribute('style', 'color: red')")

    assert page.evaluate("window.injected") is None
    expect(other.get_by_role("heading", name="Sign in to Foundry")).not_to_have_css(
        "color", "rgb(255, 0, 0)"
    )
    page.wait_for_timeout(200)  # the violation events reach the console asynchronously
    reported = "\n".join(browser_errors.errors)
    assert "CSP violation: script-src-elem blocked inline" in reported
    assert "CSP violation: style-src-attr blocked inline" in reported
    browser_errors.errors.clear()  # seen: this test provoked them on purpose
