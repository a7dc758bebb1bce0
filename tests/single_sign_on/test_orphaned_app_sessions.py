"""A seat session that ended without its app sessions being ended (the process died between the
ending's commit and the receiver): the sweep ends them and the applications are told."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from sessions_seats.models import EndReason, SeatSession
from single_sign_on import tasks
from single_sign_on.backchannel import ORPHANED_AFTER
from single_sign_on.models import AppSession, BackchannelDelivery
from tests.factories import SeatSessionFactory

from .conftest import register
from .logout_receiver import validated_logout_token

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _orphaned(app, ended_ago: datetime.timedelta) -> AppSession:
    """An app session left open under a seat session ended `ended_ago` (no receiver ran)."""
    app_session = AppSession.objects.create(
        seat_session=SeatSessionFactory(), application=app.registered.application
    )
    SeatSession.objects.filter(pk=app_session.seat_session_id).update(
        ended_at=timezone.now() - ended_ago, end_reason=EndReason.IDLE
    )
    return app_session


def test_the_sweep_ends_app_sessions_left_open_and_tells_the_apps(
    backchannel, logout_receiver, django_capture_on_commit_callbacks, caplog
):
    planner = register(backchannel_logout_uri=logout_receiver.url())
    left = _orphaned(planner, ORPHANED_AFTER + datetime.timedelta(seconds=5))

    with django_capture_on_commit_callbacks(execute=True), caplog.at_level("WARNING"):
        tasks.resend_stalled_backchannel_logouts.apply()

    left.refresh_from_db()
    assert left.ended_at == left.seat_session.ended_at
    sent = BackchannelDelivery.objects.get()
    assert (sent.app_session_id, sent.status) == (left.pk, "delivered")
    [post] = logout_receiver.received
    assert validated_logout_token(post.logout_token, planner)["sid"] == sent.sid
    assert "Recorded 1 back-channel logouts left behind by an ending" in caplog.text


def test_an_ending_whose_receiver_may_still_be_running_is_left_to_it(backchannel, logout_receiver):
    planner = register(backchannel_logout_uri=logout_receiver.url())
    recent = _orphaned(planner, ORPHANED_AFTER - datetime.timedelta(seconds=5))

    tasks.resend_stalled_backchannel_logouts.apply()

    recent.refresh_from_db()
    assert recent.ended_at is None
    assert not BackchannelDelivery.objects.exists()


def test_app_sessions_of_live_seat_sessions_are_not_touched(backchannel, logout_receiver):
    planner = register(backchannel_logout_uri=logout_receiver.url())
    live = AppSession.objects.create(
        seat_session=SeatSessionFactory(), application=planner.registered.application
    )

    tasks.resend_stalled_backchannel_logouts.apply()

    live.refresh_from_db()
    assert live.ended_at is None
    assert not BackchannelDelivery.objects.exists()
