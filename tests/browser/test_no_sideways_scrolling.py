"""Nothing scrolls sideways: every portal page fits a phone (390×844) and a laptop (1280×800), for
each role, with long names, addresses and device names; tables become cards or scroll inside
their own box. The staff console's seat list and audit log fit the laptop."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from . import tour

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What makes the page wider than the window: the outermost elements past its right edge that no
# box of their own scrolls or clips.
WIDER_THAN_THE_WINDOW = """
() => {
  const width = window.innerWidth;
  const scrolls = (element) => {
    for (let e = element.parentElement; e && e !== document.body; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== "visible") return true;
    }
    return false;
  };
  const culprits = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 0.5 || scrolls(element)) continue;
    if (culprits.some((outer) => outer.element.contains(element))) continue;
    const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
      + [...element.classList].map((c) => "." + c).join("");
    const text = (element.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    culprits.push({element, described: name + " " + JSON.stringify(text) + " to "
      + Math.round(box.right) + " px"});
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: width,
    culprits: culprits.slice(0, 5).map((culprit) => culprit.described),
  };
}
"""


def too_wide(name: str, page: Page) -> list[str]:
    """What is wrong with this page's width, in words; nothing when it fits."""
    page.wait_for_load_state("load")
    seen = page.evaluate(WIDER_THAN_THE_WINDOW)
    problems = []
    if seen["scrollWidth"] > seen["innerWidth"]:
        problems.append(
            f"{name}: {seen['scrollWidth']} px wide in a {seen['innerWidth']} px window "
            f"({page.url}); sticking out: {'; '.join(seen['culprits']) or 'nothing visible'}"
        )
    return problems


@pytest.fixture
def portal_data(db) -> tour.PortalData:
    return tour.realistic_company()


@pytest.mark.parametrize("size", ["phone", "laptop"])
@pytest.mark.parametrize("walk", list(tour.PORTAL_WALKS))
def test_no_portal_page_scrolls_sideways(walk, size, new_context, live_server, portal_data):
    viewport = tour.PHONE if size == "phone" else tour.DESKTOP
    page = new_context(viewport=viewport).new_page()
    problems: list[str] = []

    tour.PORTAL_WALKS[walk](
        page, live_server.url, portal_data, lambda name, p: problems.extend(too_wide(name, p))
    )

    assert not problems, f"Pages wider than a {size} ({walk}):\n" + "\n".join(problems)


# Where a column of the staff console's list ends, and where the list's own box does: Django
# lets a list too wide for its box scroll inside it, which would hide the columns support needs.
COLUMN_EDGES = """
(selector) => {
  const column = document.querySelector(selector);
  const box = document.querySelector("#changelist-form .results");
  if (!column || !box) return null;
  return [Math.round(column.getBoundingClientRect().right), Math.round(box.getBoundingClientRect().right)];
}
"""
# The seat list's ip / browser, and every list's last column (the audit log's "warned at", the
# login denials' "seats in use then").
COLUMNS_IN_VIEW = {
    "ip / browser": "#result_list th.column-latest_device",
    "last": "#result_list thead th:last-child",
}


def columns_hidden(name: str, page: Page) -> list[str]:
    problems = []
    for column, selector in COLUMNS_IN_VIEW.items():
        edges = page.evaluate(COLUMN_EDGES, selector)
        if edges is not None and edges[0] > edges[1]:
            problems.append(
                f"{name}: the {column} column ends at {edges[0]} px, past the list's {edges[1]} px"
            )
    return problems


def test_the_staff_consoles_seat_list_and_audit_log_fit_a_laptop(
    new_context, live_server, portal_data
):
    page = new_context(viewport=tour.DESKTOP).new_page()
    problems: list[str] = []

    def look(name: str, shown: Page) -> None:
        problems.extend(too_wide(name, shown) + columns_hidden(name, shown))

    tour.staff_console_pages(page, live_server.url, portal_data, look)
    page.goto(live_server.url + reverse("admin:sessions_seats_logindenial_changelist"))
    look("staff console: login denials (support)", page)

    assert not problems, "Staff console pages wider than a laptop:\n" + "\n".join(problems)
