"""The recommendation in plain words, and the purchase that would close the gap."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.formats import date_format

from common.text import plural
from sessions_seats.models import LicensePackage

from .report import UsageReport
from .simulator import Simulation


def _refused_phrase(count: int) -> str:
    return "none" if count == 0 else str(count)


def _day(day: datetime.date) -> str:
    return date_format(day, "j F")


def capacity_phrase(report: UsageReport) -> str:
    """The capacity across the period: "3 seats", or "3 seats (13 since 20 November)"."""
    if not report.capacity_history:
        return plural(report.capacity, "seat")
    first, *later = report.capacity_history
    text = plural(first.capacity, "seat")
    if later:
        text += f" ({', '.join(f'{span.capacity} since {_day(span.since)}' for span in later)})"
    return text


def _refused_under(report: UsageReport) -> str:
    """Which capacity the refusals happened under, when it changed within the period."""
    if not report.capacity_changed or not report.refused_by_capacity:
        return ""
    if len(report.refused_by_capacity) == 1:
        [(capacity, _)] = report.refused_by_capacity
        return f", {'all ' if report.refused > 1 else ''}with {plural(capacity, 'seat')}"
    return ": " + ", ".join(
        f"{count} with {plural(capacity, 'seat')}" for capacity, count in report.refused_by_capacity
    )


def recommendation(report: UsageReport, simulation: Simulation) -> str:
    """The answer to "Do I have enough licenses?" in plain words, from what happened and the
    replay. Numbers of what happened come from the records, with the capacity they happened
    under; the alternatives from the replay."""
    capacity = simulation.actual_capacity
    if capacity == 0:
        return "There is no valid license today, so nobody of this company can sign in."
    seats = capacity_phrase(report)
    if report.refused == 0:
        return (
            f"With {seats}, no sign-in was refused; at most {report.peak} "
            f"{'person was' if report.peak == 1 else 'people were'} signed in at once."
        )
    verb = "was" if report.refused == 1 else "were"
    sentence = (
        f"With {seats}, {plural(report.refused, 'sign-in')} {verb} refused "
        f"on {plural(report.refused_days, 'day')}{_refused_under(report)}."
    )
    # Today's seats all period, with today's timeout: the same as what happened unless the
    # capacity changed within the period (the replay reproduces what happened).
    baseline = simulation.get(capacity, simulation.actual_timeout).refused
    if baseline == 0:
        if report.capacity_changed:
            return f"{sentence} The {capacity} seats of today would have refused none."
        return (
            f"{sentence} Replayed with today's {simulation.actual_timeout}-minute idle timeout, "
            "the same sign-ins would all have found a seat."
        )
    options = []
    needed = simulation.needed.get(simulation.actual_timeout, 0)
    if needed > capacity:
        options.append(f"{plural(needed, 'seat')} would have refused none")
    shorter = [
        simulation.get(capacity, t)
        for t in simulation.timeouts
        # Better than both the replay of today's setting and what really happened.
        if t < simulation.actual_timeout
        and simulation.get(capacity, t).refused < min(baseline, report.refused)
    ]
    if shorter:
        # Fewest refusals; among equals, the longest timeout (people lose their seat the least).
        best = min(shorter, key=lambda s: (s.refused, -s.idle_timeout))
        options.append(
            f"a {best.idle_timeout}-minute idle timeout on {plural(capacity, 'seat')} "
            f"would have refused {_refused_phrase(best.refused)}"
        )
    if not options:
        return sentence
    text = "; ".join(options)
    return f"{sentence} {text[0].upper()}{text[1:]}."


@dataclass(frozen=True)
class Suggestion:
    """What to ask for, from the simulator: enough seats that nobody would have been refused."""

    package: LicensePackage
    quantity: int
    seats_wanted: int  # the capacity that would have refused nobody
    seats_now: int  # today's capacity, which the purchase adds to

    @property
    def seats_added(self) -> int:
        return self.package.seats * self.quantity

    @property
    def seats_total(self) -> int:
        return self.seats_now + self.seats_added

    @property
    def sentence(self) -> str:
        """What to add, what that makes, and why this purchase: the one wording of the usage
        pages, the JSON and the license request form."""
        added = f"Add {self.quantity} × {self.package.name} ({plural(self.seats_added, 'seat')})"
        if self.seats_now:
            added += f" to today's {plural(self.seats_now, 'seat')} for {self.seats_total} in total"
        return (
            f"{added}: the smallest package combination that reaches the "
            f"{plural(self.seats_wanted, 'seat')} that would have refused nobody."
        )


def suggested_purchase(
    simulation: Simulation, packages: Iterable[LicensePackage] | None = None
) -> Suggestion | None:
    """The purchase that brings today's capacity up to what would have refused nobody with the
    company's idle timeout; None when today's capacity already does (or the catalogue is empty).

    The cheapest line of the catalogue that reaches it: fewest seats over the need, then fewest
    units (5 more seats from packages of 3 and 10 users: 2 × 3 users, one seat over, rather than
    1 × 10 users, five over). Packages carry no price, so seats paid for and not needed are the
    cost; one package per line because a license request names one package and a quantity.
    """
    wanted = simulation.needed.get(simulation.actual_timeout, 0)
    gap = wanted - simulation.actual_capacity
    if gap <= 0:
        return None
    catalogue = list(LicensePackage.objects.all() if packages is None else packages)
    if not catalogue:
        return None

    def cost(package: LicensePackage) -> tuple[int, int, int, str]:
        quantity = -(-gap // package.seats)
        return (quantity * package.seats - gap, quantity, package.seats, package.name)

    package = min(catalogue, key=cost)
    quantity = -(-gap // package.seats)
    return Suggestion(package, quantity, wanted, simulation.actual_capacity)
