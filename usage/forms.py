"""The forms of the usage pages: a period of whole days, and the ledger's filters."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.formats import date_format

from accounts.models import Company, User
from accounts.time_zones import zone_of

from .ledger import LedgerKind
from .periods import last_days, today_in

DEFAULT_DAYS = 30
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
    """A period of whole days, both included, in the time zone of `company` (without one, the
    current zone)."""

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

    def __init__(
        self,
        data: QueryDict | dict[str, Any] | None = None,
        *,
        default: Callable[[], tuple[datetime.date, datetime.date]] | None = None,
        company: Company | None = None,
        **kwargs,
    ) -> None:
        # "Today" is the company's: in Tokyo the next day starts nine hours before it does in UTC.
        self.time_zone = zone_of(company) if company is not None else None
        # No period asked for: `default()` (the usage report's starts no earlier than the
        # company's first entitlement), else the last 30 days; bound, so the page can use it at
        # once. A callable, so that it costs nothing when the period is given.
        if data is None or not any(data.get(name) for name in ("start", "end")):
            start, end = (
                default() if default is not None else last_days(DEFAULT_DAYS, tz=self.time_zone)
            )
            data = data.copy() if data is not None else {}  # a QueryDict copy is mutable
            data["start"], data["end"] = start.isoformat(), end.isoformat()
        super().__init__(data, **kwargs)

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None:
            return cleaned
        today = today_in(self.time_zone)
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


NEWEST_FIRST = "newest"
OLDEST_FIRST = "oldest"


class LedgerFilterForm(PeriodForm):
    """The ledger's filters: a period, one of the company's people, some kinds of events, and the
    order (newest first unless the URL says otherwise)."""

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
    order = forms.ChoiceField(
        label="Order",
        choices=[(NEWEST_FIRST, "Newest first"), (OLDEST_FIRST, "Oldest first")],
        required=False,
        error_messages={"invalid_choice": "Choose newest first or oldest first."},
    )

    def __init__(
        self, data: QueryDict | dict[str, Any] | None = None, *, company: Company, **kwargs
    ) -> None:
        super().__init__(data, company=company, **kwargs)
        # Only the company's own people: another company's user id is "not a valid choice".
        user_field = cast("forms.ModelChoiceField[User]", self.fields["user"])
        user_field.queryset = User.objects.filter(company=company).order_by("full_name", "email")

    @property
    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "start": data["start"],
            "end": data["end"],
            "user": data.get("user"),
            "kinds": data.get("kind") or None,
            "newest_first": data.get("order") != OLDEST_FIRST,
        }
