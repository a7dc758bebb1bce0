"""No logout is lost: a delivery that was never queued, or whose worker died, is sent again by the
sweep; an attempt runs once at a time, never after a success, and never past the bound."""

from __future__ import annotations

import datetime
import time

import pytest
from django.contrib.admin.utils import display_for_value
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from foundry_licensing.celery import app as celery_app
from sessions_seats.models import EndReason
from sessions_seats.services import end_sessions
from single_sign_on import delivery, tasks
from single_sign_on.models import AppSession, BackchannelDelivery
from tests.factories import SeatSessionFactory
from tests.sessions_seats.test_concurrency_postgres import run_together

from .conftest import register
from .logout_receiver import validated_logout_token

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

OVERDUE = delivery.STALLED_AFTER + datetime.timedelta(seconds=1)


@pytest.fixture
def planner_at(backchannel, logout_receiver):
    return register(backchannel_logout_uri=logout_receiver.url())


def _app_session(app) -> AppSession:
    return AppSession.objects.create(
        seat_session=SeatSessionFactory(), application=app.registered.application
    )


def _owed(app, **fields) -> BackchannelDelivery:
    """A delivery owed to `app` for an ended app session, as `backchannel` records one."""
    app_session = _app_session(app)
    app_session.ended_at = timezone.now()
    app_session.save()
    return BackchannelDelivery.objects.create(
        app_session=app_session,
        application=app_session.application,
        sid="sid-of-the-seat-session",
        sub=str(app_session.seat_session.seat.user_id),
        uri=app.registered.application.sso_settings.backchannel_logout_uri,
        **fields,
    )


def _age(sent: BackchannelDelivery, by: datetime.timedelta) -> None:
    """As if `by` had passed since the delivery's next attempt was set."""
    BackchannelDelivery.objects.filter(pk=sent.pk).update(next_attempt_at=F("next_attempt_at") - by)


def test_a_logout_ended_while_the_broker_was_down_is_sent_by_the_sweep(
    planner_at, backchannel, logout_receiver, django_capture_on_commit_callbacks, caplog
):
    backchannel.broker_down = True
    with django_capture_on_commit_callbacks(execute=True):
        end_sessions([_app_session(planner_at).seat_session_id], EndReason.LOGOUT)
    sent = BackchannelDelivery.objects.get()
    assert (sent.status, sent.attempts, logout_receiver.received) == ("open", 0, [])
    backchannel.broker_down = False

    # Within the grace period the normal path may still be about to send it: left alone.
    assert tasks.resend_stalled_backchannel_logouts.apply().get() == 0
    _age(sent, OVERDUE)
    with caplog.at_level("INFO", logger="single_sign_on.tasks"):
        assert tasks.resend_stalled_backchannel_logouts.apply().get() == 1

    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.next_attempt_at) == ("delivered", 1, None)
    [post] = logout_receiver.received
    claims = validated_logout_token(post.logout_token, planner_at)
    assert (claims["sid"], claims["sub"]) == (sent.sid, sent.sub)
    assert "Re-queued 1 stalled back-channel logouts" in caplog.text


def test_only_deliveries_overdue_past_the_grace_period_are_requeued(planner_at):
    now = timezone.now()
    overdue = _owed(planner_at, next_attempt_at=now - OVERDUE)
    just_queued = _owed(planner_at, next_attempt_at=now - datetime.timedelta(seconds=10))
    _owed(planner_at, attempts=1, next_attempt_at=now + datetime.timedelta(seconds=30))  # backoff
    for status, times in [("delivered", "delivered_at"), ("failed", "failed_at")]:
        _owed(
            planner_at,
            status=status,
            attempts=1,
            created_at=now - datetime.timedelta(days=1),
            next_attempt_at=None,
            **{times: now - datetime.timedelta(days=1)},
        )
    queued: list[int] = []

    assert delivery.requeue_stalled(queued.append, now=now) == 1
    assert queued == [overdue.pk]
    overdue.refresh_from_db()
    # Made due now: the task queued finds it due, and the next sweep leaves it to that task.
    assert overdue.next_attempt_at == now
    assert delivery.requeue_stalled(queued.append, now=now) == 0
    # Queued again only if that task has not run after another grace period.
    assert delivery.requeue_stalled(queued.append, now=now + OVERDUE) == 2
    assert queued == [overdue.pk, just_queued.pk, overdue.pk]


def test_the_sweep_works_in_bounded_batches_and_stops_when_the_broker_refuses(planner_at):
    now = timezone.now()
    stalled = [_owed(planner_at, next_attempt_at=now - OVERDUE).pk for _ in range(5)]
    queued: list[int] = []

    assert delivery.requeue_stalled(queued.append, now=now, batch_size=2, max_batches=2) == 4
    assert delivery.requeue_stalled(queued.append, now=now, batch_size=2, max_batches=2) == 1
    assert sorted(queued) == sorted(stalled)

    def broker_down(delivery_id: int) -> None:
        raise ConnectionRefusedError("broker down")

    later = now + OVERDUE
    assert delivery.requeue_stalled(broker_down, now=later) == 0
    # Still open and due: the next sweep tries them again.
    assert delivery.requeue_stalled(queued.append, now=later + OVERDUE) == 5


