"""Single sign-on inside the license: refusals name the app, capacity holds, `prompt=none` is
activity, and every code and token ends with its seat session."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from sessions_seats import binding
from sessions_seats.models import EndReason, SeatSession
from sessions_seats.services import end_sessions
from single_sign_on.models import AppSession
from tests.conftest import sign_in
from tests.factories import seated

from .conftest import POST_LOGOUT_URI, callback_params, follow_to_app, login_next, sign_in_for

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _signed_in_with_token(user, app):
    browser = Client()
    sign_in(browser, user)
    token = app.fetch_token(follow_to_app(browser, app.authorization_url(), app))
    return browser, token


def test_a_refusal_names_the_app_with_the_usual_page_and_options(members, planner):
    for member in members[:3]:
        seated(member)
    browser = Client()
    to_login = browser.get(planner.authorization_url())

    refused = sign_in_for(browser, members[3], login_next(to_login["Location"]))

    page = refused.content.decode()
    assert refused.status_code == 403
    assert (
        "You cannot sign in to Acme Planner right now: all 3 licenses of Acme Foods are in use"
        in page
    )
    assert "Email me when a seat frees up" in page  # the portal's options, as on any refusal
    assert AppSession.objects.count() == 0


def test_four_people_authorizing_for_three_seats_get_three_codes_and_one_refusal(members, planner):
    outcomes = []
    for member in members[:4]:
        browser = Client()
        next_url = login_next(browser.get(planner.authorization_url())["Location"])
        answer = sign_in_for(browser, member, next_url)
        if answer.status_code == 302:
            outcomes.append(
                "code" in callback_params(follow_to_app(browser, answer["Location"], planner))
            )
        else:
            outcomes.append(answer.status_code)

    assert outcomes == [True, True, True, 403]
    assert SeatSession.objects.open().count() == 3


def test_prompt_none_on_a_live_seat_session_returns_a_code_and_is_activity_once_per_window(
    members, planner, settings
):
    browser = Client()
    sign_in(browser, members[0])
    seat_session = SeatSession.objects.get()
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    SeatSession.objects.filter(pk=seat_session.pk).update(last_activity=long_ago)

    # Inside the activity window (just signed in): a code, and no write.
    inside = follow_to_app(browser, planner.authorization_url(prompt="none"), planner)
    seat_session.refresh_from_db()
    assert "code" in callback_params(inside)
    assert seat_session.last_activity == long_ago

    # Once the window has passed, the same request records the activity.
    session = browser.session
    session[binding.SEAT_TOUCHED_AT] -= settings.SEAT_ACTIVITY_WINDOW_SECONDS + 1
    session.save()
    outside = follow_to_app(browser, planner.authorization_url(prompt="none"), planner)
    seat_session.refresh_from_db()
    assert "code" in callback_params(outside)
    assert seat_session.last_activity > long_ago


def test_prompt_none_after_the_seat_session_ended_answers_login_required(members, planner):
    browser = Client()
    sign_in(browser, members[0])
    end_sessions([SeatSession.objects.get().pk], EndReason.IDLE)

    answer = follow_to_app(browser, planner.authorization_url(prompt="none", state="s1"), planner)

    assert callback_params(answer) == {"error": "login_required", "state": "s1"}


def test_refresh_is_activity_and_stops_when_the_seat_session_ends(members, planner):
    _browser, token = _signed_in_with_token(members[0], planner)
    seat_session = SeatSession.objects.get()
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    SeatSession.objects.filter(pk=seat_session.pk).update(last_activity=long_ago)

    refreshed = planner.refresh(token["refresh_token"])
    seat_session.refresh_from_db()
    assert refreshed["access_token"] != token["access_token"]
    assert seat_session.last_activity > long_ago

    end_sessions([seat_session.pk], EndReason.FORCED)
    with pytest.raises(Exception, match="invalid_grant"):
        planner.refresh(refreshed["refresh_token"])
    assert planner.userinfo(refreshed["access_token"]).status_code == 401
    assert AppSession.objects.get().ended_at is not None


def test_a_code_cannot_be_exchanged_once_its_seat_session_ended(members, planner):
    browser = Client()
    sign_in(browser, members[0])
    callback = follow_to_app(browser, planner.authorization_url(), planner)
    end_sessions([SeatSession.objects.get().pk], EndReason.LOGOUT)

    with pytest.raises(Exception, match="invalid_grant"):
        planner.fetch_token(callback)


def test_rp_initiated_logout_ends_this_browsers_seat_session_and_returns_to_the_app(
    members, planner, django_capture_on_commit_callbacks
):
    browser, token = _signed_in_with_token(members[0], planner)
    _other_device, _ = _signed_in_with_token(members[0], planner)
    mine = SeatSession.objects.get(session_key=browser.session.session_key)

    # The app sessions end once the seat session's end commits (sessions_seats.signals).
    with django_capture_on_commit_callbacks(execute=True):
        answer = browser.get(
            "/o/logout/",
            {
                "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": POST_LOGOUT_URI,
                "state": "bye",
            },
        )

    mine.refresh_from_db()
    assert answer.status_code == 302
    assert answer["Location"] == f"{POST_LOGOUT_URI}?state=bye"
    assert mine.end_reason == EndReason.LOGOUT
    assert AppSession.objects.get(seat_session=mine).ended_at is not None
    # The other device keeps its seat session, and so the seat.
    assert SeatSession.objects.open().count() == 1
    assert mine.seat.sessions.open().exists()
    with pytest.raises(Exception, match="invalid_grant"):
        planner.refresh(token["refresh_token"])


def test_a_logout_without_an_id_token_asks_first_on_a_page_of_the_portal(members, planner):
    browser, _token = _signed_in_with_token(members[0], planner)

    page = browser.get("/o/logout/", {"client_id": planner.client_id})

    assert page.status_code == 200
    assert "Log out of Foundry as Acme Planner asks?" in page.content.decode()
    assert SeatSession.objects.open().count() == 1
