"""The recommendation in plain words, and the purchase that would close the gap."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from common.text import plural
from sessions_seats.models import LicensePackage

from .report import UsageReport
from .simulator import Simulation


def _refused_phrase(count: int) -> str:
    return "none" if count == 0 else str(count)


def recommendation(report: UsageReport, simulation: Simulation) -> str:
    """The answer to "Do I have enough licenses?" in plain words, from what happened and the
    replay. Numbers of what happened come from the records; the alternatives from the replay."""
    capacity = simulation.actual_capacity
    if capacity == 0:
        return "There is no valid license today, so nobody of this company can sign in."
    seats = plural(capacity, "seat")
    if report.refused == 0:
        return (
            f"With {seats}, no sign-in was refused; at most {report.peak} "
            f"{'person was' if report.peak == 1 else 'people were'} signed in at once."
        )
    # The capacity when people were refused: it may have changed within the period.
    then = max(d.capacity for d in report.days if d.refused)
    verb = "was" if report.refused == 1 else "were"
    sentence = (
        f"With {plural(then, 'seat')}, {plural(report.refused, 'sign-in')} {verb} refused "
        f"on {plural(report.refused_days, 'day')}."
    )
    baseline = simulation.get(capacity, simulation.actual_timeout).refused
    if baseline == 0:
        if then != capacity:
            return f"{sentence} The {capacity} seats of today would have refused none."
        return (
            f"{sentence} Replayed with today's {simulation.actual_timeout}-minute idle timeout, "
            "the same sign-ins would all have found a seat."
        )
    enough = next(
        (
            c
            for c in simulation.capacities
            if c > capacity and simulation.get(c, simulation.actual_timeout).refused == 0
        ),
        None,
    )
    options = []
    if enough is not None:
        options.append(f"{plural(enough, 'seat')} would have refused none")
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
            f"a {best.idle_timeout}-minute idle timeout on {seats} would have refused {_refused_phrase(best.refused)}"
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
    seats_now: int

    @property
    def seats_added(self) -> int:
        return self.package.seats * self.quantity


def suggested_purchase(
    simulation: Simulation, packages: Iterable[LicensePackage] | None = None
) -> Suggestion | None:
    """The purchase that brings today's capacity up to what would have refused nobody with the
    company's idle timeout; None when today's capacity already does (or the catalogue is empty).

    One unit of the smallest package that covers the gap; beyond the largest package, as many of
    the largest as needed. Customers buy packages, not seats, and fewer lines are easier to sell.
    """
    wanted = simulation.needed.get(simulation.actual_timeout, 0)
    gap = wanted - simulation.actual_capacity
    if gap <= 0:
        return None
    catalogue = sorted(
        LicensePackage.objects.all() if packages is None else packages, key=lambda p: p.seats
    )
    if not catalogue:
        return None
    covering = next((p for p in catalogue if p.seats >= gap), None)
    if covering is not None:
        package, quantity = covering, 1
    else:
        package = catalogue[-1]
        quantity = -(-gap // package.seats)
    return Suggestion(package, quantity, wanted, simulation.actual_capacity)
