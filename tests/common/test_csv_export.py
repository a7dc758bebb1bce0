"""One CSV convention: formulas are defused, times carry their offset in the site's zone."""

import datetime
import zoneinfo

from common.csv_export import csv_cell, csv_lines


def test_cells_that_look_like_formulas_are_quoted_as_text():
    assert [csv_cell(v) for v in ("=SUM(A1)", "+1", "-2", "@x", "\tx", "plain")] == [
        "'=SUM(A1)",
        "'+1",
        "'-2",
        "'@x",
        "'\tx",
        "plain",
    ]
    assert csv_cell(None) == ""
    assert csv_cell(3) == "3"


def test_times_are_iso_with_the_offset_of_the_site_time_zone(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    instant = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=datetime.UTC)

    assert csv_cell(instant) == "2026-07-01T12:00:00+02:00"
    assert datetime.datetime.fromisoformat(csv_cell(instant)) == instant.astimezone(
        zoneinfo.ZoneInfo("Europe/Amsterdam")
    )


def test_lines_stream_header_first_with_crlf():
    assert list(csv_lines(["a", "b"], [[1, "=x"], [None, "y"]])) == [
        "a,b\r\n",
        "1,'=x\r\n",
        ",y\r\n",
    ]
