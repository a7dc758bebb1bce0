"""A real Celery worker, consuming from Redis, runs the reaper task sent through the broker."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from foundry_licensing.celery import app
from sessions_seats import tasks
from sessions_seats.models import SeatSession

from ..factories import EntitlementFactory, SeatFactory, SeatSessionFactory, UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_worker_on_redis_reaps_idle_seats_sent_through_the_broker():
    company = EntitlementFactory().company
    idle = SeatSessionFactory(
        seat=SeatFactory(user=UserFactory(company=company)),
        last_activity=timezone.now() - datetime.timedelta(hours=1),
    )
    active = SeatSessionFactory(seat=SeatFactory(user=UserFactory(company=company)))

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        tasks.reap_idle_seats.delay()
        ended = wait_for(lambda: SeatSession.objects.filter(pk=idle.pk, end_reason="idle").exists())

    assert ended, "the worker did not run the reaper within 20 s"
    active.refresh_from_db()
    assert active.ended_at is None
