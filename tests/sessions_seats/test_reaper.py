"""The reaper ends idle, expired and unlicensed seat sessions, each exactly once."""

import datetime

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from sessions_seats import reaper, tasks
from sessions_seats.models import Seat, SeatSession

from ..factories import (
    CompanyFactory,
    EntitlementFactory,
    PackageFactory,
    SeatFactory,
    SeatSessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def minutes_ago(minutes: float) -> datetime.datetime:
    return NOW - datetime.timedelta(minutes=minutes)


def open_session(company, idle_minutes: float, seat=None) -> SeatSession:
    seat = seat or SeatFactory(user=UserFactory(company=company))
    return SeatSessionFactory(
        seat=seat, started_at=minutes_ago(idle_minutes + 1), last_activity=minutes_ago(idle_minutes)
    )


def test_idle_sessions_are_ended_and_their_seats_released(company):
    idle = open_session(company, 31)
    active = open_session(company, 29)

    report = reaper.reap_idle_seats(now=NOW)

    assert report.sessions == {"license": 0, "expired": 0, "idle": 1}
    assert report.seats_released == 1
    idle.refresh_from_db()
    assert (idle.end_reason, idle.ended_at) == ("idle", NOW)
    assert idle.seat.release_reason == "idle"
    assert not Session.objects.filter(session_key=idle.session_key).exists()
    active.refresh_from_db()
    assert active.ended_at is None
    assert Session.objects.filter(session_key=active.session_key).exists()


def test_company_idle_timeout_overrides_the_default(company, settings):
    settings.SEAT_IDLE_TIMEOUT_MINUTES = 30
    strict = CompanyFactory(idle_timeout=10)
    EntitlementFactory(company=strict)
    lenient = CompanyFactory(idle_timeout=120)
    EntitlementFactory(company=lenient)
    ended = [open_session(strict, 11), open_session(company, 31)]
    kept = [open_session(strict, 9), open_session(lenient, 119), open_session(company, 29)]

    reaper.reap_idle_seats(now=NOW)

    assert {s.pk for s in SeatSession.objects.filter(end_reason="idle")} == {s.pk for s in ended}
    assert all(SeatSession.objects.get(pk=s.pk).ended_at is None for s in kept)


def test_seat_with_another_active_device_stays_held(company):
    phone = open_session(company, 40)
    laptop = open_session(company, 1, seat=phone.seat)

    reaper.reap_idle_seats(now=NOW)

    phone.refresh_from_db()
    laptop.refresh_from_db()
    assert phone.end_reason == "idle"
    assert laptop.ended_at is None
    assert phone.seat.released_at is None


def test_sessions_whose_django_session_is_gone_end_as_expired(company):
    deleted = open_session(company, 1)
    Session.objects.filter(session_key=deleted.session_key).delete()
    past_expiry = open_session(company, 1)
    Session.objects.filter(session_key=past_expiry.session_key).update(expire_date=minutes_ago(1))
    live = open_session(company, 1)

    report = reaper.reap_idle_seats(now=NOW)

    assert report.sessions["expired"] == 2
    assert set(SeatSession.objects.filter(end_reason="expired").values_list("pk", flat=True)) == {
        deleted.pk,
        past_expiry.pk,
    }
    assert Seat.objects.get(pk=deleted.seat_id).release_reason == "expired"
    live.refresh_from_db()
    assert live.ended_at is None


def test_more_gone_sessions_than_a_batch_all_end_as_expired(db):
    company = EntitlementFactory(package=PackageFactory(seats=10)).company
    gone = [open_session(company, 1) for _ in range(5)]
    Session.objects.filter(session_key__in=[s.session_key for s in gone]).delete()
    live = open_session(company, 1)

    report = reaper.reap_idle_seats(now=NOW, batch_size=2)

    assert report.sessions["expired"] == 5
    assert report.seats_released == 5
    assert set(SeatSession.objects.filter(end_reason="expired").values_list("pk", flat=True)) == {
        s.pk for s in gone
    }
    live.refresh_from_db()
    assert live.ended_at is None


def test_sessions_of_a_company_without_valid_license_end_as_license(company):
    unlicensed = CompanyFactory()
    EntitlementFactory(
        company=unlicensed, ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    inactive = CompanyFactory(is_active=False)
    EntitlementFactory(company=inactive)
    ended = [open_session(unlicensed, 0), open_session(unlicensed, 2), open_session(inactive, 0)]
    licensed = open_session(company, 0)

    report = reaper.reap_idle_seats(now=NOW)

    assert report.sessions["license"] == 3
    assert report.seats_released == 3
    assert {s.pk for s in SeatSession.objects.filter(end_reason="license")} == {s.pk for s in ended}
    licensed.refresh_from_db()
    assert licensed.ended_at is None


def test_reaping_twice_ends_nothing_more(company):
    for _ in range(3):
        open_session(company, 60)

    first = reaper.reap_idle_seats(now=NOW)
    second = reaper.reap_idle_seats(now=NOW)

    assert first.total_sessions == 3
    assert second.total_sessions == 0
    assert SeatSession.objects.filter(end_reason="idle", ended_at=NOW).count() == 3


def test_reaper_works_in_batches(db):
    company = EntitlementFactory(package=PackageFactory(seats=10)).company
    for _ in range(7):
        open_session(company, 60)

    report = reaper.reap_idle_seats(now=NOW, batch_size=2)

    assert report.sessions["idle"] == 7
    assert report.seats_released == 7


def test_ended_seat_keeps_its_history(company):
    session = open_session(company, 60)

    reaper.reap_idle_seats(now=NOW)

    seat = Seat.objects.get(pk=session.seat_id)
    assert seat.claimed_at is not None
    assert seat.released_at == NOW
    assert SeatSession.objects.filter(pk=session.pk).exists()


def test_reap_seats_command_prints_what_it_ended(company, capsys):
    open_session(company, 60)
    open_session(company, 61)

    call_command("reap_seats")

    out = capsys.readouterr().out
    assert "idle: 2 sessions ended" in out
    assert "Ended 2 seat sessions (2 idle); released 2 seats." in out


def test_reap_seats_command_rejects_a_bad_batch_size(db):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("reap_seats", "--batch-size", "0")


def test_celery_task_runs_the_reaper(company):
    open_session(company, 60)

    result = tasks.reap_idle_seats.apply().get()

    assert result == {"license": 0, "expired": 0, "idle": 1, "seats_released": 1}


def test_seats_over_a_reduced_capacity_end_longest_idle_first(db):
    company = CompanyFactory()
    EntitlementFactory(company=company, package=PackageFactory(seats=3))
    ending = EntitlementFactory(company=company, package=PackageFactory(seats=3))
    sessions = {idle: open_session(company, idle) for idle in (1, 2, 3, 10, 20, 25)}
    ending.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    ending.starts_on = ending.ends_on - datetime.timedelta(days=30)
    ending.save()

    report = reaper.reap_idle_seats(now=NOW)

    assert report.sessions["license"] == 3
    ended = set(SeatSession.objects.filter(end_reason="license").values_list("pk", flat=True))
    assert ended == {sessions[idle].pk for idle in (10, 20, 25)}
    assert Seat.objects.filter(company=company, released_at__isnull=True).count() == 3
    assert reaper.reap_idle_seats(now=NOW).total_sessions == 0


def test_a_seat_on_two_devices_counts_its_most_recent_activity(db):
    company = CompanyFactory()
    EntitlementFactory(company=company, package=PackageFactory(seats=1))
    busy_phone = open_session(company, 25)
    open_session(company, 0, seat=busy_phone.seat)  # the same person, active on a laptop
    quiet = open_session(company, 5)

    reaper.reap_idle_seats(now=NOW)

    assert Seat.objects.get(pk=quiet.seat_id).release_reason == "license"
    assert Seat.objects.get(pk=busy_phone.seat_id).released_at is None


def test_a_cached_session_store_loses_the_ended_sessions_from_its_cache_too(company, settings):
    """Where the table is not the whole store, the reaper asks the store to delete each key, so
    a copy in the cache cannot keep the browser signed in."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    idle = open_session(company, 60)
    assert cache.get(SessionStore.cache_key_prefix + idle.session_key) is not None

    report = reaper.reap_idle_seats(now=NOW)

    assert report.sessions["idle"] == 1
    assert cache.get(SessionStore.cache_key_prefix + idle.session_key) is None
    assert not Session.objects.filter(session_key=idle.session_key).exists()
