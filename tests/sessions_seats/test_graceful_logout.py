"""Warn, then sign out: the countdown on the user's pages, the task that ends the seat when it is
due (or nothing, if the user logged out first), and the status endpoint that is not activity."""

import datetime
import time

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions_seats import forced_logout as services
from sessions_seats import tasks, warned_logout
from sessions_seats.binding import SEAT_TOUCHED_AT
from sessions_seats.models import ForcedLogout, Seat, SeatSession

from ..conftest import sign_in
from ..factories import EntitlementFactory, StaffFactory, UserFactory, seated

STATUS = reverse("session-status")
CHANGELIST = reverse("admin:sessions_seats_seat_changelist")


class SentTasks:
    """Stands in for the broker: records what would be sent, runs nothing."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def __call__(self, *, kwargs: dict, eta: datetime.datetime) -> None:
        self.sent.append({"kwargs": kwargs, "eta": eta})


@pytest.fixture
def broker(monkeypatch) -> SentTasks:
    sent = SentTasks()
    monkeypatch.setattr(tasks.end_scheduled_logout, "apply_async", sent)
    return sent


def make_due(seat: Seat) -> None:
    """The countdown ran out."""
    Seat.objects.filter(pk=seat.pk).update(
        logout_scheduled_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def schedule_from_admin(support_agent, seat: Seat, minutes: int = 5):
    staff = Client()
    staff.force_login(support_agent)
    return staff.post(
        CHANGELIST,
        {
            "action": "force_logout",
            "post": "yes",
            ACTION_CHECKBOX_NAME: [seat.pk],
            "reason": "Needs the seat for a new hire",
            "acknowledge": "on",
            "when": "warn",
            "delay_minutes": str(minutes),
        },
        follow=True,
    )


@pytest.mark.django_db
def test_end_to_end_countdown_then_the_task_signs_out_with_audit(
    client, members, support_agent, broker, django_capture_on_commit_callbacks
):
    sign_in(client, members[1])
    seat = Seat.objects.get(user=members[1])
    assert client.get(STATUS).json()["logout_scheduled_at"] is None

    with django_capture_on_commit_callbacks(execute=True):
        response = schedule_from_admin(support_agent, seat, minutes=5)
    assert "will be signed out at" in response.content.decode()

    # The user's open page sees the countdown; nothing has ended yet.
    status = client.get(STATUS).json()
    assert 295 <= status["seconds_until_logout"] <= 300
    assert status["logout_scheduled_at"] is not None
    home = client.get(reverse("home")).content.decode()
    assert 'id="seat-status-banner"' in home and "save your work" in home
    [task] = broker.sent
    assert abs((task["eta"] - timezone.now()) - datetime.timedelta(minutes=5)) < datetime.timedelta(
        seconds=5
    )

    # Run early (a clock ahead, a retry): it ends nothing.
    assert (
        "Ended nothing for 1 seat" in tasks.end_scheduled_logout.apply(kwargs=task["kwargs"]).get()
    )
    assert SeatSession.objects.get().ended_at is None

    make_due(seat)
    result = tasks.end_scheduled_logout.apply(kwargs=task["kwargs"]).get()

    assert "Signed out user2@acme.example" in result
    seat.refresh_from_db()
    assert seat.release_reason == "forced"
    assert SeatSession.objects.get().end_reason == "forced"
    record = ForcedLogout.objects.get()
    assert (record.actor, record.target, record.reason) == (
        support_agent,
        members[1],
        "Needs the seat for a new hire",
    )
    assert record.warned_at is not None and record.warned_at < record.at
    # The page's next poll is refused, and reloading lands on sign-in naming support.
    assert client.get(STATUS).status_code == 401
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "Support signed you out on" in page


@pytest.mark.django_db
def test_user_logging_out_first_means_the_task_ends_nothing_and_says_so(
    client, members, support_agent, broker, django_capture_on_commit_callbacks
):
    sign_in(client, members[1])
    seat = Seat.objects.get(user=members[1])
    with django_capture_on_commit_callbacks(execute=True):
        schedule_from_admin(support_agent, seat)
    client.post(reverse("logout"))
    make_due(seat)

    result = tasks.end_scheduled_logout.apply(kwargs=broker.sent[0]["kwargs"]).get()

    assert "Signed out nobody" in result and "logged out first" in result
    assert SeatSession.objects.get().end_reason == "logout"
    assert not ForcedLogout.objects.exists()


@pytest.mark.django_db
def test_a_cancelled_countdown_ends_nothing(members, support_agent, broker):
    seat = seated(members[0])
    scheduled = warned_logout.schedule_force_logout(
        actor=support_agent, seats=[seat], reason="r", delay=datetime.timedelta(minutes=5)
    )
    assert scheduled.seat_ids == [seat.pk]
    services.cancel_force_logout(actor=support_agent, seats=[seat])

    outcome = services.end_scheduled_logout(
        seat_ids=[seat.pk],
        actor_id=support_agent.pk,
        reason="r",
        now=timezone.now() + datetime.timedelta(minutes=6),
    )

    assert outcome.records == [] and outcome.skipped == 1
    assert Seat.objects.get(pk=seat.pk).released_at is None


@pytest.mark.django_db
def test_an_actor_who_lost_the_permission_meanwhile_signs_nobody_out(members, support_agent):
    seat = seated(members[0])
    warned_logout.schedule_force_logout(
        actor=support_agent, seats=[seat], reason="r", delay=datetime.timedelta(minutes=1)
    )
    support_agent.groups.clear()
    make_due(seat)

    with pytest.raises(services.PermissionDenied):
        services.end_scheduled_logout(seat_ids=[seat.pk], actor_id=support_agent.pk, reason="r")
    seat.refresh_from_db()
    assert seat.released_at is None
    # The countdown is taken back rather than left at 0:00 for good.
    assert seat.logout_scheduled_at is None


@pytest.mark.django_db
def test_an_actor_deleted_meanwhile_signs_nobody_out_and_the_countdown_goes(members):
    actor = StaffFactory(is_superuser=True)
    seat = seated(members[0])
    warned_logout.schedule_force_logout(
        actor=actor, seats=[seat], reason="r", delay=datetime.timedelta(minutes=1)
    )
    actor_id = actor.pk
    actor.delete()
    make_due(seat)

    with pytest.raises(services.PermissionDenied):
        services.end_scheduled_logout(seat_ids=[seat.pk], actor_id=actor_id, reason="r")
    seat.refresh_from_db()
    assert (seat.released_at, seat.logout_scheduled_at) == (None, None)


@pytest.mark.django_db
def test_status_reports_idle_time_left(client, company, members):
    company.idle_timeout = 20
    company.save()
    sign_in(client, members[0])
    SeatSession.objects.update(last_activity=timezone.now() - datetime.timedelta(minutes=5))

    status = client.get(STATUS).json()

    assert status["authenticated"] and status["takes_seat"]
    assert status["idle_timeout_minutes"] == 20
    assert 14 * 60 <= status["idle_seconds_left"] <= 15 * 60


@pytest.mark.django_db
def test_status_for_anonymous_and_staff(client):
    assert client.get(STATUS).status_code == 401
    client.force_login(StaffFactory())
    assert client.get(STATUS).json()["takes_seat"] is False


@pytest.mark.django_db
def test_polling_does_not_count_as_activity(client, members):
    sign_in(client, members[0])
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    SeatSession.objects.update(last_activity=long_ago)
    session = client.session
    session[SEAT_TOUCHED_AT] -= 120  # well past the activity window
    session.save()

    for _ in range(3):
        assert client.get(STATUS).status_code == 200

    assert SeatSession.objects.get().last_activity == long_ago
    # A real page view after the window does record activity.
    client.get(reverse("home"))
    assert SeatSession.objects.get().last_activity > long_ago


@pytest.mark.django_db
def test_polling_inside_the_activity_window_costs_no_seat_query(
    client, members, django_assert_max_num_queries
):
    sign_in(client, members[0])
    with django_assert_max_num_queries(50) as captured:
        client.get(STATUS)
    seat_queries = [q for q in captured.captured_queries if "seatsession" in q["sql"]]
    # Only the status view's own read; the middleware adds nothing inside the window.
    assert len(seat_queries) == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_ends_the_seat_when_the_countdown_runs_out():
    from celery.contrib.testing.worker import start_worker
    from django.contrib.auth.models import Permission

    from foundry_licensing.celery import app

    company = EntitlementFactory().company
    seat = seated(UserFactory(company=company))
    agent = StaffFactory()
    agent.user_permissions.add(  # support: may force a logout, sees every company
        *Permission.objects.filter(codename__in=["force_logout", "view_all_companies"])
    )

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        warned_logout.schedule_force_logout(
            actor=agent, seats=[seat], reason="r", delay=datetime.timedelta(seconds=2)
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not ForcedLogout.objects.exists():
            time.sleep(0.2)

    seat.refresh_from_db()
    assert seat.release_reason == "forced"
    assert ForcedLogout.objects.get().target == seat.user


# Transactional: the task is sent on a real commit, inside the admin's request.
@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_takes_the_countdown_back_and_says_so(members, monkeypatch):
    from kombu.exceptions import OperationalError

    def broker_down(**kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.end_scheduled_logout, "apply_async", broker_down)
    seat = seated(members[0])

    page = schedule_from_admin(StaffFactory(is_superuser=True), seat).content.decode()

    assert "The task queue is unavailable, so the countdown was not started" in page
    seat.refresh_from_db()
    assert seat.logout_scheduled_at is None
    assert seat.released_at is None
    assert not ForcedLogout.objects.exists()
