"""Every authenticated company session holds an open seat session; activity costs a write at most
once per window (docs/DESIGN.md rules 4 and 6)."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions_seats import services
from sessions_seats.binding import SEAT_TOUCHED_AT
from sessions_seats.models import SeatSession

from ..conftest import sign_in
from ..factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

WITHOUT_SEAT_MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("SeatMiddleware")]


def age_touch(client: Client, seconds: float) -> None:
    """Pretend the last recorded activity was `seconds` ago."""
    session = client.session
    session[SEAT_TOUCHED_AT] -= seconds
    session.save()


def count_queries(client: Client, django_assert_max_num_queries, path: str) -> int:
    with django_assert_max_num_queries(100) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_request_inside_the_activity_window_costs_no_extra_query(
    client, members, settings, django_assert_max_num_queries
):
    sign_in(client, members[0])
    with_middleware = count_queries(client, django_assert_max_num_queries, reverse("home"))
    settings.MIDDLEWARE = WITHOUT_SEAT_MIDDLEWARE
    without_middleware = count_queries(client, django_assert_max_num_queries, reverse("home"))

    assert with_middleware == without_middleware


def writes_of(client: Client, django_assert_max_num_queries, path: str) -> list[str]:
    """The tables a request wrote to, in order."""
    with django_assert_max_num_queries(100) as captured:
        assert client.get(path).status_code == 200
    return [
        query["sql"].split('"')[1]
        for query in captured.captured_queries
        if query["sql"].startswith(("UPDATE", "INSERT", "DELETE"))
    ]


def test_first_request_after_the_window_records_activity_once(
    client, members, django_assert_max_num_queries
):
    sign_in(client, members[0])
    assert writes_of(client, django_assert_max_num_queries, reverse("home")) == []
    seat_session = SeatSession.objects.get()
    SeatSession.objects.filter(pk=seat_session.pk).update(
        last_activity=timezone.now() - datetime.timedelta(minutes=5)
    )
    age_touch(client, 61)

    after_window = writes_of(client, django_assert_max_num_queries, reverse("home"))
    next_request = writes_of(client, django_assert_max_num_queries, reverse("home"))

    # The seat session's activity, then the session keeping the new window start; then nothing.
    assert after_window == ["sessions_seats_seatsession", "django_session"]
    assert next_request == []
    seat_session.refresh_from_db()
    assert timezone.now() - seat_session.last_activity < datetime.timedelta(seconds=30)


def test_ended_seat_session_signs_the_browser_out_with_the_reason(client, members):
    sign_in(client, members[0])
    seat_session = SeatSession.objects.get()
    # Ended without deleting the Django session, as a cached store that missed the delete would.
    services.end_sessions([seat_session.pk], "idle", delete_django_sessions=False)
    age_touch(client, 61)

    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "signed out after 30 minutes of inactivity to free a license" in (
        response.content.decode()
    )
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("idle", "signed out after 45 minutes of inactivity to free a license"),
        ("forced", "Support signed you out on"),
        ("license", "license ended or no longer covers everyone signed in"),
        ("expired", "Your session expired"),
    ],
)
def test_browser_of_a_deleted_session_is_told_why_on_its_next_request(
    client, company, members, reason, expected
):
    company.idle_timeout = 45
    company.save()
    sign_in(client, members[0])
    services.end_sessions([SeatSession.objects.get().pk], reason)

    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert expected in response.content.decode()
    # Said once: the stale cookie is dropped with that response.
    assert expected not in client.get(reverse("login")).content.decode()


def test_session_created_without_a_seat_is_signed_out(client, members):
    client.force_login(members[0])

    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "did not hold a license seat" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_need_no_seat_session(client, db):
    client.force_login(StaffFactory())

    assert client.get(reverse("home")).status_code == 200


def test_user_signed_out_by_their_company_admin_is_told_who(client, company, members):
    from sessions_seats.forced_logout import force_logout

    admin = UserFactory(company=company, role="admin", full_name="Alex Admin")
    sign_in(client, members[0])

    force_logout(actor=admin, seats=[SeatSession.objects.get().seat], reason="Need the seat")

    page = client.get(reverse("home"), follow=True).content.decode()
    assert "Alex Admin, your company admin, signed you out on" in page
    assert "Support signed you out" not in page
