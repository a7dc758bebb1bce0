"""One CSV convention: every field quoted, formulas defused wherever a cell could start, times
carry their offset in the site's zone, numbers stay numbers."""

import csv
import datetime
import io
import re
import zoneinfo
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.csv_export import CELL_SEPARATORS, FORMULA_TRIGGERS, csv_cell, csv_lines

# A User-Agent header as an attacker sends it: a spreadsheet that splits on ";" runs the second
# half.
SPLIT_ON_SEMICOLON_PAYLOAD = "Mozilla/5.0;=cmd|' /C calc'!A0"


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


def test_lines_stream_header_first_with_crlf_and_every_field_quoted():
    assert list(csv_lines(["a", "b"], [[1, "=x"], [None, "y"]])) == [
        '"a","b"\r\n',
        '"1","\'=x"\r\n',
        '"","y"\r\n',
    ]


@pytest.mark.parametrize(
    ("text", "defused"),
    [
        (SPLIT_ON_SEMICOLON_PAYLOAD, "Mozilla/5.0;'=cmd|' /C calc'!A0"),
        ("a|@SUM(1)", "a|'@SUM(1)"),
        ("a,+1+1", "a,'+1+1"),
        ("lost laptop -2+3+cmd", "lost laptop '-2+3+cmd"),
        ("a\t=1", "a\t'=1"),
        ("a\n-1", "a\n'-1"),
        ("x;\t=cmd", "x;'\t'=cmd"),
        # A trigger inside a word starts no cell: names and versions stay as typed.
        ("Jean-Luc Picard", "Jean-Luc Picard"),
        ("Chrome/120.0 x86_64", "Chrome/120.0 x86_64"),
        ("a=b", "a=b"),
    ],
)
def test_a_trigger_after_a_separator_is_defused_too(text, defused):
    assert csv_cell(text) == defused


def test_the_semicolon_payload_stays_text_in_a_spreadsheet_that_splits_on_semicolons():
    [line] = list(csv_lines(["device"], [[SPLIT_ON_SEMICOLON_PAYLOAD]]))[1:]
    [[field]] = list(csv.reader(io.StringIO(line)))

    assert line.startswith('"')
    assert [cell[:1] for cell in field.split(";")] == ["M", "'"]


@given(st.text(alphabet=st.sampled_from([*FORMULA_TRIGGERS, *CELL_SEPARATORS, "a", "1", "'"])))
def test_no_cell_a_spreadsheet_could_split_off_starts_with_a_trigger(text):
    defused = csv_cell(text)

    assert defused.replace("'", "") == text.replace("'", "")
    for cell in re.split(f"[{re.escape(CELL_SEPARATORS)}]", defused):
        assert not cell.startswith(tuple(FORMULA_TRIGGERS))


def test_numbers_and_times_the_app_writes_are_not_guarded(settings):
    settings.TIME_ZONE = "America/New_York"
    # 15:00 UTC is 10:00 in New York: the offset is negative.
    instant = datetime.datetime(2026, 11, 30, 15, 0, tzinfo=datetime.UTC)

    assert csv_cell(instant) == "2026-11-30T10:00:00-05:00"
    assert csv_cell(datetime.date(2026, 11, 30)) == "2026-11-30"
    assert [csv_cell(n) for n in (3, 0, -2, 1.5, Decimal("-0.25"))] == [
        "3",
        "0",
        "-2",
        "1.5",
        "-0.25",
    ]
    [row] = csv.reader(io.StringIO(list(csv_lines(["at", "n"], [[instant, -2]]))[1]))
    assert datetime.datetime.fromisoformat(row[0]) == instant
    assert int(row[1]) == -2


def test_text_that_looks_like_a_number_is_still_text():
    # Only values the app itself computed are numbers; typed text is guarded like any other.
    assert [csv_cell(t) for t in ("-2", "+1", "2026-11-30T10:00:00-05:00")] == [
        "'-2",
        "'+1",
        "2026-11-30T10:00:00-05:00",
    ]
