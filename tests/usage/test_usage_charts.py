"""Server-side SVG charts: valid XML, accessible names, every data point present, text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.utils.safestring import SafeString

from usage.charts import Series, bar_chart_svg, line_chart_svg, nice_ceiling

NS = {"svg": "http://www.w3.org/2000/svg"}
DAYS = ["Mar 3", "Mar 4", "Mar 5", "Mar 6"]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def points(root: ET.Element, tag: str) -> list[tuple[str, float]]:
    return [
        (el.get("data-label"), float(el.get("data-value")))
        for el in root.iter(f"{{{NS['svg']}}}{tag}")
        if el.get("data-value") is not None
    ]


def test_line_chart_is_valid_svg_with_a_title_and_every_point():
    svg = line_chart_svg(
        DAYS,
        [Series("Peak users", [1, 3, 2, 0]), Series("Capacity", [3, 3, 3, 3], dashed=True)],
        title="Peak users vs capacity",
        description="Per day, the most people signed in at once and the seats licensed.",
    )

    assert isinstance(svg, SafeString)
    root = parse(svg)
    # A group, not an image: an image's children are presentational, and its days are focusable.
    assert root.get("role") == "group"
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert title.text == "Peak users vs capacity"
    assert desc.text.startswith("Per day")
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert points(root, "circle") == [
        *zip(DAYS, [1.0, 3.0, 2.0, 0.0], strict=True),
        *zip(DAYS, [3.0, 3.0, 3.0, 3.0], strict=True),
    ]
    tooltips = [t.text for t in root.iter(f"{{{NS['svg']}}}title")]
    assert "Mar 4: Peak users 3" in tooltips
    assert len(root.findall(".//svg:polyline", NS)) == 2
    assert root.findall(".//svg:polyline", NS)[1].get("stroke-dasharray")


def test_higher_values_are_drawn_higher():
    root = parse(line_chart_svg(DAYS, [Series("Peak", [1, 3, 2, 0])], title="Peak"))
    ys = [float(c.get("cy")) for c in root.iter(f"{{{NS['svg']}}}circle")]

    assert ys[1] < ys[2] < ys[0] < ys[3]


def test_bar_chart_has_one_bar_per_day_with_its_value():
    svg = bar_chart_svg(DAYS, [0, 5, 2, 0], title="Refused sign-ins", unit="refused")

    root = parse(svg)
    assert points(root, "rect") == list(zip(DAYS, [0.0, 5.0, 2.0, 0.0], strict=True))
    heights = [float(r.get("height")) for r in root.iter(f"{{{NS['svg']}}}rect")]
    assert heights[0] == 0 and heights[1] > heights[2] > 0
    assert "Mar 5: 2 refused" in [t.text for t in root.iter(f"{{{NS['svg']}}}title")]


def test_text_is_escaped():
    svg = bar_chart_svg(['<script>"x"</script>'], [1], title="A & B <i>")

    root = parse(svg)
    assert "<script>" not in svg
    assert root.find("svg:title", NS).text == "A & B <i>"
    assert points(root, "rect") == [('<script>"x"</script>', 1.0)]


def test_empty_and_single_point_charts_are_still_valid():
    parse(line_chart_svg([], [Series("Peak", [])], title="Nothing yet"))
    parse(bar_chart_svg([], [], title="Nothing yet"))
    root = parse(line_chart_svg(["Mar 3"], [Series("Peak", [2])], title="One day"))
    assert points(root, "circle") == [("Mar 3", 2.0)]


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError):
        line_chart_svg(DAYS, [Series("Peak", [1, 2])], title="Peak")
    with pytest.raises(ValueError):
        bar_chart_svg(DAYS, [1], title="Refused")


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 1), (1, 1), (3, 5), (7, 10), (13, 20), (24, 25), (160, 200)]
)
def test_nice_ceiling(value, expected):
    assert nice_ceiling(value) == expected
