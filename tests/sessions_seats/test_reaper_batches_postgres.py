"""The reaper's set-based batch on PostgreSQL (`reaper_sql.end_next_batch`) keeps the guarantees
of `end_sessions`: each session ends once, a seat is released when its last session ends and only
then, a join that holds the company's lock is seen, the counter follows, and the signal is sent
once per batch after the commit. It takes the next candidates after its cursor, up to its size,
leaving those another transaction holds."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Company
from sessions_seats import reaper_sql
from sessions_seats.models import Seat, SeatSession
from sessions_seats.releases import Ended
from sessions_seats.signals import seat_sessions_ended

from ..factories import SeatFactory, SeatSessionFactory, UserFactory
from .test_concurrency_postgres import someone_waits_for_a_lock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LONG_AGO = timezone.now() - datetime.timedelta(hours=2)


def idle_session(seat: Seat) -> SeatSession:
    return SeatSessionFactory(seat=seat, started_at=LONG_AGO, last_activity=LONG_AGO)


def end_batch(session_ids: list[int], reason: str, now: datetime.datetime) -> Ended:
    """One batch whose candidates are these sessions, whatever their state."""
    batch = reaper_sql.end_next_batch(
        SeatSession.objects.filter(pk__in=session_ids), after=0, size=100, reason=reason, now=now
    )
    assert batch is not None
    return batch.ended


def counter(company: Company) -> int:
    return Company.objects.values_list("seats_in_use", flat=True).get(pk=company.pk)


@pytest.fixture
def announced():
    """The (session_ids, reason) of every `seat_sessions_ended` sent during the test."""
    sent: list[tuple[list[int], str]] = []

    def receiver(sender, *, session_ids, reason, **kwargs):
        sent.append((list(session_ids), reason))

    seat_sessions_ended.connect(receiver, dispatch_uid="test_reaper_batches")
    yield sent
    seat_sessions_ended.disconnect(dispatch_uid="test_reaper_batches")


def test_a_seat_keeps_its_other_open_session_and_is_released_with_its_last(company, announced):
    seat = SeatFactory(user=UserFactory(company=company))
    phone, laptop = idle_session(seat), idle_session(seat)
    now = timezone.now()

    first = end_batch([phone.pk], "idle", now)

    assert (first.session_ids, first.released_seat_ids) == ([phone.pk], [])
    assert Seat.objects.get(pk=seat.pk).released_at is None
    assert counter(company) == 1

    second = end_batch([phone.pk, laptop.pk], "idle", now)

    assert (second.session_ids, second.released_seat_ids) == ([laptop.pk], [seat.pk])
    seat.refresh_from_db()
    assert (seat.released_at, seat.release_reason) == (now, "idle")
    assert counter(company) == 0
    assert announced == [([phone.pk], "idle"), ([laptop.pk], "idle")]


def test_both_sessions_idle_in_one_batch_release_the_seat_once(company, announced):
    seat = SeatFactory(user=UserFactory(company=company))
    sessions = [idle_session(seat), idle_session(seat)]
    other = SeatFactory(user=UserFactory(company=company))
    kept = SeatSessionFactory(seat=other)
    now = timezone.now()

    ended = end_batch([s.pk for s in sessions], "idle", now)

    assert ended.released_seat_ids == [seat.pk]
    assert SeatSession.objects.filter(seat=seat, end_reason="idle", ended_at=now).count() == 2
    assert not Session.objects.filter(session_key__in=[s.session_key for s in sessions]).exists()
    assert Session.objects.filter(session_key=kept.session_key).exists()
    assert counter(company) == 1 == Seat.objects.open().filter(company=company).count()
    assert announced == [(sorted(s.pk for s in sessions), "idle")]


def test_an_ended_session_is_not_ended_again(company, announced):
    seat = SeatFactory(user=UserFactory(company=company))
    session = idle_session(seat)
    first_end = timezone.now() - datetime.timedelta(minutes=1)
    end_batch([session.pk], "expired", first_end)

    again = end_batch([session.pk], "idle", timezone.now())

    assert (again.sessions, again.seats) == (0, 0)
    session.refresh_from_db()
    assert (session.ended_at, session.end_reason) == (first_end, "expired")
    assert Seat.objects.get(pk=seat.pk).release_reason == "expired"
    assert announced == [([session.pk], "expired")]


def test_a_session_another_transaction_is_ending_is_skipped_without_waiting(company):
    seat = SeatFactory(user=UserFactory(company=company))
    held, free = idle_session(seat), idle_session(seat)
    locked, done = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_row_lock, args=(held, locked, done))
    holder.start()
    try:
        assert locked.wait(timeout=10)
        start = time.monotonic()
        ended = end_batch([held.pk, free.pk], "idle", timezone.now())
        waited = time.monotonic() - start
    finally:
        done.set()
        holder.join()

    assert ended.session_ids == [free.pk]
    assert ended.released_seat_ids == []  # `held` is still open
    assert waited < 5
    assert SeatSession.objects.get(pk=held.pk).ended_at is None


def test_a_join_committed_while_the_batch_waited_for_the_company_keeps_the_seat(company):
    """A sign-in joining the seat holds the company's lock and inserts its session; the batch ends
    the seat's idle session, waits for that lock, and must then see the new session."""
    seat = SeatFactory(user=UserFactory(company=company))
    idle = idle_session(seat)
    joined = threading.Event()
    outcome: dict[str, object] = {}

    def join() -> None:
        try:
            with transaction.atomic():
                Company.objects.select_for_update(no_key=True).filter(pk=company.pk).exists()
                SeatSessionFactory(seat=seat)
                joined.set()
                outcome["batch_waited"] = someone_waits_for_a_lock()
        finally:
            connection.close()

    joiner = threading.Thread(target=join)
    joiner.start()
    try:
        assert joined.wait(timeout=10)
        ended = end_batch([idle.pk], "idle", timezone.now())
    finally:
        joiner.join()

    assert outcome["batch_waited"] is True
    assert ended.session_ids == [idle.pk]
    assert ended.released_seat_ids == []
    assert Seat.objects.get(pk=seat.pk).released_at is None
    assert SeatSession.objects.open().filter(seat=seat).count() == 1
    assert counter(company) == 1


