"""The usage report and seat ledger pages' shared parts: the period and filter forms, and what a
page shows. Staff (admin) and company admins (portal) see the same numbers; each side only checks
who may see which company, then calls these.

The number of queries of a page is fixed: the report and the simulator aggregate or stream, and the
ledger page reads only as far as the page it shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import islice

from django import forms
from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString

from accounts.models import Company, User
from sessions_seats import usage
from sessions_seats.charts import Series, bar_chart_svg, line_chart_svg
from sessions_seats.models import LicensePackage
from sessions_seats.usage import LedgerEvent, LedgerKind, Simulation, UsageReport

from . import ledger as support_ledger
from . import upgrades

DEFAULT_DAYS = 30
LEDGER_PER_PAGE = 50
# A ledger page reads every event before it (the streams have no cheap offset), so pages stop
# here: 10,000 events is more than anyone pages through; the CSV has the rest.
LEDGER_MAX_PAGE = 200
# No seat was ever held before this day. It also keeps day arithmetic far from date.min, where
# turning a local midnight into UTC overflows in zones east of UTC.
EARLIEST_DAY = datetime.date(2000, 1, 1)


def max_period_days() -> int:
    """The longest period a page accepts: the simulator replays it for every package size."""
    return settings.USAGE_REPORT_MAX_DAYS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PeriodForm(forms.Form):
    """A period of whole days in the site's time zone; both days included."""

    start = forms.DateField(
        label="From",
        widget=DateInput(),
        error_messages={"required": "Enter the first day.", "invalid": "Enter a date."},
    )
    end = forms.DateField(
        label="To",
        widget=DateInput(),
        error_messages={"required": "Enter the last day.", "invalid": "Enter a date."},
    )

    def __init__(self, data: Mapping | None = None, **kwargs) -> None:
        # No period asked for: the last 30 days, as a bound form so the page can use it at once.
        if data is None or not any(data.get(name) for name in ("start", "end")):
            start, end = usage.last_days(DEFAULT_DAYS)
            data = data.copy() if data is not None else {}  # a QueryDict copy is mutable
            data["start"], data["end"] = start.isoformat(), end.isoformat()
        super().__init__(data, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None:
            return cleaned
        today = timezone.localdate(timezone=timezone.get_default_timezone())
        if end < start:
            raise forms.ValidationError("The last day is before the first day.")
        if start < EARLIEST_DAY:
            self.add_error("start", f"Choose a day from {date_format(EARLIEST_DAY)} on.")
            return cleaned
        if start > today:
            self.add_error("start", "The period cannot start in the future.")
        days = (end - start).days + 1
        if days > max_period_days():
            raise forms.ValidationError(
                f"Choose at most {max_period_days()} days (this period has {days})."
            )
        return cleaned

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        return self.cleaned_data["start"], self.cleaned_data["end"]


class LedgerFilterForm(PeriodForm):
    """The ledger's filters: a period, one of the company's people, some kinds of events."""

    user = forms.ModelChoiceField(
        label="Person", queryset=User.objects.none(), required=False, empty_label="Everyone"
    )
    kind = forms.MultipleChoiceField(
        label="Events",
        choices=[(kind, LedgerKind.LABELS[kind]) for kind in LedgerKind.ALL],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: every kind.",
    )

    def __init__(self, data: Mapping | None = None, *, company: Company, **kwargs) -> None:
        super().__init__(data, **kwargs)
        # Only the company's own people: another company's user id is "not a valid choice".
        self.fields["user"].queryset = User.objects.filter(company=company).order_by(
            "full_name", "email"
        )

    @property
    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "start": data["start"],
            "end": data["end"],
            "user": data.get("user"),
            "kinds": data.get("kind") or None,
        }


# --- Usage report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulatorCell:
    timeout: int
    refused: int
    refused_days: int
    is_today: bool  # today's capacity and idle timeout


@dataclass(frozen=True)
class SimulatorRow:
    capacity: int
    is_current: bool
    cells: list[SimulatorCell]


@dataclass(frozen=True)
class UsagePage:
    company: Company
    report: UsageReport
    simulation: Simulation
    recommendation: str
    suggestion: upgrades.Suggestion | None
    peak_chart: SafeString
    refusal_chart: SafeString
    busiest: list[usage.HourOfWeek]
    simulator_rows: list[SimulatorRow]

    @property
    def days_over_capacity(self) -> int:
        return sum(1 for day in self.report.days if day.over_capacity)


def _day_label(day: datetime.date) -> str:
    return date_format(day, "M j")


