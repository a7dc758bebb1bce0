"""Sending back-channel logouts: retries with backoff, then failure; redirects; the addresses the
portal refuses to reach; and the engine's signal (committed ends only, bounded cost)."""

from __future__ import annotations

import datetime
import socket

import pytest
import urllib3
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_seats.models import EndReason, SeatSession
from sessions_seats.reaper import reap_idle_seats
from sessions_seats.services import end_sessions
from sessions_seats.signals import seat_sessions_ended
from single_sign_on import backchannel, delivery, tasks
from single_sign_on.models import AppSession, AppSettings, BackchannelDelivery
from tests.factories import EntitlementFactory, PackageFactory, SeatSessionFactory, UserFactory

from .conftest import register
from .logout_receiver import validated_logout_token

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _app_session(app, seat_session=None) -> AppSession:
    return AppSession.objects.create(
        seat_session=seat_session or SeatSessionFactory(), application=app.registered.application
    )


def _end(app_session, capture) -> BackchannelDelivery:
    with capture(execute=True):
        end_sessions([app_session.seat_session_id], EndReason.LOGOUT)
    return BackchannelDelivery.objects.get(app_session=app_session)


@pytest.fixture
def planner_at(backchannel, logout_receiver):
    return register(backchannel_logout_uri=logout_receiver.url())


def test_a_failing_app_is_retried_with_backoff_then_recorded_as_failed(
    planner_at, backchannel, logout_receiver, django_capture_on_commit_callbacks
):
    logout_receiver.statuses = [500] * 5

    sent = _end(_app_session(planner_at), django_capture_on_commit_callbacks)
    countdowns = backchannel.run_scheduled()

    sent.refresh_from_db()
    assert countdowns == [10, 30, 90, 270]
    assert len(logout_receiver.received) == 5
    assert (sent.status, sent.attempts, sent.last_error) == ("failed", 5, "HTTP 500")
    assert sent.failed_at is not None and sent.delivered_at is None
    # Every attempt carries a token of its own, each valid when sent.
    jtis = {
        validated_logout_token(p.logout_token, planner_at)["jti"] for p in logout_receiver.received
    }
    assert len(jtis) == 5


def test_a_retry_that_succeeds_is_delivered_and_204_counts(
    planner_at, backchannel, logout_receiver, django_capture_on_commit_callbacks
):
    logout_receiver.statuses = [503, 204]

    sent = _end(_app_session(planner_at), django_capture_on_commit_callbacks)
    assert backchannel.run_scheduled() == [10]

    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.last_error) == ("delivered", 2, "")
    assert sent.delivered_at is not None
    assert tasks.deliver_backchannel_logout.apply(args=(sent.pk,)).get() == "delivered"
    assert len(logout_receiver.received) == 2  # a settled delivery is not sent again


