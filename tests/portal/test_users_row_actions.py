"""Each row of Users and Roles offers what can be done to that person: sign out someone holding a
seat (after the unsaved-work warning), make admin or member, resend an invitation, deactivate or
reactivate. Every action is a POST with its CSRF token, checked on the server, and the list costs
the same queries however many rows it shows."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from portal import services
from sessions_seats.forced_logout import UNSAVED_WORK_WARNING
from sessions_seats.models import ForcedLogout, Seat, SeatSession

from ..conftest import sign_in
from ..factories import (
    PASSWORD,
    CompanyAdminFactory,
    CompanyFactory,
    EntitlementFactory,
    StaffFactory,
    UserFactory,
    seated,
)
from .test_portal_security import unlabelled_fields
from .test_portal_users import row_of

pytestmark = pytest.mark.django_db

USERS = reverse("portal:users")


def sign_out_url(user: User) -> str:
    return reverse("portal:user_sign_out", args=[user.pk])


SIGN_OUT = {"reason": "Left the laptop signed in at the office", "acknowledge": "on"}


# --- What each row offers -----------------------------------------------------------------------


def test_each_row_offers_what_can_be_done_to_that_person(
    admin_client, company, company_admin, support_agent, members
):
    holder, member, invited, by_admin, by_staff = members
    for person in (holder, member):
        person.last_login = timezone.now()
        person.save()
    seated(holder)
    other_admin = CompanyAdminFactory(company=company, last_login=timezone.now())
    account_services.deactivate(actor=company_admin, user=by_admin)
    account_services.deactivate(actor=support_agent, user=by_staff)

    page = admin_client.get(USERS).content.decode()

    holding = row_of(page, holder.email)
    assert f'href="{sign_out_url(holder)}?next=' in holding
    assert "Make admin" in holding and "Deactivate" in holding
    plain = row_of(page, member.email)
    assert "Sign out" not in plain and "Resend invitation" not in plain
    assert re.search(
        r'name="role" value="admin">\s*<button type="submit" class="link">Make admin', plain
    )
    assert "Make member" in row_of(page, other_admin.email)
    assert "Resend invitation" in row_of(page, invited.email)
    assert f'href="{reverse("portal:user", args=[member.pk])}?next=' in plain
    assert "#deactivate" in plain
    assert reverse("portal:user_reactivate", args=[by_admin.pk]) in row_of(page, by_admin.email)
    staffs = row_of(page, by_staff.email)
    assert "Reactivate" not in staffs and "Only Foundry support can reactivate" in staffs
    own = row_of(page, company_admin.email)
    assert "Change role…" in own
    assert "Sign out" not in own and "Deactivate" not in own and "Make member" not in own


def test_every_state_changing_row_action_is_a_post_with_its_csrf_token(admin_client, members):
    seated(members[0])

    page = admin_client.get(USERS).content.decode()

    forms = re.findall(r"<form\b[^>]*>.*?</form>", page.split("<tbody>", 1)[1], re.S)
    assert forms
    for form in forms:
        assert 'method="post"' in form
        assert 'name="csrfmiddlewaretoken"' in form
    # Links change nothing: they open a page that asks first.
    for href in re.findall(r'<a href="([^"]+)"', page.split("<tbody>", 1)[1]):
        assert "/role/" not in href and "/reactivate/" not in href and "/invite/" not in href


def test_a_row_action_returns_to_the_list_with_its_filter_and_page(admin_client, members):
    back = f"{USERS}?show=invited&q=acme&page=1"

    response = admin_client.post(
        reverse("portal:user_role", args=[members[0].pk]), {"role": "admin", "next": back}
    )

    assert response.status_code == 302 and response.url == back
    members[0].refresh_from_db()
    assert members[0].role == "admin"


@pytest.mark.parametrize(
    "elsewhere",
    ["https://evil.example/security/users/", "//evil.example/security/users/", "/licenses/usage/"],
)
def test_a_row_action_never_returns_to_another_page_or_site(admin_client, members, elsewhere):
    response = admin_client.post(
        reverse("portal:user_invite", args=[members[0].pk]), {"next": elsewhere}
    )

    assert response.url == reverse("portal:user", args=[members[0].pk])
    assert [m.to for m in mail.outbox] == [[members[0].email]]


def test_resending_an_invitation_from_the_list_emails_a_link(admin_client, members):
    response = admin_client.post(
        reverse("portal:user_invite", args=[members[2].pk]), {"next": USERS}, follow=True
    )

    assert f"We emailed {members[2].email} a link to set a password." in response.content.decode()
    assert [m.to for m in mail.outbox] == [[members[2].email]]


def test_reactivating_from_the_list(admin_client, company_admin, members):
    account_services.deactivate(actor=company_admin, user=members[0])

    response = admin_client.post(
        reverse("portal:user_reactivate", args=[members[0].pk]),
        {"next": f"{USERS}?show=deactivated"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"{USERS}?show=deactivated"
    assert f"{members[0].full_name} can sign in again." in response.content.decode()
    members[0].refresh_from_db()
    assert members[0].is_active


# --- Sign out… --------------------------------------------------------------------------------


def test_signing_someone_out_first_shows_the_warning_and_each_devices_activity(
    admin_client, members
):
    seat = seated(members[0], devices=2, idle=datetime.timedelta(hours=2))
    SeatSession.objects.filter(seat=seat).update(
        user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    )
    seated(members[1], idle=datetime.timedelta(minutes=1))

    idle = admin_client.get(sign_out_url(members[0])).content.decode()
    busy = admin_client.get(sign_out_url(members[1])).content.decode()

    assert f"Sign out {members[0].full_name}?" in idle
    assert UNSAVED_WORK_WARNING in idle
    assert "Signed in on 2 devices" in idle
    assert idle.count("2 h 0 min ago") == 2 and "Chrome on Windows" in idle
    assert "probably working right now" not in idle
    assert "probably working right now" in busy
    assert 'name="reason"' in idle and 'name="acknowledge"' in idle
    # Nothing happened yet.
    assert Seat.objects.open().filter(user=members[0]).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"acknowledge": "on"}, "Say why you are signing this user out."),
        ({"reason": "   ", "acknowledge": "on"}, "Say why you are signing this user out."),
        ({"reason": "Needed the seat"}, "Confirm that you understand they may lose unsaved work."),
    ],
)
def test_signing_someone_out_needs_a_reason_and_the_acknowledgement(
    admin_client, members, data, error
):
    seated(members[0])

    response = admin_client.post(sign_out_url(members[0]), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert Seat.objects.open().filter(user=members[0]).exists()
    assert not ForcedLogout.objects.exists()


def test_signing_someone_out_ends_every_device_audited_and_keeps_the_account(
    admin_client, company_admin, members
):
    laptop, phone = Client(), Client()
    sign_in(laptop, members[0])
    sign_in(phone, members[0])

    response = admin_client.post(
        sign_out_url(members[0]), {**SIGN_OUT, "next": f"{USERS}?show=signed_in"}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"{USERS}?show=signed_in"
    assert f"Signed {members[0].full_name} out on 2 devices." in response.content.decode()
    seat = Seat.objects.get(user=members[0])
    assert seat.release_reason == "forced"
    assert set(seat.sessions.values_list("end_reason", flat=True)) == {"forced"}
    record = ForcedLogout.objects.get()
    assert (record.actor, record.target, record.actor_role, record.reason) == (
        company_admin,
        members[0],
        "company_admin",
        SIGN_OUT["reason"],
    )
    assert record.sessions_ended == 2
    assert laptop.get(reverse("home")).status_code == 302
    members[0].refresh_from_db()
    assert members[0].is_active
    assert sign_in(Client(), members[0], password=PASSWORD).status_code == 302


def test_the_seat_summary_counts_the_freed_seat(admin_client, members):
    sign_in(Client(), members[0])
    assert "2 of 3 seats in use" in admin_client.get(USERS).content.decode()

    admin_client.post(sign_out_url(members[0]), SIGN_OUT)

    assert "1 of 3 seats in use" in admin_client.get(USERS).content.decode()


def test_someone_not_signed_in_has_nothing_to_sign_out(admin_client, members):
    response = admin_client.get(sign_out_url(members[0]), follow=True)

    assert f"{members[0].full_name} is not signed in: nobody to sign out." in (
        response.content.decode()
    )
    assert not ForcedLogout.objects.exists()


def test_an_admin_signs_themselves_out_in_my_sessions_not_here(admin_client, company_admin):
    for response in (
        admin_client.get(sign_out_url(company_admin)),
        admin_client.post(sign_out_url(company_admin), SIGN_OUT),
    ):
        assert response.url == reverse("portal:my_sessions")
    assert Seat.objects.open().filter(user=company_admin).exists()
    assert admin_client.get(reverse("home")).status_code == 200
    with pytest.raises(Exception, match="use My sessions or Log out"):
        services.sign_out_user(actor=company_admin, user=company_admin, reason="r")


# --- Permissions, tenancy, CSRF -----------------------------------------------------------------


def test_a_member_cannot_sign_anyone_out_or_change_roles(members):
    seated(members[1])
    member = Client()
    sign_in(member, members[0])

    assert member.get(sign_out_url(members[1])).status_code == 403
    assert member.post(sign_out_url(members[1]), SIGN_OUT).status_code == 403
    assert (
        member.post(
            reverse("portal:user_role", args=[members[0].pk]), {"role": "admin"}
        ).status_code
        == 403
    )
    assert Seat.objects.open().filter(user=members[1]).exists()
    members[0].refresh_from_db()
    assert members[0].role == "member"
    with pytest.raises(PermissionDenied):
        services.sign_out_user(actor=members[0], user=members[1], reason="r")


def test_an_admin_of_another_company_cannot_sign_acme_people_out(members):
    other = CompanyFactory(name="Globex")
    EntitlementFactory(company=other)
    stranger = CompanyAdminFactory(company=other)
    client = Client()
    sign_in(client, stranger)
    seated(members[0])

    assert client.get(sign_out_url(members[0])).status_code == 404
    assert client.post(sign_out_url(members[0]), SIGN_OUT).status_code == 404
    assert members[0].email not in client.get(USERS, {"show": "signed_in"}).content.decode()
    assert Seat.objects.open().filter(user=members[0]).exists()
    with pytest.raises(PermissionDenied):
        services.sign_out_user(actor=stranger, user=members[0], reason="r")


def test_staff_cannot_use_the_portals_sign_out(members):
    seated(members[0])
    staff = Client()
    sign_in(staff, StaffFactory())

    assert staff.post(sign_out_url(members[0]), SIGN_OUT).status_code == 403
    assert Seat.objects.open().filter(user=members[0]).exists()


def test_signing_out_needs_the_csrf_token(company_admin, members):
    seated(members[0])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(company_admin)

    assert strict.post(sign_out_url(members[0]), SIGN_OUT).status_code == 403
    assert Seat.objects.open().filter(user=members[0]).exists()


# --- Cost -------------------------------------------------------------------------------------


def add_people(company, admin, support_agent, n: int) -> None:
    """`n` people of every kind a row can show: holders of seats, admins, members who signed in,
    invitees, and people deactivated by the company's admin or by Foundry staff."""
    before = timezone.now() - datetime.timedelta(days=1)
    start = User.objects.filter(company=company).count()
    for i in range(start, start + n):
        kind = i % 6
        person = UserFactory(
            company=company,
            # Listed by name: every kind on every page.
            full_name=f"Pat Example {i:03d}",
            role="admin" if kind == 1 else "member",
            last_login=None if kind == 2 else before,
        )
        if kind == 0:
            seated(person, devices=2)
        elif kind == 3:
            account_services.deactivate(actor=admin, user=person)
        elif kind == 4:
            account_services.deactivate(actor=support_agent, user=person)


