"""Which time zone a company's days and times are in: the one place that decides it.

Each company may have its own zone (`Company.time_zone`, set by its account manager or support);
blank means the site's (`settings.TIME_ZONE`), so a company that never chose one follows a change
of the site's zone. Reports cut days and hours of the week in it, and pages, exports and emails
show times in it and name it.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
import zoneinfo
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

if TYPE_CHECKING:
    from .models import Company

logger = logging.getLogger(__name__)


@functools.cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this server knows, sorted (read from the zone database once)."""
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(zone_names())


def validate_time_zone(name: str) -> None:
    """Refuse anything but an IANA zone name; blank (the site's zone) is fine."""
    if name and name not in _known():
        raise ValidationError(
            "“%(name)s” is not a time zone this server knows: choose one from the list, "
            "such as Europe/Berlin or America/New_York.",
            code="invalid_time_zone",
            params={"name": name},
        )


def site_zone_name() -> str:
    return settings.TIME_ZONE


def site_today(now: datetime.datetime | None = None) -> datetime.date:
    """The day of `now` (default: now) in the site's zone, whatever zone is active: the day the
    license engine checks entitlements on (before anyone's company is known at sign-in), so that
    a page showing a company's capacity says what sign-ins get."""
    return timezone.localdate(now, timezone=timezone.get_default_timezone())


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The zone of a stored `Company.time_zone` value: blank is the site's zone.

    A name the zone database no longer has (it was valid when saved) falls back to the site's
    zone, logged, rather than failing every page of that company.
    """
    try:
        return zoneinfo.ZoneInfo(name or site_zone_name())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        logger.warning("Unknown time zone %r: using the site's, %s", name, site_zone_name())
        return zoneinfo.ZoneInfo(site_zone_name())


def zone_of(company: Company) -> zoneinfo.ZoneInfo:
    """The zone `company`'s days and times are in."""
    return zone_named(company.time_zone)


def zone_name_of(company: Company) -> str:
    """The name of that zone, e.g. "Asia/Tokyo", as pages and emails show it."""
    return zone_of(company).key


def time_zone_choices() -> list[tuple[str, str]]:
    """For a form's select: the site's zone first (stored as blank), then every zone by name."""
    return [("", f"Site default ({site_zone_name()})"), *((name, name) for name in zone_names())]


@contextlib.contextmanager
def company_time(company: Company) -> Iterator[zoneinfo.ZoneInfo]:
    """Render and format times in `company`'s zone inside the block (Django's current zone)."""
    zone = zone_of(company)
    with timezone.override(zone):
        yield zone
