"""Browser tests: Playwright drives Chromium against `live_server`. On failure, every open page is
saved as a screenshot under test-artifacts/ (git-ignored) to see what the browser saw."""

from __future__ import annotations

import re

import pytest


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