def hold_row_lock(session: SeatSession, locked: threading.Event, done: threading.Event) -> None:
    """In a thread: lock the session's row, as an ending in another transaction does."""
    try:
        with transaction.atomic():
            SeatSession.objects.select_for_update().filter(pk=session.pk).exists()
            locked.set()
            done.wait(timeout=30)
    finally:
        connection.close()


def test_a_batch_takes_the_next_candidates_up_to_its_size_and_says_where_it_stopped(company):
    sessions = [idle_session(SeatFactory(user=UserFactory(company=company))) for _ in range(5)]
    ids = [s.pk for s in sessions]
    candidates = SeatSession.objects.open()
    now = timezone.now()

    first = reaper_sql.end_next_batch(candidates, after=0, size=2, reason="idle", now=now)
    second = reaper_sql.end_next_batch(
        candidates, after=first.last_read, size=2, reason="idle", now=now
    )

    assert (first.last_read, first.ended.session_ids) == (ids[1], ids[:2])
    assert (second.last_read, second.ended.session_ids) == (ids[3], ids[2:4])
    assert second.ended.released_seat_ids == [s.seat_id for s in sessions[2:4]]
    assert SeatSession.objects.open().get().pk == ids[4]
    assert (
        reaper_sql.end_next_batch(candidates, after=ids[4], size=2, reason="idle", now=now) is None
    )


def test_a_batch_fills_up_past_a_candidate_another_transaction_holds(company):
    sessions = [idle_session(SeatFactory(user=UserFactory(company=company))) for _ in range(3)]
    held = sessions[0]
    locked, done = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_row_lock, args=(held, locked, done))
    holder.start()
    try:
        assert locked.wait(timeout=10)
        batch = reaper_sql.end_next_batch(
            SeatSession.objects.open(), after=0, size=2, reason="idle", now=timezone.now()
        )
    finally:
        done.set()
        holder.join()

    assert batch is not None
    assert batch.ended.session_ids == [sessions[1].pk, sessions[2].pk]
    assert batch.last_read == sessions[2].pk
    assert SeatSession.objects.open().get() == held


def test_a_session_active_again_after_the_batch_read_it_is_left_open(company):
    """The candidates' condition is checked again on a row changed since the statement began: a
    session active again after the batch's snapshot is no longer idle when the batch locks it."""
    seat = SeatFactory(user=UserFactory(company=company))
    session = idle_session(seat)
    cutoff = timezone.now() - datetime.timedelta(hours=1)
    # The batch's scan stops at this advisory lock, after its snapshot and before it locks rows.
    paused = RawSQL("(SELECT true FROM pg_advisory_xact_lock_shared(4242))", [], BooleanField())
    idle = SeatSession.objects.filter(paused, last_activity__lt=cutoff)
    outcome: dict[str, object] = {}

    def run_batch() -> None:
        try:
            outcome["batch"] = reaper_sql.end_next_batch(
                idle, after=0, size=10, reason="idle", now=timezone.now()
            )
        finally:
            connection.close()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(4242)")
        batcher = threading.Thread(target=run_batch)
        batcher.start()
        try:
            assert someone_waits_for_a_lock()
            SeatSession.objects.filter(pk=session.pk).update(last_activity=timezone.now())
        finally:
            cursor.execute("SELECT pg_advisory_unlock(4242)")
            batcher.join()

    assert outcome["batch"] is None
    assert SeatSession.objects.get(pk=session.pk).ended_at is None
    assert Seat.objects.get(pk=seat.pk).released_at is None
    # Left idle, the same batch ends it.
    SeatSession.objects.filter(pk=session.pk).update(last_activity=LONG_AGO)
    ended = reaper_sql.end_next_batch(idle, after=0, size=10, reason="idle", now=timezone.now())
    assert ended is not None and ended.ended.session_ids == [session.pk]