def test_the_list_costs_the_same_queries_with_5_or_50_users(
    admin_client, company, company_admin, support_agent, django_assert_num_queries
):
    views = [{}, {"show": "signed_in"}, {"show": "deactivated"}, {"q": "example", "page": "2"}]

    def count_queries(params: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(USERS, params).status_code == 200
        return len(captured)

    add_people(company, company_admin, support_agent, 4)  # 5 with the admin
    assert admin_client.get(USERS).content.decode().count("<tr>") == 5 + 1  # and the header
    few = [count_queries(params) for params in views]
    add_people(company, company_admin, support_agent, 45)

    for params, expected in zip(views, few, strict=True):
        with django_assert_num_queries(expected):
            admin_client.get(USERS, params)
    many = admin_client.get(USERS).content.decode()
    assert many.count("<tr>") == 20 + 1
    for shown in ("Sign out", "Make admin", "Make member", "Resend invitation", "Reactivate"):
        assert shown in many, shown
    assert "Only Foundry support can reactivate" in many


def test_every_field_of_the_new_pages_is_labelled(admin_client, members):
    seated(members[0])

    for url in (USERS, f"{USERS}?show=signed_in&q=user", sign_out_url(members[0])):
        html = admin_client.get(url).content.decode()
        assert unlabelled_fields(html) == [], url