def test_an_attempt_started_while_another_is_posting_sends_nothing(
    planner_at, logout_receiver, monkeypatch
):
    sent = _owed(planner_at)
    real_post = delivery.post_logout_token
    meanwhile = []

    def post_while_others_try(uri: str, token: str) -> int:
        # A scheduled retry and the sweep arrive while the first attempt waits for the app.
        meanwhile.append(delivery.attempt(sent.pk))
        meanwhile.append(delivery.requeue_stalled(meanwhile.append, now=timezone.now()))
        return real_post(uri, token)

    monkeypatch.setattr(delivery, "post_logout_token", post_while_others_try)

    assert delivery.attempt(sent.pk) == delivery.Outcome("delivered")
    assert meanwhile == [delivery.Outcome(delivery.NOT_DUE), 0]
    assert len(logout_receiver.received) == 1
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == ("delivered", 1)

    # Once delivered, never again, however late a duplicate arrives.
    much_later = timezone.now() + datetime.timedelta(days=1)
    assert delivery.attempt(sent.pk, now=much_later) == delivery.Outcome("delivered")
    assert delivery.requeue_stalled(meanwhile.append, now=much_later) == 0
    assert len(logout_receiver.received) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_of_one_delivery_on_postgresql_post_it_once(
    planner_at, logout_receiver, monkeypatch
):
    sent = _owed(planner_at)
    real_post = delivery.post_logout_token

    def slow_post(uri: str, token: str) -> int:
        time.sleep(0.3)  # an application taking its time: the others arrive meanwhile
        return real_post(uri, token)

    monkeypatch.setattr(delivery, "post_logout_token", slow_post)

    outcomes = run_together(8, lambda i: delivery.attempt(sent.pk).status)

    assert sorted(outcomes) == ["delivered"] + [delivery.NOT_DUE] * 7
    assert len(logout_receiver.received) == 1
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == ("delivered", 1)


def test_an_attempt_before_its_backoff_has_passed_sends_nothing(planner_at, logout_receiver):
    logout_receiver.statuses = [500]
    sent = _owed(planner_at)
    assert delivery.attempt(sent.pk) == delivery.Outcome("open", 10)

    assert delivery.attempt(sent.pk) == delivery.Outcome(delivery.NOT_DUE)
    sent.refresh_from_db()
    assert (sent.attempts, len(logout_receiver.received)) == (1, 1)
    assert sent.next_attempt_at - sent.last_attempt_at >= datetime.timedelta(seconds=10)


def test_attempts_never_exceed_the_bound_however_often_they_are_queued(
    planner_at, logout_receiver, settings
):
    logout_receiver.statuses = [500] * 20
    sent = _owed(planner_at)
    clock = timezone.now()
    outcomes = []
    for _ in range(3 * settings.BACKCHANNEL_LOGOUT_MAX_ATTEMPTS):
        clock += datetime.timedelta(hours=1)
        delivery.requeue_stalled(
            lambda pk, at=clock: outcomes.append(delivery.attempt(pk, now=at)), now=clock
        )
        outcomes.append(delivery.attempt(sent.pk, now=clock))

    sent.refresh_from_db()
    assert len(logout_receiver.received) == settings.BACKCHANNEL_LOGOUT_MAX_ATTEMPTS
    assert (sent.status, sent.attempts) == ("failed", settings.BACKCHANNEL_LOGOUT_MAX_ATTEMPTS)
    assert outcomes[-1] == delivery.Outcome("failed")


class WorkerLost(BaseException):
    """The worker process dies in the middle of the POST (killed, out of memory)."""


def test_an_attempt_whose_worker_died_is_sent_again_once_its_lease_has_run_out(
    planner_at, logout_receiver, monkeypatch
):
    sent = _owed(planner_at)
    real_post = delivery.post_logout_token

    def die(uri: str, token: str) -> int:
        raise WorkerLost

    monkeypatch.setattr(delivery, "post_logout_token", die)
    started = timezone.now()
    with pytest.raises(WorkerLost):
        delivery.attempt(sent.pk, now=started)
    monkeypatch.setattr(delivery, "post_logout_token", real_post)
    queued: list[int] = []

    # While the lease lasts the attempt may still be under way: neither sweep nor retry sends it.
    lease_over = started + delivery.claim_lease()
    assert delivery.requeue_stalled(queued.append, now=lease_over) == 0
    assert delivery.attempt(sent.pk, now=lease_over - datetime.timedelta(seconds=5)).status == (
        delivery.NOT_DUE
    )
    assert delivery.requeue_stalled(queued.append, now=lease_over + OVERDUE) == 1
    assert delivery.attempt(queued[0], now=lease_over + OVERDUE) == delivery.Outcome("delivered")

    sent.refresh_from_db()
    assert (sent.status, sent.attempts, len(logout_receiver.received)) == ("delivered", 2, 1)


