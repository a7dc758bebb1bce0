"""Browser tests: Playwright drives Chromium against `live_server`. On failure, every open page is
saved as a screenshot under test-artifacts/ (git-ignored) to see what the browser saw.

Every page of every browser context a test opens is watched: a console error, an uncaught script
error or a Content-Security-Policy violation fails the test, except the HTTP error statuses the
portal answers on purpose (see `expected_console_error`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

# Chromium logs its own line for a violation, but only the event says which element or file broke
# the policy, and where.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline")
                + " at " + (event.sourceFile || location.href) + ":" + event.lineNumber);
});
"""
FAILED_LOAD = re.compile(
    r"^Failed to load resource: the server responded with a status of (\d{3})\b"
)
# Answers the portal gives on purpose, which Chromium logs as console errors: a form with errors
# (400), the status poll once signed out (401), a refused sign-in (403), a locked-out one (429).
EXPECTED_STATUSES = {400, 401, 403, 429}


def expected_console_error(message: ConsoleMessage) -> bool:
    """Only a failed load of a page or a poll with an expected status; never a static file (a
    missing or refused stylesheet or script is a bug), a 5xx, anything the policy blocked, or a
    missing favicon."""
    failed = FAILED_LOAD.match(message.text)
    if failed is None:
        return False
    status, path = int(failed.group(1)), urlsplit(message.location.get("url", "")).path
    if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return False
    return status in EXPECTED_STATUSES


class BrowserErrors:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("page", self.watch_page)
        for page in context.pages:
            self.watch_page(page)

    def watch_page(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error" and not expected_console_error(message):
                where = message.location.get("url") or page.url
                self.errors.append(f"console error on {page.url}: {message.text} ({where})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught on {page.url}: {error}"))


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def new_context(
    new_context: Callable[..., BrowserContext], browser_errors: BrowserErrors
) -> Callable[..., BrowserContext]:
    """pytest-playwright's, watching each context; its `context` and `page` come from here too."""

    def watched_context(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        browser_errors.watch(context)
        return context

    return watched_context


@pytest.fixture(autouse=True)
def _no_browser_errors(browser_errors: BrowserErrors) -> Iterator[None]:
    # Set up first, so torn down after the contexts close: nothing a page logs is missed.
    yield
    if browser_errors.errors:
        pytest.fail("The browser reported errors:\n" + "\n".join(browser_errors.errors))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    # At the "call" phase the test's fixtures (browser, contexts, pages) are still open.
    if report.when != "call" or not report.failed:
        return
    browser = getattr(item, "funcargs", {}).get("browser")
    if browser is None:
        return
    folder = item.config.rootpath / "test-artifacts"
    folder.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])
    shots = []
    for c, context in enumerate(browser.contexts):
        for p, page in enumerate(context.pages):
            path = folder / f"{name}-{c}-{p}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
            except Exception as exc:  # a crashed page must not hide the real failure
                report.sections.append(("screenshot", f"could not save {path.name}: {exc}"))
                continue
            shots.append(f"{path} ({page.url})")
    if shots:
        report.sections.append(("screenshots", "\n".join(shots)))