def usage_page(company: Company, *, start: datetime.date, end: datetime.date) -> UsagePage:
    """Everything the usage report page shows for [start, end] (whole days)."""
    report = usage.usage_report(company, start=start, end=end)
    simulation = usage.simulate(company, start=start, end=end)
    labels = [_day_label(day.day) for day in report.days]
    first, last = date_format(start, "DATE_FORMAT"), date_format(end, "DATE_FORMAT")
    peak_chart = line_chart_svg(
        labels,
        [
            Series("Peak concurrent users", [day.peak for day in report.days]),
            Series("Capacity", [day.capacity for day in report.days], dashed=True),
        ],
        title="Peak concurrent users and capacity per day",
        description=(
            f"From {first} to {last}: at most {report.peak} people signed in at once; "
            f"capacity {report.capacity} seats on the last day."
        ),
        chart_id="peak-chart",
    )
    refusal_chart = bar_chart_svg(
        labels,
        [day.refused for day in report.days],
        title="Refused sign-ins per day",
        description=(
            f"From {first} to {last}: {report.refused} sign-ins refused because every seat "
            f"was taken, on {report.refused_days} days."
        ),
        unit="refused",
        chart_id="refusal-chart",
    )
    rows = [
        SimulatorRow(
            capacity=capacity,
            is_current=capacity == simulation.actual_capacity,
            cells=[
                SimulatorCell(
                    timeout=timeout,
                    refused=(scenario := simulation.get(capacity, timeout)).refused,
                    refused_days=scenario.refused_days,
                    is_today=(capacity, timeout)
                    == (simulation.actual_capacity, simulation.actual_timeout),
                )
                for timeout in simulation.timeouts
            ],
        )
        for capacity in simulation.capacities
    ]
    return UsagePage(
        company=company,
        report=report,
        simulation=simulation,
        recommendation=usage.recommendation(report, simulation),
        # The catalogue is read whether or not a purchase is suggested: a fixed number of queries.
        suggestion=upgrades.suggested_purchase(simulation, list(LicensePackage.objects.all())),
        peak_chart=peak_chart,
        refusal_chart=refusal_chart,
        busiest=report.busiest_hours(5),
        simulator_rows=rows,
    )


# --- Seat ledger ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerPage:
    events: list[LedgerEvent]
    number: int
    has_next: bool
    per_page: int
    # Past LEDGER_MAX_PAGE: nothing was read; the page says so and the view answers 404.
    beyond_reach: bool = False
    # The last page there is, with events after it: the page points to narrower filters or the CSV.
    truncated: bool = False
    max_page: int = LEDGER_MAX_PAGE

    @property
    def has_previous(self) -> bool:
        return 1 < self.number <= self.max_page

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.events) - 1


def page_number(value: str | None) -> int:
    """The page asked for: anything but a positive whole number is the first page; any number past
    LEDGER_MAX_PAGE is LEDGER_MAX_PAGE + 1, "beyond reach", so a number of any length is safe."""
    text = (value or "").strip()
    if not text.isdecimal():
        return 1
    if len(text.lstrip("0")) > len(str(LEDGER_MAX_PAGE)):
        return LEDGER_MAX_PAGE + 1  # checked before int(): too many digits is an error there
    return min(max(1, int(text)), LEDGER_MAX_PAGE + 1)


def ledger_page(
    company: Company, *, filters: dict, number: int, per_page: int = LEDGER_PER_PAGE
) -> LedgerPage:
    """One page of the company's ledger, oldest first.

    The ledger is a time-ordered merge of streams, so there is no cheap total: a page reads the
    events up to its own end (and one more, to know whether there is a next page), never the
    whole period.
    """
    if number > LEDGER_MAX_PAGE:
        return LedgerPage([], number, False, per_page, True, max_page=LEDGER_MAX_PAGE)
    events = support_ledger.ledger(company, **filters)
    offset = (number - 1) * per_page
    window = list(islice(events, offset, offset + per_page + 1))
    more = len(window) > per_page
    last = number == LEDGER_MAX_PAGE
    return LedgerPage(
        window[:per_page],
        number,
        more and not last,
        per_page,
        truncated=more and last,
        max_page=LEDGER_MAX_PAGE,
    )


def ledger_csv_response(company: Company, *, filters: dict) -> StreamingHttpResponse:
    """The whole filtered ledger as CSV, streamed row by row."""
    events = support_ledger.ledger(company, **filters)
    response = StreamingHttpResponse(
        usage.ledger_csv_lines(events), content_type="text/csv; charset=utf-8"
    )
    name = f"seat-ledger-{company.slug}-{filters['start']:%Y%m%d}-{filters['end']:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
