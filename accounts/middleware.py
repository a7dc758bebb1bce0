"""Pages of a signed-in company user render their times in the company's time zone.

The company is not loaded until a time is shown: requests that show none (status polling,
single sign-on redirects, downloads that name their zone themselves) must not pay a query for it.
Pages that do show one load the company anyway (every portal page names it), so the zone costs
them nothing either. Staff, who belong to no company, keep the site's zone.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import cached_property

from .models import User
from .time_zones import zone_of


class DeferredZone(datetime.tzinfo):
    """A time zone looked up on first use: every method answers as the zone `find` returns."""

    def __init__(self, find: Callable[[], zoneinfo.ZoneInfo]) -> None:
        self._find = find

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return self._find()

    def utcoffset(self, dt: datetime.datetime | None) -> datetime.timedelta | None:
        return self.zone.utcoffset(dt)

    def dst(self, dt: datetime.datetime | None) -> datetime.timedelta | None:
        return self.zone.dst(dt)

    def tzname(self, dt: datetime.datetime | None) -> str | None:
        return self.zone.tzname(dt)

    def fromutc(self, dt: datetime.datetime) -> datetime.datetime:
        # The zone's own conversion (it sets `fold` on a repeated hour), then this zone again so
        # that later arithmetic and formatting of the result keep asking it.
        return self.zone.fromutc(dt.replace(tzinfo=self.zone)).replace(tzinfo=self)

    def __str__(self) -> str:
        return self.zone.key

    def __repr__(self) -> str:
        return f"DeferredZone({self.zone.key!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # A time pickled from a page (a cache, a task argument) carries the real zone.
        return (zoneinfo.ZoneInfo, (self.zone.key,))


class CompanyTimeZoneMiddleware:
    """Activates the signed-in company user's company zone for the request (after
    AuthenticationMiddleware, which provides `request.user`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and isinstance(user, User) and user.company_id):
            return self.get_response(request)
        timezone.activate(DeferredZone(lambda: zone_of(user.own_company)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
