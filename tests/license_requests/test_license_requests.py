"""Asking for more licenses: from the portal home and the refusal page (company admins; members
are told whom to ask), one open request per company (a second one is merged), the account
manager's queue in the admin, fulfilment by assigning an entitlement, declining with a note, and
the emails of each step."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from license_requests import services as upgrades
from license_requests import tasks
from license_requests.models import LicenseRequest
from portal import proofs
from sessions_seats.models import Entitlement, LicensePackage
from sessions_seats.selectors import capacity_of

from ..conftest import sign_in, signed_in_client
from ..factories import (
    PASSWORD,
    CompanyAdminFactory,
    CompanyFactory,
    EntitlementFactory,
    LicenseRequestFactory,
    LoginDenialFactory,
    PackageFactory,
    past_seat,
    seated,
)

pytestmark = pytest.mark.django_db

ASK = reverse("portal:license_request")
MINE = reverse("portal:license_requests")
QUEUE = reverse("admin:license_requests_licenserequest_changelist")


@pytest.fixture(autouse=True)
def tasks_run_inline(monkeypatch):
    """The broker: each task sent after commit runs at once, in this process."""
    for task in (tasks.notify_license_request, tasks.notify_license_decision):
        monkeypatch.setattr(task, "delay", lambda _t=task, **kw: _t.apply(kwargs=kw))


@pytest.fixture
def ten(db):
    return PackageFactory(seats=10)


def change_url(obj) -> str:
    return reverse("admin:license_requests_licenserequest_change", args=[obj.pk])


def assign_url(obj) -> str:
    return reverse("admin:license_requests_licenserequest_assign", args=[obj.pk])


def decline_url(obj) -> str:
    return reverse("admin:license_requests_licenserequest_decline", args=[obj.pk])


# --- Asking from the portal -----------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_recommendation(company, company_admin, members, ten):
    nine = timezone.now() - datetime.timedelta(days=2, hours=1)
    for person in members[:3]:
        past_seat(person, claimed_at=nine, hours=3)
    for person in members[3:]:
        LoginDenialFactory(user=person, at=nine + datetime.timedelta(minutes=30))

    response = signed_in_client(company_admin).get(ASK)

    assert response.status_code == 200
    # 5 people wanted a seat at once, 3 seats: two more would do. The smallest catalogue line
    # that reaches 5 seats is 2 × the single-user package (one 3-user package would add 3).
    single = LicensePackage.objects.get(seats=1)
    assert response.context["form"].initial == {"package": single.pk, "quantity": 2}
    html = response.content.decode()
    assert "With 3 seats, 2 sign-ins were refused on 1 day." in html
    assert f"Add 2 × {single.name} (2 seats) to today&#x27;s 3 seats for 5 in total" in html


def test_an_admin_asks_and_the_account_manager_is_emailed(
    company, company_admin, ten, django_capture_on_commit_callbacks
):
    client = signed_in_client(company_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ASK, {"package": ten.pk, "quantity": 2, "note": "Team grows"})

    assert response.status_code == 302 and response["Location"] == MINE
    request = LicenseRequest.objects.get()
    assert (request.company, request.requested_by, request.status) == (
        company,
        company_admin,
        "open",
    )
    assert (request.package, request.quantity) == (ten, 2)
    assert "Alex Admin <admin@acme.example>" in request.note and "Team grows" in request.note
    [email] = mail.outbox
    assert email.to == [company.account_manager.email]
    assert email.subject == "New license request: Acme Foods"
    assert "2 × 10 users (20 seats)" in email.body
    assert change_url(request) in email.body
    page = client.get(MINE).content.decode()
    assert "Request sent: 2 × 10 users." in page and 'data-status="open"' in page


def test_a_second_ask_is_merged_into_the_open_request(
    company, company_admin, ten, django_capture_on_commit_callbacks
):
    other_admin = CompanyAdminFactory(company=company, full_name="Bo Boss")
    signed_in_client(company_admin).post(ASK, {"package": ten.pk, "quantity": 1, "note": "first"})
    client = signed_in_client(other_admin)
    three = company.entitlements.get().package

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ASK, {"package": three.pk, "quantity": 4, "note": "second"}, follow=True
        )

    request = LicenseRequest.objects.get()  # still one
    assert (request.package, request.quantity, request.merged_count) == (three, 4, 1)
    assert request.requested_by == company_admin
    assert request.note.index("first") < request.note.index("second")
    assert set(request.requesters.all()) == {company_admin, other_admin}
    assert "already had an open request, so we added yours to it" in response.content.decode()
    assert mail.outbox[-1].subject == "An open license request was updated: Acme Foods"


def test_one_open_request_per_company_is_a_database_rule(company, company_admin):
    LicenseRequestFactory(requested_by=company_admin)
    with pytest.raises(IntegrityError):
        LicenseRequestFactory(requested_by=company_admin)


def test_a_new_request_opens_once_the_last_one_is_answered(company, company_admin, ten, superuser):
    first = LicenseRequestFactory(requested_by=company_admin)
    upgrades.decline_request(actor=superuser, license_request=first, note="Not now")

    asked = upgrades.request_more_licenses(requester=company_admin, package=ten, quantity=1)

    assert not asked.merged and asked.request.pk != first.pk
    assert LicenseRequest.objects.filter(status="open").count() == 1


def test_without_an_account_manager_support_is_emailed(
    ten, settings, django_capture_on_commit_callbacks
):
    orphan = CompanyFactory(name="Orphan", account_manager=None)
    EntitlementFactory(company=orphan)
    admin = CompanyAdminFactory(company=orphan)

    with django_capture_on_commit_callbacks(execute=True):
        upgrades.request_more_licenses(requester=admin, package=ten, quantity=1)

    assert mail.outbox[0].to == [settings.SUPPORT_CONTACT_EMAIL]


def test_members_are_told_to_ask_their_admins_and_cannot_ask(company, company_admin, members, ten):
    client = signed_in_client(members[0])

    page = client.get(ASK)
    post = client.post(ASK, {"package": ten.pk, "quantity": 1})
    home = client.get(reverse("home")).content.decode()

    assert page.status_code == post.status_code == 403
    assert 'Ask <a href="mailto:admin@acme.example' in page.content.decode()
    assert "admin@acme.example" in home and ASK not in home
    assert not LicenseRequest.objects.exists()
    assert client.get(MINE).status_code == 403


def test_the_form_validates(company_admin, ten):
    response = signed_in_client(company_admin).post(ASK, {"package": ten.pk, "quantity": 0})

    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    assert not LicenseRequest.objects.exists()


def test_the_portal_lists_only_the_companys_requests(company_admin, other_company, ten):
    LicenseRequestFactory(requested_by=company_admin, note="ours")
    LicenseRequestFactory(requested_by=CompanyAdminFactory(company=other_company), note="theirs")

    context = signed_in_client(company_admin).get(MINE).context

    assert [r.company_id for r in context["requests"]] == [company_admin.company_id]


def test_home_shows_the_latest_requests_status(company_admin, superuser):
    request = LicenseRequestFactory(requested_by=company_admin)
    upgrades.decline_request(actor=superuser, license_request=request, note="Budget")

    html = signed_in_client(company_admin).get(reverse("home")).content.decode()

    assert 'id="latest-request"' in html and "<strong>declined</strong>" in html


# --- From the refusal page ----------------------------------------------------------------------


@pytest.fixture
def full(company, members):
    for person in members[:3]:
        seated(person)
    return company


def test_a_refused_admin_can_ask_from_the_refusal_page(
    full, company_admin, ten, django_capture_on_commit_callbacks
):
    client = Client()
    refused = sign_in(client, company_admin)
    assert refused.status_code == 403
    token = refused.context["license_request_token"]
    assert reverse("portal:license_request_from_refusal") in refused.content.decode()

    form = client.post(reverse("portal:license_request_from_refusal"), {"token": token})
    assert form.status_code == 200 and form.context["form"].initial["token"] == token
    send = reverse("portal:license_request_from_refusal_send")
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(send, {"token": token, "package": ten.pk, "quantity": 1}, follow=True)

    assert LicenseRequest.objects.get().requested_by == company_admin
    assert "Request sent: 1 × 10 users." in sent.content.decode()
    assert len(mail.outbox) == 1
    # The proof is spent: the same token sends nothing more.
    again = client.post(send, {"token": token, "package": ten.pk, "quantity": 3}, follow=True)
    assert "used already" in again.content.decode()
    assert LicenseRequest.objects.get().quantity == 1


def test_a_refused_member_is_told_whom_to_ask(full, company_admin, members):
    refused = sign_in(Client(), members[3])

    html = refused.content.decode()
    assert "license_request_token" not in refused.context
    assert 'id="ask-your-admins"' in html and "Alex Admin" in html


@pytest.mark.parametrize(
    "token",
    ["tampered", lambda user: proofs.issue_proof(user, proofs.SEAT_WISH)],
    ids=["tampered", "other-purpose"],
)
def test_a_bad_refusal_token_asks_nothing(full, company_admin, ten, token):
    token = token(company_admin) if callable(token) else token
    client = Client()

    for url in ("license_request_from_refusal", "license_request_from_refusal_send"):
        response = client.post(
            reverse(f"portal:{url}"), {"token": token, "package": ten.pk, "quantity": 1}
        )
        assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not LicenseRequest.objects.exists()


def test_a_members_refusal_token_asks_nothing(full, members, ten):
    token = proofs.issue_proof(members[3], proofs.LICENSE_REQUEST)

    Client().post(
        reverse("portal:license_request_from_refusal_send"),
        {"token": token, "package": ten.pk, "quantity": 1},
    )

    assert not LicenseRequest.objects.exists()


# --- The account managers' queue -----------------------------------------------------------------


@pytest.fixture
def requests_(company, company_admin, other_company, ten):
    ours = LicenseRequestFactory(requested_by=company_admin, package=ten, quantity=2)
    theirs = LicenseRequestFactory(requested_by=CompanyAdminFactory(company=other_company))
    return ours, theirs


def test_the_queue_is_scoped_to_the_managers_companies(requests_, account_manager, support_agent):
    ours, theirs = requests_

    managed = signed_in_client(account_manager).get(QUEUE).context["cl"].result_list
    everyone = signed_in_client(support_agent).get(QUEUE).context["cl"].result_list

    assert list(managed) == [ours]
    assert set(everyone) == {ours, theirs}


def test_the_queue_shows_open_requests_by_default(requests_, account_manager, superuser):
    ours, _ = requests_
    upgrades.decline_request(actor=superuser, license_request=ours, note="No")
    client = signed_in_client(account_manager)

    assert list(client.get(QUEUE).context["cl"].result_list) == []
    assert list(client.get(QUEUE, {"status": "declined"}).context["cl"].result_list) == [ours]


def test_another_manager_cannot_see_or_answer(requests_, account_manager, ten):
    _, theirs = requests_
    client = signed_in_client(account_manager)

    assert client.get(change_url(theirs)).status_code == 404
    assert client.get(assign_url(theirs)).status_code == 404
    post = {"package": ten.pk, "quantity": 1, "starts_on": "2025-01-01"}
    assert client.post(assign_url(theirs), post).status_code == 404
    assert client.post(decline_url(theirs), {"note": "no"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_open


def test_support_reads_but_does_not_answer(requests_, support_agent, ten):
    ours, _ = requests_
    client = signed_in_client(support_agent)

    page = client.get(change_url(ours))
    assert page.status_code == 200 and assign_url(ours) not in page.content.decode()
    assert client.post(assign_url(ours), {"package": ten.pk, "quantity": 1}).status_code == 403
    assert client.post(decline_url(ours), {"note": "no"}).status_code == 403
    ours.refresh_from_db()
    assert ours.is_open


def test_customers_never_reach_the_queue(requests_, company_admin):
    ours, _ = requests_
    for client in (signed_in_client(company_admin), Client()):
        for url in (QUEUE, change_url(ours), assign_url(ours), decline_url(ours)):
            assert "/admin/login/" in client.get(url)["Location"]


def test_assigning_an_entitlement_fulfils_the_request_and_emails_the_requester(
    company, requests_, account_manager, ten, django_capture_on_commit_callbacks
):
    ours, _ = requests_
    client = signed_in_client(account_manager)
    page = client.get(change_url(ours)).content.decode()
    assert assign_url(ours) in page and decline_url(ours) in page
    form = client.get(assign_url(ours)).context["form"]
    assert (form.initial["package"], form.initial["quantity"]) == (ten.pk, 2)
    today = timezone.localdate()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            assign_url(ours),
            {"package": ten.pk, "quantity": 2, "starts_on": today.isoformat(), "note": "Enjoy"},
            follow=True,
        )

    ours.refresh_from_db()
    entitlement = Entitlement.objects.get(company=company, package=ten)
    assert (ours.status, ours.fulfilled_by, ours.decided_by) == (
        "fulfilled",
        entitlement,
        account_manager,
    )
    assert (entitlement.quantity, entitlement.assigned_by) == (2, account_manager)
    assert capacity_of(company) == 3 + 20
    assert "the request is fulfilled" in response.content.decode()
    [email] = mail.outbox
    assert email.to == [ours.requested_by.email]
    assert "now has 2 × 10 users" in email.body and "Enjoy" in email.body
    # Answered: a second assignment adds nothing.
    client.post(assign_url(ours), {"package": ten.pk, "quantity": 2, "starts_on": today})
    assert Entitlement.objects.filter(company=company, package=ten).count() == 1


def test_fulfilment_is_all_or_nothing(requests_, account_manager, ten):
    ours, _ = requests_
    today = timezone.localdate()

    with pytest.raises(ValidationError):  # the entitlement's own validation
        upgrades.fulfil_request(
            actor=account_manager,
            license_request=ours,
            package=ten,
            quantity=1,
            starts_on=today,
            ends_on=today - datetime.timedelta(days=1),
        )

    ours.refresh_from_db()
    assert ours.is_open and not Entitlement.objects.filter(package=ten).exists()


def test_declining_needs_a_note_and_emails_everyone_who_asked(
    company, requests_, account_manager, django_capture_on_commit_callbacks
):
    ours, _ = requests_
    colleague = CompanyAdminFactory(company=company)
    ours.requesters.add(colleague)
    client = signed_in_client(account_manager)

    empty = client.post(decline_url(ours), {"note": ""})
    assert empty.status_code == 400 and "Say why" in empty.content.decode()
    ours.refresh_from_db()
    assert ours.is_open
    with django_capture_on_commit_callbacks(execute=True):
        client.post(decline_url(ours), {"note": "Renewal first, then more seats"})

    ours.refresh_from_db()
    assert (ours.status, ours.decided_by) == ("declined", account_manager)
    [email] = mail.outbox
    assert sorted(email.to) == sorted([ours.requested_by.email, colleague.email])
    assert "declined" in email.body and "Renewal first" in email.body


def test_the_requester_sees_the_decision_in_the_portal(requests_, account_manager):
    ours, _ = requests_
    upgrades.decline_request(actor=account_manager, license_request=ours, note="Call me")

    html = signed_in_client(ours.requested_by).get(MINE).content.decode()

    assert 'data-status="declined"' in html and "Call me" in html


# --- CSRF ---------------------------------------------------------------------------------------


def test_every_post_needs_the_csrf_token(requests_, company_admin, account_manager, ten):
    ours, _ = requests_
    customer = Client(enforce_csrf_checks=True)
    customer.get(reverse("login"))
    # Signed in properly, with the token: only the POSTs below lack it.
    csrf = customer.cookies["csrftoken"].value
    login = {"username": company_admin.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    assert customer.post(reverse("login"), login).status_code == 302
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(account_manager)
    anonymous = Client(enforce_csrf_checks=True)
    token = proofs.issue_proof(company_admin, proofs.LICENSE_REQUEST)
    posts = [
        (customer, ASK, {"package": ten.pk, "quantity": 5}),
        (customer, reverse("portal:digest_subscription"), {"subscribe": "on"}),
        (anonymous, reverse("portal:license_request_from_refusal"), {"token": token}),
        (
            anonymous,
            reverse("portal:license_request_from_refusal_send"),
            {"token": token, "package": ten.pk, "quantity": 5},
        ),
        (staff, assign_url(ours), {"package": ten.pk, "quantity": 1, "starts_on": "2025-01-01"}),
        (staff, decline_url(ours), {"note": "no"}),
    ]

    for client, url, data in posts:
        assert client.post(url, data).status_code == 403, url

    ours.refresh_from_db()
    assert (ours.status, ours.quantity) == ("open", 2)
    assert not company_admin.__class__.objects.filter(digest_subscription__isnull=False).exists()


def test_staff_are_not_offered_to_buy(support_agent):
    assert signed_in_client(support_agent).get(ASK).status_code == 403


def test_a_deactivated_admin_cannot_ask(company_admin, ten):
    company_admin.is_active = False
    with pytest.raises(PermissionDenied):
        upgrades.request_more_licenses(requester=company_admin, package=ten, quantity=1)
    assert not LicenseRequest.objects.exists()


def test_a_broker_outage_keeps_the_request_and_logs_the_unsent_email(
    company_admin, ten, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    def broker_down(**kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.notify_license_request, "delay", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        asked = upgrades.request_more_licenses(requester=company_admin, package=ten, quantity=1)

    assert LicenseRequest.objects.get(pk=asked.request.pk).status == LicenseRequest.Status.OPEN
    assert "Could not queue license_requests.tasks.notify_license_request" in caplog.text
    assert mail.outbox == []
