"""Charts people can read: whole-number ticks, the capacity drawn apart from the peak with a
legend, targets bigger than the dots, a chart that scales with its box at a legible size, and a
default period that starts no earlier than the company's first entitlement."""

from __future__ import annotations

import datetime
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings

from usage.charts import (
    FONT_SIZE,
    LEGIBLE_MIN_WIDTH_PX,
    MIN_FONT_PX,
    WIDTH,
    Series,
    bar_chart_svg,
    count_ticks,
    line_chart_svg,
)
from usage.pages import default_usage_period
from usage.periods import default_period, last_days

from ..factories import CompanyFactory, EntitlementFactory, PackageFactory

SVG = "{http://www.w3.org/2000/svg}"
DAYS = ["Mar 3", "Mar 4", "Mar 5", "Mar 6"]
REPORTS_CSS = Path(settings.BASE_DIR) / "static" / "css" / "reports.css"


def peak_and_capacity(peak: list[int], capacity: list[int]) -> ET.Element:
    return ET.fromstring(
        line_chart_svg(
            DAYS[: len(peak)],
            [Series("Peak", peak), Series("Capacity", capacity, dashed=True)],
            title="Peak and capacity",
        )
    )


def y_axis_labels(root: ET.Element) -> list[str]:
    axes = root.find(f"{SVG}g[@class='axes']")
    return [t.text for t in axes.iter(f"{SVG}text") if t.get("text-anchor") == "end"]


def by_class(root: ET.Element, tag: str, *names: str) -> list[ET.Element]:
    return [
        el for el in root.iter(f"{SVG}{tag}") if set(names) <= set((el.get("class") or "").split())
    ]


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (5, [0, 1, 2, 3, 4, 5]),
        (7, [0, 2, 4, 6, 8]),
        (13, [0, 5, 10, 15]),
        (2.5, [0, 1, 2, 3]),
        (160, [0, 50, 100, 150, 200]),
    ],
)
def test_ticks_are_whole_numbers_a_few_apart(maximum, expected):
    assert count_ticks(maximum) == expected


@pytest.mark.parametrize("maximum", [1, 2, 3, 4, 6, 9, 11, 37, 99, 101, 999, 12345])
def test_there_are_never_more_than_six_ticks_and_they_reach_the_maximum(maximum):
    ticks = count_ticks(maximum)

    assert 2 <= len(ticks) <= 6
    assert ticks[0] == 0 and ticks[-1] >= maximum
    assert all(isinstance(tick, int) for tick in ticks)


def test_a_small_chart_labels_every_person_and_no_half_person():
    root = peak_and_capacity([1, 3, 2, 0], [2, 2, 3, 3])

    assert y_axis_labels(root) == ["0", "1", "2", "3"]


def test_the_bar_chart_counts_in_whole_numbers_too():
    root = ET.fromstring(bar_chart_svg(DAYS, [0, 1, 0, 1], title="Refused"))

    assert y_axis_labels(root) == ["0", "1"]


def test_the_capacity_is_a_step_line_of_its_own_with_a_legend_entry():
    root = peak_and_capacity([1, 3, 2, 0], [2, 2, 3, 3])

    (limit,) = by_class(root, "g", "series", "limit")
    (measure,) = by_class(root, "g", "series", "measure")
    assert limit.get("data-series") == "Capacity"
    capacity_line = limit.find(f"{SVG}polyline")
    peak_line = measure.find(f"{SVG}polyline")
    assert capacity_line.get("stroke") != peak_line.get("stroke")
    assert capacity_line.get("stroke-dasharray") and not peak_line.get("stroke-dasharray")
    # Steps: each day is a flat segment (two points at one height), so the line only ever moves
    # straight across or straight up and down.
    points = [tuple(map(float, p.split(","))) for p in capacity_line.get("points").split()]
    assert len(points) == 2 * len(DAYS)
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        assert x1 == x2 or y1 == y2
    entries = {e.get("data-series"): e for e in by_class(root, "g", "legend-entry")}
    assert set(entries) == {"Peak", "Capacity"}
    assert entries["Capacity"].find(f"{SVG}text").text == "Capacity"
    swatch = entries["Capacity"].find(f"{SVG}line")
    assert swatch.get("stroke") == capacity_line.get("stroke")
    assert swatch.get("stroke-dasharray") == capacity_line.get("stroke-dasharray")


def test_each_day_has_a_focusable_titled_target_bigger_than_its_dot():
    root = peak_and_capacity([1, 3, 2, 0], [3, 3, 3, 3])

    targets = by_class(root, "rect", "hit")
    assert [t.get("data-label") for t in targets] == DAYS
    titles = [t.find(f"{SVG}title").text for t in targets]
    assert titles[1] == "Mar 4: Peak 3, Capacity 3"
    dot = 2 * float(root.find(f".//{SVG}circle").get("r"))
    for target, title in zip(targets, titles, strict=True):
        assert target.get("tabindex") == "0"
        assert target.get("role") == "img" and target.get("aria-label") == title
        assert float(target.get("width")) > 3 * dot and float(target.get("height")) > 3 * dot


