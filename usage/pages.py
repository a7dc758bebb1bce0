"""The usage report and seat ledger pages' shared parts: the period and filter forms, and what a
page shows. Staff (admin) and company admins (portal) see the same numbers; each side only checks
who may see which company, then calls these. The report's JSON download is built from the same
UsagePage as the page (`usage.report_json`), so the two cannot disagree.

Days and times are the company's, in its time zone (`accounts.time_zones.zone_of`), whoever looks:
an account manager in London reads a Tokyo customer's days as the customer lives them.

The number of queries of a page is fixed: the report and the simulator aggregate or stream, and the
ledger page counts per kind and reads only from the nearer end as far as the page it shows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from itertools import islice

from django import forms
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.formats import date_format
from django.utils.safestring import SafeString

from accounts.models import Company
from accounts.time_zones import zone_name_of, zone_of
from common.csv_export import csv_download
from sessions_seats.models import Entitlement, LicensePackage

from .charts import Series, bar_chart_svg, line_chart_svg
from .forms import DEFAULT_DAYS
from .ledger import LedgerEvent, ledger, ledger_count, ledger_csv_lines, ledger_time_zone
from .periods import default_period
from .recommendation import Suggestion, capacity_phrase, recommendation, suggested_purchase
from .report import HourOfWeek, UsageReport, usage_report
from .simulator import Simulation, simulate

LEDGER_PER_PAGE = 50
# A ledger page reads every event between it and the nearer end of the ledger (the streams have
# no cheap offset), so only the first and the last this many pages are shown: 10,000 events from
# either end is more than anyone pages through; the CSV has the rest.
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

    @property
    def time_zone_name(self) -> str:
        """The zone of the report's days and hours, e.g. "Asia/Tokyo"."""
        return zone_name_of(self.company)


def default_usage_period(
    company: Company, *, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """The report's period when none is asked for: the last DEFAULT_DAYS days, from the company's
    first entitlement if that is more recent."""
    first_day = (
        Entitlement.objects.filter(company=company)
        .order_by("starts_on")
        .values_list("starts_on", flat=True)
        .first()
    )
    return default_period(DEFAULT_DAYS, first_day=first_day, today=today, tz=zone_of(company))


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


# --- Seat ledger ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerPage:
    events: list[LedgerEvent]
    number: int  # the page shown
    per_page: int
    total: int  # events matching the filters, on every page
    newest_first: bool
    time_zone: datetime.tzinfo
    # The page asked for: past the last page, the last page is shown and says so.
    asked: int = 1
    # Too far from both ends to read (see LEDGER_MAX_PAGE): nothing was read, the view answers 404.
    beyond_reach: bool = False
    # Fewer events than the period holds because of the person or kind filters.
    narrowed: bool = False
    max_page: int = LEDGER_MAX_PAGE

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def past_last(self) -> bool:
        return self.asked > self.number and self.total > 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.page_count

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.events) - 1

    @property
    def total_label(self) -> str:
        """ "1,234 entries", "1 entry"."""
        return f"{self.total:,} {'entry' if self.total == 1 else 'entries'}"

    @property
    def time_zone_name(self) -> str:
        return str(self.time_zone)

    @property
    def links(self) -> list[int | None]:
        """The page numbers to link to, None where an ellipsis stands for the pages left out."""
        return page_links(self.number, self.page_count, max_page=self.max_page)


def within_reach(number: int, page_count: int, max_page: int) -> bool:
    """Whether a page is among the first or last `max_page` pages, which are read from the end
    they are nearer to."""
    return min(number - 1, page_count - number) < max_page


def page_links(
    current: int, page_count: int, *, around: int = 2, max_page: int = LEDGER_MAX_PAGE
) -> list[int | None]:
    """The first and last pages, and `around` pages either side of the current one; None for a
    run of pages left out. A single page left out is shown rather than an ellipsis."""
    wanted = {1, page_count, *range(current - around, current + around + 1)}
    numbers = sorted(
        n for n in wanted if 1 <= n <= page_count and within_reach(n, page_count, max_page)
    )
    links: list[int | None] = []
    before = 0
    for n in numbers:
        if before and n - before == 2 and within_reach(n - 1, page_count, max_page):
            links.append(n - 1)
        elif before and n - before >= 2:
            links.append(None)
        links.append(n)
        before = n
    return links


# Page numbers longer than this are past the last page of any ledger; they are never parsed.
_PAGE_DIGITS = 9


def page_number(value: str | None) -> int:
    """The page asked for: anything but a positive whole number is the first page; a number of
    any length is safe (a page past the last one shows the last one)."""
    text = (value or "").strip()
    if not text.isdecimal():
        return 1
    if len(text.lstrip("0")) > _PAGE_DIGITS:
        return 10**_PAGE_DIGITS
    return max(1, int(text))


def ledger_page(
    company: Company, *, filters: dict, number: int, per_page: int | None = None
) -> LedgerPage:
    """One page of the company's ledger, in the order the filters ask for (newest first unless
    they say otherwise).

    The ledger is a time-ordered merge of streams: the total is counted per kind, and a page is
    read from whichever end of the ledger it is nearer to, never the whole period. Pages further
    than LEDGER_MAX_PAGE from both ends are not read at all: the CSV has them.
    """
    per_page = per_page or LEDGER_PER_PAGE
    newest_first = filters.get("newest_first", False)
    total = ledger_count(company, **filters)
    page = LedgerPage(
        [],
        number=number,
        per_page=per_page,
        total=total,
        newest_first=newest_first,
        time_zone=ledger_time_zone(company),
        asked=number,
        narrowed=bool(filters.get("user") or filters.get("kinds")),
        max_page=LEDGER_MAX_PAGE,
    )
    page = replace(page, number=min(number, page.page_count))
    if not within_reach(page.number, page.page_count, LEDGER_MAX_PAGE):
        return replace(page, beyond_reach=True)
    first = (page.number - 1) * per_page
    stop = min(first + per_page, total)
    if total - stop < first:
        # Nearer the other end: read the ledger the other way round, up to this page.
        backwards = {**filters, "newest_first": not newest_first}
        from_end = ledger(company, **backwards, limit=total - first)
        events = list(islice(from_end, total - stop, total - first))
        events.reverse()
    else:
        events = list(islice(ledger(company, **filters, limit=stop), first, stop))
    return replace(page, events=events)


def ledger_csv_response(company: Company, *, filters: dict) -> StreamingHttpResponse:
    """The whole filtered ledger as CSV, streamed row by row, in the order the page shows. Times
    carry their offset; the file's name names their zone, e.g. "…-Asia-Tokyo.csv"."""
    zone = ledger_time_zone(company)
    period = f"{filters['start']:%Y%m%d}-{filters['end']:%Y%m%d}"
    name = f"seat-ledger-{company.slug}-{period}-{str(zone).replace('/', '-')}.csv"
    lines = ledger_csv_lines(ledger(company, **filters), time_zone=zone)
    return csv_download(lines, name)


def invalid_filters_response(form: forms.Form) -> HttpResponse:
    """A download has no page to show errors on: say what is wrong in plain text, with 400."""
    text = "; ".join(str(message) for errors in form.errors.values() for message in errors)
    return HttpResponse(
        f"Invalid filters: {text}", status=400, content_type="text/plain; charset=utf-8"
    )
