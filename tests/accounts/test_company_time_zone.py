"""A company's time zone: only zone names are accepted, blank is the site's zone, and one function
(`accounts.time_zones.zone_of`) says which zone a company's times are in."""

from __future__ import annotations

import datetime
import pickle
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.middleware import DeferredZone
from accounts.time_zones import (
    company_time,
    time_zone_choices,
    validate_time_zone,
    zone_name_of,
    zone_of,
)

from ..factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_a_zone_name_is_accepted(company):
    company.time_zone = "Asia/Tokyo"
    company.full_clean()
    company.save()

    company.refresh_from_db()
    assert zone_of(company) == ZoneInfo("Asia/Tokyo")
    assert zone_name_of(company) == company.zone_name == "Asia/Tokyo"


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "UTC+9", "asia/tokyo ", "../etc/passwd"])
def test_anything_else_is_refused_with_a_message_saying_what_to_enter(company, bad):
    company.time_zone = bad

    with pytest.raises(ValidationError) as refused:
        company.full_clean()

    [message] = refused.value.message_dict["time_zone"]
    assert message == (
        f"“{bad}” is not a time zone this server knows: choose one from the list, "
        "such as Europe/Berlin or America/New_York."
    )


def test_blank_is_the_site_zone_and_follows_a_change_of_it(company, settings):
    assert company.time_zone == ""
    company.full_clean()

    settings.TIME_ZONE = "Europe/Paris"
    assert zone_of(company) == ZoneInfo("Europe/Paris")
    assert zone_name_of(company) == "Europe/Paris"

    settings.TIME_ZONE = "America/Chicago"
    assert zone_name_of(company) == "America/Chicago"


def test_a_company_keeps_its_own_zone_whatever_the_site_zone(settings):
    tokyo = CompanyFactory(time_zone="Asia/Tokyo")
    settings.TIME_ZONE = "Europe/Paris"

    assert zone_name_of(tokyo) == "Asia/Tokyo"


def test_a_zone_the_server_no_longer_knows_falls_back_to_the_site_zone(company, settings):
    settings.TIME_ZONE = "Europe/Paris"
    company.time_zone = "Nowhere/Gone"  # saved when it existed, say

    assert zone_name_of(company) == "Europe/Paris"


def test_the_choices_start_with_the_site_default_then_every_zone_sorted(settings):
    settings.TIME_ZONE = "UTC"

    choices = time_zone_choices()

    assert choices[0] == ("", "Site default (UTC)")
    names = [value for value, _ in choices[1:]]
    assert names == sorted(names)
    assert {"Asia/Tokyo", "America/Los_Angeles", "Europe/Berlin"} <= set(names)
    for name in names:
        validate_time_zone(name)


def test_company_time_renders_and_formats_in_the_company_zone():
    tokyo = CompanyFactory(time_zone="Asia/Tokyo")
    instant = datetime.datetime(2025, 3, 3, 23, 30, tzinfo=datetime.UTC)

    with company_time(tokyo) as zone:
        assert zone == ZoneInfo("Asia/Tokyo")
        assert timezone.get_current_timezone_name() == "Asia/Tokyo"
        assert timezone.localtime(instant).isoformat() == "2025-03-04T08:30:00+09:00"
    assert timezone.get_current_timezone_name() != "Asia/Tokyo"


# --- The zone a request activates, looked up only when a time is shown ---------------------------


def test_a_deferred_zone_asks_for_its_zone_once_and_only_when_used():
    asked = []

    def find() -> ZoneInfo:
        asked.append(1)
        return ZoneInfo("America/Los_Angeles")

    zone = DeferredZone(find)
    assert asked == []

    instant = datetime.datetime(2025, 7, 1, 19, 0, tzinfo=datetime.UTC)
    local = instant.astimezone(zone)
    assert (local.hour, local.utcoffset(), local.tzname()) == (
        12,
        datetime.timedelta(hours=-7),
        "PDT",
    )
    assert str(zone) == "America/Los_Angeles"
    assert local == instant
    assert asked == [1]


def test_a_deferred_zone_keeps_the_repeated_hour_apart():
    zone = DeferredZone(lambda: ZoneInfo("America/Los_Angeles"))
    # 2025-11-02 01:30 happens twice in Los Angeles: at 08:30 and 09:30 UTC.
    first = datetime.datetime(2025, 11, 2, 8, 30, tzinfo=datetime.UTC).astimezone(zone)
    second = datetime.datetime(2025, 11, 2, 9, 30, tzinfo=datetime.UTC).astimezone(zone)

    assert (first.hour, first.minute) == (second.hour, second.minute) == (1, 30)
    assert (first.tzname(), second.tzname()) == ("PDT", "PST")
    assert second.astimezone(datetime.UTC) - first.astimezone(datetime.UTC) == datetime.timedelta(
        hours=1
    )


def test_a_time_in_a_deferred_zone_pickles_with_the_real_zone():
    zone = DeferredZone(lambda: ZoneInfo("Asia/Tokyo"))
    local = datetime.datetime(2025, 3, 3, 23, 30, tzinfo=datetime.UTC).astimezone(zone)

    again = pickle.loads(pickle.dumps(local))

    assert again.tzinfo is ZoneInfo("Asia/Tokyo")
    assert again == local and again.hour == 8
