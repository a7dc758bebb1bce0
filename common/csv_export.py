"""CSV downloads: one writer, one guard against spreadsheet formulas, one time convention.

Times are ISO 8601 with their UTC offset, in the zone the caller names (a company's exports pass
the company's), so a cell reads the same in any spreadsheet and still names the instant exactly.
Without one they are in the current zone when the row is written: a streamed download writes its
rows after the view has returned, so an export that must follow a zone names it.

Every field is quoted. Text (names, reasons, user agents: typed by people) is defused: a
spreadsheet runs a cell that starts like a formula, and one that splits a field on `;`, `|`, tabs
or spaces (a text import with another delimiter) starts a new cell after each of them, so a
trigger is made text wherever a cell could start. Numbers and times are written by the app
itself, never guarded: a quote would turn a count or an offset such as -05:00 into text.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

# What makes a spreadsheet read a cell as a formula (or, for tab and CR, what it may skip before
# reading one), and what a text import may split a field on. A single quote before the trigger
# makes the cell text, and spreadsheets do not show it.
FORMULA_TRIGGERS = "=+-@\t\r"
CELL_SEPARATORS = ",;| \t\r\n"
_TRIGGER_AT_CELL_START = re.compile(
    f"(?:^|(?<=[{re.escape(CELL_SEPARATORS)}]))(?=[{re.escape(FORMULA_TRIGGERS)}])"
)


def defuse_formulas(text: str) -> str:
    """`text` with a single quote before every formula trigger that could start a cell."""
    return _TRIGGER_AT_CELL_START.sub("'", text)


def csv_cell(value: object, time_zone: datetime.tzinfo | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value, time_zone).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return defuse_formulas(str(value))


class _Echo:
    """A file-like that hands back what csv.writer writes, so rows stream one by one."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    time_zone: datetime.tzinfo | None = None,
) -> Iterator[str]:
    """CSV lines, header first, each ending in CRLF, for a streaming response or a file; times
    in `time_zone` (None: the current one)."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_cell(value, time_zone) for value in row])


def csv_download(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
