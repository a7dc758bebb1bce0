"""Screenshots of every page the layout tests walk, at a phone's size (390×844) and a laptop's
(1280×800), saved under test-artifacts/screenshots/<size>/ to look at after a change. They take a
while and change nothing, so they are taken only when asked: FOUNDRY_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page

from . import tour

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("FOUNDRY_SCREENSHOTS") != "1",
        reason="screenshots are taken only when asked: set FOUNDRY_SCREENSHOTS=1",
    ),
]

SIZES = {"phone": tour.PHONE, "laptop": tour.DESKTOP}
WALKS = {**tour.PORTAL_WALKS, "staff console": tour.staff_console_pages}


@pytest.fixture(scope="module")
def screenshots(pytestconfig: pytest.Config) -> Path:
    """An empty folder, so no screenshot of a page that is gone or renamed stays behind."""
    folder = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def portal_data(db) -> tour.PortalData:
    return tour.realistic_company()


def file_name(page_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", page_name.lower()).strip("-") + ".png"


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("walk", list(WALKS))
def test_every_page_is_saved_as_a_screenshot(
    walk, size, screenshots, new_context, live_server, portal_data
):
    folder = screenshots / size
    folder.mkdir(exist_ok=True)
    page = new_context(viewport=SIZES[size]).new_page()
    saved: list[Path] = []

    def shoot(name: str, shown: Page) -> None:
        shown.wait_for_load_state("load")
        path = folder / file_name(name)
        assert not path.exists(), f"two pages are called {name!r}"
        shown.screenshot(path=str(path), full_page=True)
        saved.append(path)

    WALKS[walk](page, live_server.url, portal_data, shoot)

    assert saved and all(path.stat().st_size for path in saved)
