"""The usage report as JSON: built from the same UsagePage as the page (`usage.pages`), so the
download and the page cannot disagree."""

from __future__ import annotations

import datetime

from django import forms
from django.http import JsonResponse
from django.template.defaultfilters import floatformat

from accounts.models import Company

from .pages import UsagePage, usage_page


def _hours(value: float) -> float:
    # As the page shows it (`floatformat:1`), so both say the same number.
    return float(floatformat(value, 1))


def usage_data(page: UsagePage) -> dict:
    """The usage report as data, for the JSON download: the same numbers as the page, from the
    same UsagePage. Days are dates of the company's time zone, which `time_zone` names; seat-hours
    are rounded as the page rounds them."""
    report, simulation, suggestion = page.report, page.simulation, page.suggestion
    return {
        "company": {"id": page.company.pk, "name": page.company.name, "slug": page.company.slug},
        "time_zone": page.time_zone_name,
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