def test_a_last_attempt_that_never_reported_back_is_recorded_as_failed_without_posting(
    planner_at, logout_receiver, settings
):
    bound = settings.BACKCHANNEL_LOGOUT_MAX_ATTEMPTS
    now = timezone.now()
    sent = _owed(
        planner_at, attempts=bound, last_attempt_at=now - OVERDUE, next_attempt_at=now - OVERDUE
    )
    queued: list[int] = []

    assert delivery.requeue_stalled(queued.append, now=now) == 1
    assert delivery.attempt(queued[0], now=now) == delivery.Outcome("failed")

    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.next_attempt_at) == ("failed", bound, None)
    assert sent.last_error == "No outcome was recorded for the last attempt"
    assert logout_receiver.received == []


def test_beat_runs_the_sweep_task_every_interval_from_the_settings(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["resend-stalled-backchannel-logouts"]

    assert (
        celery_app.tasks[entry["task"]]
        is tasks.resend_stalled_backchannel_logouts._get_current_object()
    )
    assert entry["schedule"] == float(settings.BACKCHANNEL_LOGOUT_SWEEP_INTERVAL_SECONDS) == 60.0
    assert celery_app.conf.beat_schedule["resend-stalled-backchannel-logouts"] == entry


def test_support_sees_when_the_next_attempt_of_an_open_delivery_is_due(
    client, support_agent, planner_at
):
    due = timezone.now() - datetime.timedelta(minutes=5)
    stalled = _owed(planner_at, next_attempt_at=due)
    delivered = _owed(planner_at, status="delivered", delivered_at=timezone.now())
    client.force_login(support_agent)

    page = client.get(reverse("admin:single_sign_on_backchanneldelivery_changelist"))
    admin = page.context["cl"].model_admin
    detail = client.get(
        reverse("admin:single_sign_on_backchanneldelivery_change", args=[stalled.pk])
    )

    assert "Next attempt due" in page.content.decode()
    assert admin.next_attempt(stalled) == display_for_value(due, "—")
    assert admin.next_attempt(delivered) is None  # its stored time means nothing once settled
    assert display_for_value(due, "—") in page.content.decode()
    assert display_for_value(due, "—") in detail.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_open_deliveries_due_when_their_next_attempt_would_have_been(
    migrator,
):
    old = migrator.apply_initial_migration(("single_sign_on", "0002_backchannel_delivery"))
    Delivery = old.apps.get_model("single_sign_on", "BackchannelDelivery")
    now = timezone.now()
    app_session = _old_app_session(old.apps, now)
    common = {
        "app_session": app_session,
        "application_id": app_session.application_id,
        "sid": "s",
        "sub": "1",
        "uri": "https://planner.example/bc",
        "created_at": now - datetime.timedelta(hours=1),
    }
    never_tried = Delivery.objects.create(**common)
    tried_twice = Delivery.objects.create(
        **common, attempts=2, last_attempt_at=now - datetime.timedelta(minutes=5)
    )
    delivered = Delivery.objects.create(**common, status="delivered", delivered_at=now)

    new = migrator.apply_tested_migration(("single_sign_on", "0003_backchannel_next_attempt"))
    due = dict(
        new.apps.get_model("single_sign_on", "BackchannelDelivery").objects.values_list(
            "pk", "next_attempt_at"
        )
    )

    assert due[never_tried.pk] == common["created_at"]  # stalled since it was recorded
    assert due[tried_twice.pk] == tried_twice.last_attempt_at + datetime.timedelta(seconds=30)
    assert due[delivered.pk] is None


def _old_app_session(apps, now: datetime.datetime):
    """An app session built with the models of the migration state `apps`."""
    company = apps.get_model("accounts", "Company").objects.create(name="Acme", slug="acme")
    user = apps.get_model("accounts", "User").objects.create(
        email="a@acme.example", full_name="A", company=company
    )
    seat = apps.get_model("sessions_seats", "Seat").objects.create(
        company=company, user=user, claimed_at=now
    )
    seat_session = apps.get_model("sessions_seats", "SeatSession").objects.create(
        seat=seat,
        session_key="k" * 32,
        started_at=now,
        last_activity=now,
        ended_at=now,
        end_reason="logout",
    )
    application = apps.get_model("oauth2_provider", "Application").objects.create(
        name="Planner",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="https://planner.example/callback",
    )
    return apps.get_model("single_sign_on", "AppSession").objects.create(
        seat_session=seat_session,
        application=application,
        created_at=now,
        last_seen_at=now,
        ended_at=now,
    )
