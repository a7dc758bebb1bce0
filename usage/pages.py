"""The usage report and seat ledger pages' shared parts: the period and filter forms, and what a
page shows. Staff (admin) and company admins (portal) see the same numbers; each side only checks
who may see which company, then calls these. The report's JSON download is built here too, from
the same UsagePage as the page (`usage_data`), so the two cannot disagree.

The number of queries of a page is fixed: the report and the simulator aggregate or stream, and the
ledger page reads only as far as the page it shows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import islice

from django import forms
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format
from django.utils.safestring import SafeString

from accounts.models import Company
from common.csv_export import csv_download
from sessions_seats.models import LicensePackage

from .charts import Series, bar_chart_svg, line_chart_svg
from .forms import DEFAULT_DAYS  # noqa: F401  (the pages' default period, read by tests)
from .ledger import LedgerEvent, ledger, ledger_csv_lines
from .recommendation import Suggestion, capacity_phrase, recommendation, suggested_purchase
from .report import HourOfWeek, UsageReport, usage_report
from .simulator import Simulation, simulate

LEDGER_PER_PAGE = 50
# A ledger page reads every event before it (the streams have no cheap offset), so pages stop
# here: 10,000 events is more than anyone pages through; the CSV has the rest.
LEDGER_MAX_PAGE = 200


# --- Usage report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulatorCell:
    timeout: int
    refused: int
    refused_days: int
    is_today: bool  # today's capacity and idle timeout
    # The company's own setting, with the capacity in force at each moment: what happened.
    is_actual: bool = False


@dataclass(frozen=True)
class SimulatorRow:
    capacity: int | None  # None: the capacity in force at each moment, as it was
    is_current: bool
    cells: list[SimulatorCell]

    @property
    def as_it_was(self) -> bool:
        return self.capacity is None


@dataclass(frozen=True)
class UsagePage:
    company: Company
    start: datetime.date
    end: datetime.date
    report: UsageReport
    simulation: Simulation
    recommendation: str
    suggestion: Suggestion | None
    peak_chart: SafeString
    refusal_chart: SafeString
    busiest: list[HourOfWeek]
    simulator_rows: list[SimulatorRow]

    @property
    def days_over_capacity(self) -> int:
        return sum(1 for day in self.report.days if day.over_capacity)

    @property
    def capacity_phrase(self) -> str:
        """The capacity across the period, "3 seats (13 since 20 November)"."""
        return capacity_phrase(self.report)


def _day_label(day: datetime.date) -> str:
    return date_format(day, "M j")


def usage_page(company: Company, *, start: datetime.date, end: datetime.date) -> UsagePage:
    """Everything the usage report page shows for [start, end] (whole days)."""
    report = usage_report(company, start=start, end=end)
    simulation = simulate(company, start=start, end=end)
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
    return UsagePage(
        company=company,
        start=start,
        end=end,
        report=report,
        simulation=simulation,
        recommendation=recommendation(report, simulation),
        # The catalogue is read whether or not a purchase is suggested: a fixed number of queries.
        suggestion=suggested_purchase(simulation, list(LicensePackage.objects.all())),
        peak_chart=peak_chart,
        refusal_chart=refusal_chart,
        busiest=report.busiest_hours(5),
        simulator_rows=simulator_rows(simulation),
    )


def simulator_rows(simulation: Simulation) -> list[SimulatorRow]:
    """The simulator's table: a row per capacity held all period, and first, when the capacity
    changed within the period, the row of the capacity as it was (the only one whose cell of
    today's timeout is what happened)."""
    today = (simulation.actual_capacity, simulation.actual_timeout)
    varies = simulation.capacity_varies
    capacities: list[int | None] = [*([None] if varies else []), *simulation.capacities]
    return [
        SimulatorRow(
            capacity=capacity,
            is_current=capacity == simulation.actual_capacity,
            cells=[
                SimulatorCell(
                    timeout=timeout,
                    refused=(scenario := simulation.get(capacity, timeout)).refused,
                    refused_days=scenario.refused_days,
                    is_today=(capacity, timeout) == today,
                    is_actual=timeout == simulation.actual_timeout
                    and capacity == (None if varies else simulation.actual_capacity),
                )
                for timeout in simulation.timeouts
            ],
        )
        for capacity in capacities
    ]


def _hours(value: float) -> float:
    # As the page shows it (`floatformat:1`), so both say the same number.
    return float(floatformat(value, 1))


def usage_data(page: UsagePage) -> dict:
    """The usage report as data, for the JSON download: the same numbers as the page, from the
    same UsagePage. Days are site-local dates; seat-hours are rounded as the page rounds them."""
    report, simulation, suggestion = page.report, page.simulation, page.suggestion
    return {
        "company": {"id": page.company.pk, "name": page.company.name, "slug": page.company.slug},
        "period": {"start": page.start.isoformat(), "end": page.end.isoformat()},
        "summary": {
            "peak": report.peak,
            "capacity_today": report.capacity,
            "refused": report.refused,
            "refused_days": report.refused_days,
            "refused_people": report.refused_people,
            "refused_other": report.refused_other,
            "seat_hours_used": _hours(report.seat_hours_used),
            "seat_hours_idle": _hours(report.seat_hours_idle),
        },
        "capacity_history": [
            {"since": span.since.isoformat(), "capacity": span.capacity}
            for span in report.capacity_history
        ],
        "refused_by_capacity": [
            {"capacity": capacity, "refused": count}
            for capacity, count in report.refused_by_capacity
        ],
        "recommendation": page.recommendation,
        "suggestion": None
        if suggestion is None
        else {
            "package": suggestion.package.name,
            "package_seats": suggestion.package.seats,
            "quantity": suggestion.quantity,
            "seats_added": suggestion.seats_added,
            "seats_now": suggestion.seats_now,
            "seats_total": suggestion.seats_total,
            "seats_needed": suggestion.seats_wanted,
            "text": suggestion.sentence,
        },
        "days": [
            {
                "day": day.day.isoformat(),
                "peak": day.peak,
                "capacity": day.capacity,
                "seat_hours": _hours(day.seat_hours),
                "refused": day.refused,
            }
            for day in report.days
        ],
        "simulator": {
            "attempts": simulation.attempts,
            "capacity_today": simulation.actual_capacity,
            "idle_timeout_today": simulation.actual_timeout,
            "idle_timeouts": list(simulation.timeouts),
            "capacity_varies": simulation.capacity_varies,
            # capacity null: the capacity in force at each moment (see capacity_history).
            "cells": [
                {
                    "capacity": row.capacity,
                    "idle_timeout": cell.timeout,
                    "refused": cell.refused,
                    "refused_days": cell.refused_days,
                    "today": cell.is_today,
                    "what_happened": cell.is_actual,
                }
                for row in page.simulator_rows
                for cell in row.cells
            ],
        },
    }


def usage_json_response(
    company: Company, *, start: datetime.date, end: datetime.date
) -> JsonResponse:
    """The usage report of [start, end] as a JSON download."""
    response = JsonResponse(
        usage_data(usage_page(company, start=start, end=end)), json_dumps_params={"indent": 2}
    )
    name = f"usage-{company.slug}-{start:%Y%m%d}-{end:%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def invalid_period_json_response(form: forms.Form) -> JsonResponse:
    """A JSON download of an invalid period: the form's errors, as JSON, with 400."""
    return JsonResponse({"errors": form.errors.get_json_data()}, status=400)


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
    events = ledger(company, **filters)
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
    name = f"seat-ledger-{company.slug}-{filters['start']:%Y%m%d}-{filters['end']:%Y%m%d}.csv"
    return csv_download(ledger_csv_lines(ledger(company, **filters)), name)


def invalid_filters_response(form: forms.Form) -> HttpResponse:
    """A download has no page to show errors on: say what is wrong in plain text, with 400."""
    text = "; ".join(str(message) for errors in form.errors.values() for message in errors)
    return HttpResponse(
        f"Invalid filters: {text}", status=400, content_type="text/plain; charset=utf-8"
    )