def test_a_bar_of_zero_still_has_a_target():
    root = ET.fromstring(bar_chart_svg(DAYS, [0, 5, 2, 0], title="Refused", unit="refused"))

    targets = by_class(root, "rect", "hit")
    assert targets[0].get("aria-label") == "Mar 3: 0 refused"
    assert all(float(t.get("height")) > 100 for t in targets)


def test_the_figures_read_out_only_on_hover_or_focus():
    root = peak_and_capacity([1, 3, 2, 0], [3, 3, 3, 3])
    css = REPORTS_CSS.read_text()

    readouts = by_class(root, "text", "readout")
    assert len(readouts) == len(DAYS)
    assert all(r.get("visibility") == "hidden" for r in readouts)
    assert ".target:hover .readout" in css and ".target:focus-within .readout" in css


@pytest.mark.parametrize(
    "svg",
    [
        line_chart_svg(DAYS, [Series("Peak", [1, 3, 2, 0])], title="Peak"),
        bar_chart_svg(DAYS, [0, 5, 2, 0], title="Refused"),
    ],
)
def test_charts_scale_with_a_view_box_and_no_inline_style(svg):
    root = ET.fromstring(svg)

    assert root.get("viewBox").split()[:3] == ["0", "0", str(WIDTH)]
    assert root.get("width") is None and root.get("height") is None
    assert "style=" not in svg


def test_text_is_at_least_12_px_at_the_narrowest_width_the_stylesheet_allows():
    css = REPORTS_CSS.read_text()
    rule = re.search(r"\.usage-report \.chart svg \{([^}]*)\}", css)

    assert rule is not None and "width: 100%" in rule.group(1)
    min_width = re.search(r"min-width:\s*(\d+)px", rule.group(1))
    assert min_width is not None and int(min_width.group(1)) == LEGIBLE_MIN_WIDTH_PX
    assert FONT_SIZE * LEGIBLE_MIN_WIDTH_PX / WIDTH >= MIN_FONT_PX
    sizes = set(
        re.findall(r'font-size="(\d+)"', line_chart_svg(DAYS, [Series("P", [1] * 4)], title="P"))
    )
    assert sizes == {str(FONT_SIZE)}


TODAY = datetime.date(2026, 3, 31)


def test_the_default_period_starts_at_a_recent_first_entitlement():
    first_day = TODAY - datetime.timedelta(days=10)

    assert default_period(30, first_day=first_day, today=TODAY) == (first_day, TODAY)


@pytest.mark.parametrize(
    "first_day",
    [None, TODAY - datetime.timedelta(days=29), TODAY - datetime.timedelta(days=400)],
    ids=["no entitlement", "exactly 30 days", "long ago"],
)
def test_the_default_period_is_the_last_30_days_when_the_company_is_older(first_day):
    assert default_period(30, first_day=first_day, today=TODAY) == last_days(30, today=TODAY)


def test_an_entitlement_starting_later_does_not_empty_the_default_period():
    tomorrow = TODAY + datetime.timedelta(days=1)

    assert default_period(30, first_day=tomorrow, today=TODAY) == last_days(30, today=TODAY)


@pytest.mark.django_db
def test_the_default_usage_period_follows_the_companys_earliest_entitlement():
    company = CompanyFactory()
    package = PackageFactory(seats=3)
    EntitlementFactory(company=company, package=package, starts_on=TODAY - datetime.timedelta(3))
    EntitlementFactory(company=company, package=package, starts_on=TODAY - datetime.timedelta(10))
    EntitlementFactory(package=package, starts_on=TODAY - datetime.timedelta(20))  # another's

    assert default_usage_period(company, today=TODAY) == (TODAY - datetime.timedelta(10), TODAY)


@pytest.mark.django_db
def test_the_report_pages_open_on_the_default_period_and_keep_a_chosen_one(
    client, company_admin, support_agent
):
    from django.urls import reverse
    from django.utils import timezone

    from sessions_seats.models import Entitlement
    from tests.conftest import sign_in

    today = timezone.localdate()
    company = company_admin.company
    Entitlement.objects.filter(company=company).update(
        starts_on=today - datetime.timedelta(days=10)
    )
    sign_in(client, company_admin)

    report = client.get(reverse("portal:usage"))
    figures = client.get(reverse("portal:usage_json")).json()
    chosen = client.get(reverse("portal:usage"), {"start": "2026-01-01", "end": "2026-01-31"})
    client.force_login(support_agent)
    staff = client.get(reverse("admin:accounts_company_usage", args=[company.pk]))

    started = today - datetime.timedelta(days=10)
    assert report.context["form"].period == (started, today)
    assert figures["period"]["start"] == started.isoformat()
    assert chosen.context["form"].period == (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert staff.context_data["form"].period == (started, today)
