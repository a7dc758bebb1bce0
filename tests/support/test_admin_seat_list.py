"""The active-seat list: unreleased by default, idle times people can read, filters, search,
and a query count that does not grow with the rows shown."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions_seats import services
from sessions_seats.devices import format_idle

from ..factories import CompanyFactory, EntitlementFactory, SeatSessionFactory, UserFactory, seated

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sessions_seats_seat_changelist")


@pytest.fixture
def support_client(client, support_agent) -> Client:
    client.force_login(support_agent)
    return client


def emails_listed(response) -> set[str]:
    return {seat.user.email for seat in response.context["cl"].result_list}


def make_seats(count: int) -> None:
    company = EntitlementFactory(quantity=100).company
    for n in range(count):
        seat = seated(UserFactory(company=company), idle=datetime.timedelta(minutes=n))
        SeatSessionFactory(seat=seat, ip=f"10.0.0.{n % 250}", user_agent=f"Browser {n}")


def page_queries(client: Client, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(50) as captured:
        response = client.get(CHANGELIST)
        assert response.status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_the_rows(support_client, django_assert_max_num_queries):
    make_seats(5)
    with_5 = page_queries(support_client, django_assert_max_num_queries)
    make_seats(45)
    with_50 = page_queries(support_client, django_assert_max_num_queries)

    assert len(support_client.get(CHANGELIST).context["cl"].result_list) == 50
    assert with_50 == with_5


def test_columns_show_user_devices_idle_time_and_latest_device(support_client, members):
    seat = seated(members[0], devices=1, idle=datetime.timedelta(hours=3, minutes=12, seconds=5))
    SeatSessionFactory(
        seat=seat,
        ip="203.0.113.9",
        user_agent="Firefox on Linux",
        started_at=timezone.now() - datetime.timedelta(hours=4),
        last_activity=timezone.now() - datetime.timedelta(hours=3, minutes=13),
    )

    page = support_client.get(CHANGELIST).content.decode()

    assert "user1@acme.example" in page and members[0].full_name in page
    assert "idle 3 h 12 min" in page
    # The latest device is the one most recently active.
    assert "pytest" in page and "203.0.113.9" not in page
    row = support_client.get(CHANGELIST).context["cl"].result_list[0]
    assert row.devices == 2


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(0, "active now"), (7, "idle 7 min"), (192, "idle 3 h 12 min"), (60 * 26, "idle 1 d 2 h")],
)
def test_idle_wording(minutes, expected):
    now = timezone.now()
    assert format_idle(now - datetime.timedelta(minutes=minutes, seconds=30), now) == expected


def test_defaults_to_unreleased_seats_history_a_filter_away(support_client, members):
    seated(members[0])
    gone = seated(members[1])
    services.end_seats([gone.pk], "logout")

    assert emails_listed(support_client.get(CHANGELIST)) == {"user1@acme.example"}
    released = support_client.get(CHANGELIST, {"status": "released"})
    assert emails_listed(released) == {"user2@acme.example"}
    assert "released (logged out)" in released.content.decode()
    assert len(emails_listed(support_client.get(CHANGELIST, {"status": "all"}))) == 2
    by_reason = support_client.get(CHANGELIST, {"status": "all", "release_reason": "logout"})
    assert emails_listed(by_reason) == {"user2@acme.example"}


@pytest.mark.parametrize(
    ("idle", "expected"),
    [("15m", {"user2", "user3", "user4"}), ("1h", {"user3", "user4"}), ("8h", {"user4"})],
)
def test_idle_filters(support_client, members, idle, expected):
    for member, minutes in zip(members[:4], [5, 20, 90, 600], strict=True):
        seated(member, idle=datetime.timedelta(minutes=minutes))

    listed = emails_listed(support_client.get(CHANGELIST, {"idle": idle}))

    assert listed == {f"{name}@acme.example" for name in expected}


def test_company_filter_and_search(support_client, members, other_company):
    seated(members[0])
    globex_user = UserFactory(
        company=other_company, email="wile@globex.example", full_name="Wile E"
    )
    seated(globex_user)

    by_company = support_client.get(CHANGELIST, {"company__id__exact": other_company.pk})
    assert emails_listed(by_company) == {"wile@globex.example"}
    assert emails_listed(support_client.get(CHANGELIST, {"q": "Wile"})) == {"wile@globex.example"}
    assert emails_listed(support_client.get(CHANGELIST, {"q": "Acme"})) == {"user1@acme.example"}
    assert emails_listed(support_client.get(CHANGELIST, {"q": "user1@acme"})) == {
        "user1@acme.example"
    }


def test_account_manager_sees_only_their_companies_seats_and_filter_choices(
    client, account_manager, members, other_company
):
    seated(members[0])
    seated(UserFactory(company=other_company, email="wile@globex.example"))
    CompanyFactory(name="Initech")  # a company with no seats, nobody's concern here
    client.force_login(account_manager)

    response = client.get(CHANGELIST)

    assert emails_listed(response) == {"user1@acme.example"}
    page = response.content.decode()
    assert "Globex" not in page
    tampered = client.get(CHANGELIST, {"company__id__exact": other_company.pk})
    # With one company in their list Django drops the filter; still nothing of Globex shows.
    assert "wile@globex.example" not in emails_listed(tampered)
    assert emails_listed(client.get(CHANGELIST, {"q": "globex"})) == set()
