"""The ledger's pages: a total count, numbered pages with ellipses, first/previous/next/last
links, and every page read from the nearer end of the ledger giving exactly the whole ledger."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from usage.ledger import ledger
from usage.pages import LedgerPage, ledger_page, page_links

from ..conftest import signed_in_client
from .ledger_helpers import busy_day, busy_history

pytestmark = pytest.mark.django_db

PORTAL = reverse("portal:ledger")


@pytest.mark.parametrize(
    ("current", "count", "links"),
    [
        (1, 1, [1]),
        (1, 5, [1, 2, 3, 4, 5]),
        (1, 20, [1, 2, 3, None, 20]),
        (10, 20, [1, None, 8, 9, 10, 11, 12, None, 20]),
        (4, 20, [1, 2, 3, 4, 5, 6, None, 20]),
        (20, 20, [1, None, 18, 19, 20]),
    ],
)
def test_page_numbers_show_both_ends_and_the_neighbours_with_ellipses(current, count, links):
    assert page_links(current, count) == links


def test_page_numbers_leave_out_pages_too_far_from_both_ends():
    # Pages 4 to 7 are more than 3 pages from both ends.
    assert page_links(3, 10, max_page=3) == [1, 2, 3, None, 10]
    assert page_links(8, 10, max_page=3) == [1, None, 8, 9, 10]


@pytest.mark.parametrize(
    ("total", "label"), [(0, "0 entries"), (1, "1 entry"), (1234, "1,234 entries")]
)
def test_the_total_reads_as_a_count_of_entries(total, label):
    page = LedgerPage([], 1, 50, total, True, datetime.UTC)

    assert page.total_label == label


def test_the_page_says_how_many_entries_and_links_to_every_end(company, company_admin, monkeypatch):
    monkeypatch.setattr("usage.pages.LEDGER_PER_PAGE", 2)
    busy_history(company, rounds=3)
    day = busy_day().isoformat()

    response = signed_in_client(company_admin).get(PORTAL, {"start": day, "end": day, "page": 4})

    html = response.content.decode()
    page = response.context["page"]
    assert (page.total, page.page_count, page.number) == (15, 8, 4)
    assert "<strong>15 entries</strong>" in html and "showing 7–8" in html
    assert "Page 4 of 8" in html
    for label, number in (("First", None), ("Previous", 3), ("Next", 5), ("Last", 8)):
        target = f"?start={day}&amp;end={day}" + (f"&amp;page={number}" if number else "")
        assert f'<a href="{target}"' in html and f">{label}</a>" in html, label
    assert '<span aria-current="page">4</span>' in html
    # 1 2 3 [4] 5 6 7 8: a single page left out is shown rather than an ellipsis.
    assert 'class="gap"' not in html and 'aria-label="Page 7"' in html


@pytest.mark.parametrize("newest_first", [True, False])
def test_every_page_together_is_the_whole_ledger_in_order(company, newest_first):
    busy_history(company, rounds=5)
    filters = {"start": busy_day(), "end": busy_day(), "newest_first": newest_first}
    whole = list(ledger(company, **filters))

    pages = [ledger_page(company, filters=filters, number=n, per_page=4) for n in range(1, 8)]

    assert [page.page_count for page in pages] == [7] * 7
    assert [event for page in pages for event in page.events] == whole
    assert len(whole) == 25


def test_the_first_and_last_pages_need_no_previous_or_next(company, company_admin):
    busy_history(company, rounds=1)
    day = busy_day().isoformat()

    html = signed_in_client(company_admin).get(PORTAL, {"start": day, "end": day}).content.decode()

    assert 'class="pager"' not in html  # 5 entries: one page
    assert 'rel="next"' not in html and 'rel="prev"' not in html


def test_a_page_far_from_both_ends_is_refused_without_reading_it(company, monkeypatch):
    monkeypatch.setattr("usage.pages.LEDGER_MAX_PAGE", 2)
    busy_history(company, rounds=2)
    filters = {"start": busy_day(), "end": busy_day(), "newest_first": True}

    def unread(*args, **kwargs):
        raise AssertionError("read a page out of reach")

    monkeypatch.setattr("usage.pages.ledger", unread)
    page = ledger_page(company, filters=filters, number=3, per_page=2)

    assert page.beyond_reach and page.events == [] and page.page_count == 5


def test_an_empty_ledger_has_one_page(company):
    today = timezone.localdate()

    page = ledger_page(company, filters={"start": today, "end": today}, number=3)

    assert (page.total, page.page_count, page.number, page.past_last) == (0, 1, 1, False)
