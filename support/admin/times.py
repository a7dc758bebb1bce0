"""Naming the time zone of the times a staff page shows: a time without its zone is read as the
reader's own, which for support on another continent is hours wrong."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy

if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object


def zone_name() -> str:
    """The zone the page's times are rendered in (Django renders in the current time zone)."""
    return timezone.get_current_timezone_name()


def _in_zone(label: str) -> str:
    return f"{label} ({zone_name()})"


# Column headers are declared once on the class but read per request, so the zone is looked up
# when the header is rendered, not when the module is imported.
in_zone = lazy(_in_zone, str)


def time_with_zone(moment: datetime.datetime) -> str:
    """A time of day with its zone, e.g. "14:05 UTC"."""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'TIME_FORMAT')} {zone_name()}"


def time_zone_note() -> str:
    return f"Times are in {zone_name()}."


class NamesTimeZoneMixin(_AdminBase):
    """For ModelAdmins whose record pages show times: the page says which zone they are in
    (templates/admin/change_form.html shows `time_zone_note` above the form)."""

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        context["time_zone_note"] = time_zone_note()
        return super().render_change_form(request, context, add, change, form_url, obj)