def test_a_redirect_is_a_failure_and_is_not_followed(
    planner_at, backchannel, logout_receiver, django_capture_on_commit_callbacks
):
    logout_receiver.statuses = [302]

    sent = _end(_app_session(planner_at), django_capture_on_commit_callbacks)

    sent.refresh_from_db()
    assert [post.path for post in logout_receiver.received] == ["/backchannel"]
    assert sent.status == "open" and sent.last_error == "HTTP 302: redirects are not followed"
    assert backchannel.scheduled == [(sent.pk, 10)]


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test: refusals must happen before connecting."""

    def refuse(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(urllib3.HTTPConnectionPool, "urlopen", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _fake_dns(monkeypatch, answers: dict[str, str]) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(delivery.socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    ("uri", "debug", "why"),
    [
        ("http://169.254.169.254/latest/meta-data", True, "link-local"),
        ("http://10.0.0.1/backchannel", True, "private"),
        ("http://[::ffff:10.0.0.1]/backchannel", True, "private"),
        ("http://224.0.0.1/backchannel", True, "multicast"),
        ("http://0.0.0.0/backchannel", True, "unspecified"),
        ("http://rebind.example/backchannel", True, "private"),  # resolves to 192.168.1.1
        ("https://localhost/backchannel", False, "loopback"),
        ("https://app.example/backchannel", False, "loopback"),  # resolves to 127.0.0.1
        ("http://planner.example/backchannel", False, "https is required"),
    ],
)
def test_targets_inside_the_portals_network_are_refused_without_connecting(
    uri, debug, why, backchannel, no_network, monkeypatch, settings
):
    _fake_dns(monkeypatch, {"rebind.example": "192.168.1.1", "app.example": "127.0.0.1"})
    app = register(backchannel_logout_uri="https://planner.example/backchannel")
    app_session = _app_session(app)
    app_session.ended_at = timezone.now()
    app_session.save()
    sent = BackchannelDelivery.objects.create(
        app_session=app_session, application=app_session.application, sid="s", sub="1", uri=uri
    )
    settings.DEBUG = debug

    outcome = delivery.attempt(sent.pk)

    sent.refresh_from_db()
    assert outcome == delivery.Outcome("failed")  # another try would be refused again
    assert sent.status == "failed" and sent.attempts == 1
    assert sent.last_error.startswith("Refused:") and why in sent.last_error


def test_allowed_hosts_may_be_private_and_the_checked_address_is_the_one_connected_to(
    backchannel, logout_receiver, monkeypatch, settings, django_capture_on_commit_callbacks
):
    _fake_dns(monkeypatch, {"intranet.example": "10.1.2.3", "planner.example": "127.0.0.1"})
    settings.DEBUG = False
    with pytest.raises(delivery.DeliveryRefused):
        delivery.checked_address("intranet.example", 443)
    settings.BACKCHANNEL_LOGOUT_ALLOWED_HOSTS = ["intranet.example"]
    assert delivery.checked_address("intranet.example", 443) == "10.1.2.3"

    # Resolved once, to loopback (allowed in development): the POST goes to that address and
    # still names the registered host.
    settings.DEBUG = True
    uri = f"http://planner.example:{logout_receiver.port}/backchannel"
    app = register(backchannel_logout_uri="https://planner.example/backchannel")
    # Stored as is: registration accepts plain http to loopback only by its literal address.
    AppSettings.objects.update(backchannel_logout_uri=uri)
    _end(_app_session(app), django_capture_on_commit_callbacks)

    [post] = logout_receiver.received
    assert post.host == f"planner.example:{logout_receiver.port}"
    assert BackchannelDelivery.objects.get().status == "delivered"


def test_an_end_that_rolls_back_sends_nothing_and_a_committed_one_sends_once(
    db, django_capture_on_commit_callbacks
):
    heard = []

    def spy(sender, **kwargs):
        heard.append((kwargs["session_ids"], kwargs["reason"]))

    seat_sessions_ended.connect(spy, sender=SeatSession)
    try:
        seat_session = SeatSessionFactory()
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            end_sessions([seat_session.pk], EndReason.FORCED)
            raise RuntimeError("rolled back")
        assert heard == []
        assert SeatSession.objects.get().ended_at is None

        with django_capture_on_commit_callbacks(execute=True):
            end_sessions([seat_session.pk], EndReason.FORCED)
            end_sessions([seat_session.pk], EndReason.FORCED)  # already ended: nothing
        assert heard == [([seat_session.pk], "forced")]
    finally:
        seat_sessions_ended.disconnect(spy, sender=SeatSession)


def test_without_a_receiver_the_engine_leaves_nothing_to_run_on_commit(
    db, django_capture_on_commit_callbacks
):
    seat_session = SeatSessionFactory()
    seat_sessions_ended.disconnect(sender=SeatSession, dispatch_uid="single_sign_on.backchannel")
    try:
        with django_capture_on_commit_callbacks() as callbacks:
            end_sessions([seat_session.pk], EndReason.LOGOUT)
    finally:
        seat_sessions_ended.connect(
            backchannel.on_seat_sessions_ended,
            sender=SeatSession,
            dispatch_uid="single_sign_on.backchannel",
        )
    assert callbacks == []


def _reap_with_apps(sessions: int, apps, capture) -> int:
    """Queries made by the reaper ending `sessions` idle seat sessions, each signed in to
    every app, besides the deliveries' INSERT; the deliveries are queued, not sent."""
    company = EntitlementFactory(package=PackageFactory(seats=100)).company
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    for _ in range(sessions):
        seat_session = SeatSessionFactory(
            seat__user=UserFactory(company=company), last_activity=long_ago
        )
        for app in apps:
            _app_session(app, seat_session)
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        reap_idle_seats()
    assert SeatSession.objects.open().count() == 0
    assert BackchannelDelivery.objects.count() == sessions * 2
    BackchannelDelivery.objects.all().delete()
    inserts = [
        query
        for query in queries.captured_queries
        if query["sql"].startswith('INSERT INTO "single_sign_on_backchanneldelivery"')
    ]
    # One INSERT per batch; SQLite caps the parameters of a statement (999), so Django splits
    # a large bulk_create there.
    if connection.vendor == "postgresql":
        assert len(inserts) == 1
    return len(queries) - len(inserts)


def test_the_reapers_queries_per_batch_do_not_grow_with_its_size(
    backchannel, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        tasks.deliver_backchannel_logout, "apply_async", lambda args, **kw: queued.append(args)
    )
    apps = [
        register("Acme Planner", backchannel_logout_uri="https://planner.example/bc"),
        register("Acme Ledger", backchannel_logout_uri="https://ledger.example/bc"),
        register("Acme Wiki"),
    ]

    few = _reap_with_apps(5, apps, django_capture_on_commit_callbacks)
    many = _reap_with_apps(50, apps, django_capture_on_commit_callbacks)

    assert few == many
    assert len(queued) == 110
