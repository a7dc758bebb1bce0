"""The seat ledger pages: the portal's (company admins, their company) and the staff console's
(support: any company; account managers: theirs). Filters, pagination, the streamed CSV, and
another company's ids."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions_seats.forced_logout import force_logout

from ..conftest import signed_in_client
from ..factories import LoginDenialFactory, UserFactory, past_seat, seated

pytestmark = pytest.mark.django_db

PORTAL = reverse("portal:ledger")
PORTAL_CSV = reverse("portal:ledger_csv")


def admin_ledger(company, csv_file: bool = False) -> str:
    name = "accounts_company_ledger_csv" if csv_file else "accounts_company_ledger"
    return reverse(f"admin:{name}", args=[company.pk])


@pytest.fixture
def history(company, members, support_agent):
    """Yesterday: user1 signed in and out; user4 was refused (formula-like name); user2 was
    forced out by support."""
    yesterday = timezone.now() - datetime.timedelta(days=1)
    past_seat(members[0], claimed_at=yesterday, hours=1)
    members[3].full_name = "=HYPERLINK(evil)"
    members[3].save()
    LoginDenialFactory(user=members[3], at=yesterday + datetime.timedelta(minutes=5))
    force_logout(actor=support_agent, seats=[seated(members[1])], reason="Asked by their boss")
    return members


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_portal_ledger_lists_the_companys_events(company_admin, history):
    response = signed_in_client(company_admin).get(PORTAL)

    assert response.status_code == 200
    kinds = [e.kind for e in response.context["page"].events]
    assert kinds.count("refused") == 1 and "claimed" in kinds and "released" in kinds
    html = response.content.decode()
    assert "by support@foundry.example: “Asked by their boss”" in html
    assert "3 of 3 seats in use" in html


def test_portal_ledger_filters_by_person_and_kind(company_admin, history):
    client = signed_in_client(company_admin)

    by_person = client.get(PORTAL, {"user": history[0].pk}).context["page"].events
    refusals = client.get(PORTAL, {"kind": ["refused"]}).context["page"].events

    assert {e.user_email for e in by_person} == {history[0].email}
    assert [e.kind for e in refusals] == ["refused"]


def test_portal_ledger_refuses_another_companys_user(company_admin, history, other_company):
    stranger = UserFactory(company=other_company)

    response = signed_in_client(company_admin).get(PORTAL, {"user": stranger.pk})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert signed_in_client(company_admin).get(PORTAL_CSV, {"user": stranger.pk}).status_code == 400


def test_portal_ledger_never_shows_another_companys_events(company_admin, other_company):
    stranger = UserFactory(company=other_company, email="stranger@globex.example")
    LoginDenialFactory(user=stranger, at=timezone.now() - datetime.timedelta(hours=2))

    client = signed_in_client(company_admin)
    html = client.get(PORTAL).content.decode()
    exported = csv_rows(client.get(PORTAL_CSV))

    assert "stranger@globex.example" not in html
    assert all("stranger@globex.example" not in row for row in exported)


def test_portal_ledger_is_paginated(company_admin, company):
    person = UserFactory(company=company)
    start = timezone.now() - datetime.timedelta(days=3)
    for n in range(60):
        LoginDenialFactory(user=person, at=start + datetime.timedelta(minutes=n))
    client = signed_in_client(company_admin)

    first = client.get(PORTAL, {"kind": "refused"})
    second = client.get(PORTAL, {"kind": "refused", "page": 2})
    beyond = client.get(PORTAL, {"kind": "refused", "page": 9})

    assert len(first.context["page"].events) == 50 and first.context["page"].has_next
    assert "page=2" in first.content.decode() and "kind=refused" in first.content.decode()
    assert len(second.context["page"].events) == 10 and not second.context["page"].has_next
    # Newest first: the second page goes further back.
    assert second.context["page"].events[0].at < first.context["page"].events[-1].at
    assert beyond.status_code == 200 and beyond.context["page"].number == 2
    assert "That page is past the end" in beyond.content.decode()


def test_portal_ledger_validates_the_period(company_admin):
    response = signed_in_client(company_admin).get(
        PORTAL, {"start": "2025-05-02", "end": "2025-05-01"}
    )

    assert response.status_code == 400
    assert "The last day is before the first day." in response.content.decode()


def test_portal_csv_export_content(company_admin, history):
    response = signed_in_client(company_admin).get(PORTAL_CSV, {"kind": ["refused", "released"]})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="seat-ledger-acme-' in response["Content-Disposition"]
    assert response.streaming
    rows = csv_rows(response)
    assert rows[0][:5] == ["time", "event", "email", "name", "reason"]
    refused = next(r for r in rows if r[1] == "Sign-in refused")
    assert refused[2:5] == [history[3].email, "'=HYPERLINK(evil)", "All seats in use"]
    assert refused[8:10] == ["3", "3"]
    forced = next(r for r in rows if r[1] == "Seat released" and r[4] == "Forced logout")
    assert forced[10:] == ["support@foundry.example", "Asked by their boss"]
    assert not any(r[1] == "Seat claimed" for r in rows[1:])


def test_members_and_anonymous_cannot_read_the_portal_ledger(members):
    member = signed_in_client(members[0])
    for url in (PORTAL, PORTAL_CSV):
        assert member.get(url).status_code == 403
        assert Client().get(url).status_code == 302


# --- The staff console ---------------------------------------------------------------------------


def test_admin_ledger_for_support_own_manager_and_superuser(
    company, history, support_agent, account_manager, superuser
):
    for user in (support_agent, account_manager, superuser):
        client = signed_in_client(user)
        page = client.get(admin_ledger(company))
        assert page.status_code == 200, user
        assert history[3].email in page.content.decode()
        assert client.get(admin_ledger(company, csv_file=True)).status_code == 200


def test_admin_ledger_of_another_managers_company_is_not_found(
    company, other_company, account_manager
):
    client = signed_in_client(account_manager)

    assert client.get(admin_ledger(other_company)).status_code == 404
    assert client.get(admin_ledger(other_company, csv_file=True)).status_code == 404


def test_admin_ledger_refuses_customers_and_anonymous(company, company_admin):
    for client in (signed_in_client(company_admin), Client()):
        for url in (admin_ledger(company), admin_ledger(company, csv_file=True)):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_csv_keeps_the_filters(company, history, support_agent):
    response = signed_in_client(support_agent).get(
        admin_ledger(company, csv_file=True), {"user": history[0].pk}
    )

    rows = csv_rows(response)[1:]
    assert rows and {row[2] for row in rows} == {history[0].email}


def test_admin_csv_rejects_bad_filters(company, support_agent):
    response = signed_in_client(support_agent).get(
        admin_ledger(company, csv_file=True), {"start": "2025-05-02", "end": "2025-05-01"}
    )

    assert response.status_code == 400
    assert "before the first day" in response.content.decode()


def test_admin_ledger_page_links_to_the_csv_with_the_same_filters(company, history, support_agent):
    html = (
        signed_in_client(support_agent)
        .get(admin_ledger(company), {"kind": "refused"})
        .content.decode()
    )

    assert admin_ledger(company, csv_file=True) + "?kind=refused" in html


# --- Page numbers: any number is answered, and no page reads past the reach of the pager ---------


@pytest.mark.parametrize("asked", ["9999999999999999999999999", "1000000000000", "9" * 5000])
@pytest.mark.parametrize("where", ["portal", "admin"])
def test_a_page_number_past_the_last_page_shows_the_last_page(
    where, asked, company, company_admin, support_agent, history
):
    client, url = (
        (signed_in_client(company_admin), PORTAL)
        if where == "portal"
        else (signed_in_client(support_agent), admin_ledger(company))
    )

    response = client.get(url, {"page": asked})

    assert response.status_code == 200
    assert response.context["page"].number == 1 and response.context["page"].events
    assert "That page is past the end" in response.content.decode()


def test_pages_far_from_both_ends_are_not_read(company_admin, company, monkeypatch):
    monkeypatch.setattr("usage.pages.LEDGER_MAX_PAGE", 1)
    person = UserFactory(company=company)
    start = timezone.now() - datetime.timedelta(days=3)
    for n in range(120):
        LoginDenialFactory(user=person, at=start + datetime.timedelta(minutes=n))
    client = signed_in_client(company_admin)

    last = client.get(PORTAL, {"kind": "refused", "page": 3})

    def unread(*args, **kwargs):
        raise AssertionError("the ledger was read for a page out of reach")

    monkeypatch.setattr("usage.pages.ledger", unread)
    middle = client.get(PORTAL, {"kind": "refused", "page": 2})

    assert last.status_code == 200 and len(last.context["page"].events) == 20
    assert middle.status_code == 404
    html = middle.content.decode()
    assert "Page 2 of 3 is too far from both ends to show" in html
    assert "export the CSV for every event" in html


@pytest.mark.parametrize(("asked", "number"), [("abc", 1), ("-3", 1), ("0", 1), ("", 1), ("7", 7)])
def test_page_numbers_that_are_not_positive_numbers_mean_the_first_page(asked, number):
    from usage.pages import page_number

    assert page_number(asked) == number
