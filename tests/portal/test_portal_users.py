"""Security → Users and Roles: a company admin lists, adds, re-roles and deactivates their own
company's people; never anyone else's, never the last admin, never staff."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from sessions_seats.models import ForcedLogout, Seat, SeatSession

from ..conftest import sign_in
from ..factories import (
    PASSWORD,
    CompanyAdminFactory,
    SeatSessionFactory,
    StaffFactory,
    UserFactory,
    past_seat,
    seated,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(company_admin) -> Client:
    client = Client()
    assert sign_in(client, company_admin).status_code == 302
    return client


def row_of(page: str, email: str) -> str:
    """The table row of the user with this email."""
    table = page.split("<tbody>", 1)[1]
    return re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(email)}.*?</tr>", table, re.S).group(0)


def test_the_list_shows_role_status_and_seat(admin_client, members, company_admin):
    sign_in(Client(), members[0])
    members[4].is_active = False
    members[4].save()

    page = admin_client.get(reverse("portal:users")).content.decode()

    assert "6 users of Acme Foods" in page
    row = row_of(page, members[0].email)
    assert "Member" in row and "Active" in row and "Holds a seat since" in row
    assert "Company admin" in row_of(page, company_admin.email)
    assert "Deactivated" in row_of(page, members[4].email)
    assert "No seat" in row_of(page, members[1].email)


def test_seat_holders_show_how_long_they_have_been_idle(admin_client, members):
    now = timezone.now()
    # Two devices: the freshest one counts; an ended device and a released seat do not.
    past_seat(members[0], claimed_at=now - datetime.timedelta(hours=1), hours=1)
    seat = seated(members[0], idle=datetime.timedelta(hours=5))
    SeatSessionFactory(seat=seat, last_activity=now - datetime.timedelta(hours=3, minutes=12))
    SeatSessionFactory(seat=seat, last_activity=now, ended_at=now, end_reason="logout")
    seated(members[1])

    page = admin_client.get(reverse("portal:users")).content.decode()
    detail = admin_client.get(reverse("portal:user", args=[members[0].pk])).content.decode()

    assert "Idle 3 h 12 min" in row_of(page, members[0].email)
    assert "Active now" in row_of(page, members[1].email)
    assert "idle" not in row_of(page, members[2].email).lower()
    assert 'on 2 devices; <span class="seat-idle">idle 3 h 12 min</span>.' in detail


def test_the_list_costs_the_same_queries_however_many_hold_seats(admin_client, company):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse("portal:users")).status_code == 200
        return len(captured)

    for _ in range(2):
        seated(UserFactory(company=company), devices=2)
    few = queries()
    for _ in range(8):
        seated(UserFactory(company=company), devices=2)
    many = queries()

    assert many == few
    # Ten holders and the signed-in admin, all on the first page.
    assert admin_client.get(reverse("portal:users")).content.decode().count("Active now") == 11


def test_search_and_pagination(admin_client, company):
    UserFactory.create_batch(25, company=company, full_name="Pat Example")
    UserFactory(company=company, full_name="Quinn Unique", email="quinn@acme.example")

    first = admin_client.get(reverse("portal:users")).content.decode()
    second = admin_client.get(reverse("portal:users"), {"page": 2}).content.decode()
    found = admin_client.get(reverse("portal:users"), {"q": "QUINN"}).content.decode()
    nothing = admin_client.get(reverse("portal:users"), {"q": "zzz"}).content.decode()

    assert "Page 1 of 2" in first and "Next" in first
    assert "Page 2 of 2" in second and "Previous" in second
    assert "quinn@acme.example" in found and "1 user of Acme Foods" in found
    assert "Nobody matches “zzz”." in nothing


def test_members_staff_and_strangers_cannot_open_users_and_roles(members, company):
    member, staff = Client(), Client()
    sign_in(member, members[0])
    sign_in(staff, StaffFactory())

    assert member.get(reverse("portal:users")).status_code == 403
    assert member.post(reverse("portal:user_add"), {"email": "x@acme.example"}).status_code == 403
    assert staff.get(reverse("portal:users")).status_code == 403
    assert Client().get(reverse("portal:users")).url.startswith(reverse("login"))
    assert not User.objects.filter(email="x@acme.example").exists()


def test_the_user_menu_offers_users_and_roles_to_admins_only(admin_client, members):
    member = Client()
    sign_in(member, members[0])

    admin_page = admin_client.get(reverse("home")).content.decode()
    member_page = member.get(reverse("home")).content.decode()

    for page in (admin_page, member_page):
        assert reverse("portal:my_sessions") in page
        assert f'action="{reverse("logout")}"' in page
    assert reverse("portal:users") in admin_page
    assert reverse("portal:users") not in member_page


def test_adding_a_user_emails_a_working_set_password_link(admin_client, company):
    response = admin_client.post(
        reverse("portal:user_add"),
        {"email": " New.Person@Acme.Example ", "full_name": "New Person", "role": "member"},
        follow=True,
    )

    assert "Added New Person" in response.content.decode()
    user = User.objects.get(email="new.person@acme.example")
    assert (user.company, user.role, user.is_staff, user.has_usable_password()) == (
        company,
        "member",
        False,
        False,
    )
    [email] = mail.outbox
    assert email.to == ["new.person@acme.example"]
    assert "Acme Foods" in email.subject
    base = re.escape(settings.PORTAL_BASE_URL.rstrip("/"))
    link = re.search(rf"{base}(/accounts/reset/\S+)", email.body).group(1)

    newcomer = Client()
    form = newcomer.get(link, follow=True)
    assert "Choose your password" in form.content.decode()
    done = newcomer.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"},
        follow=True,
    )
    assert "Your password is set" in done.content.decode()
    assert sign_in(Client(), user, password="a long new passphrase").status_code == 302


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"email": "User1@acme.example", "full_name": "Dup", "role": "member"},
            "of your company already has this address.",
        ),
        ({"email": "not-an-email", "full_name": "X", "role": "member"}, "valid email"),
        (
            {"email": "ok@acme.example", "full_name": "  ", "role": "member"},
            "This field is required",
        ),
        ({"email": "ok@acme.example", "full_name": "X", "role": "owner"}, "Select a valid choice"),
    ],
)
def test_bad_input_when_adding_is_reported_and_changes_nothing(admin_client, members, data, error):
    before = User.objects.count()

    response = admin_client.post(reverse("portal:user_add"), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert User.objects.count() == before
    assert mail.outbox == []


def test_adding_an_address_of_the_own_company_says_who_has_it(admin_client, members):
    members[4].is_active = False
    members[4].save()

    def error_for(email: str) -> str:
        data = {"email": email, "full_name": "Dup", "role": "member"}
        response = admin_client.post(reverse("portal:user_add"), data)
        assert response.status_code == 400
        return response.context["form"].errors["email"][0]

    assert error_for(members[0].email) == (
        f"{members[0].full_name} of your company already has this address."
    )
    assert error_for(members[4].email) == (
        f"{members[4].full_name} of your company already has this address, "
        "deactivated: reactivate them instead."
    )


@pytest.mark.parametrize("whose", ["other_company", "staff", "superuser"])
def test_adding_an_address_used_elsewhere_does_not_say_where(
    admin_client, request, other_company, whose
):
    if whose == "other_company":
        email = UserFactory(company=other_company, email="wile@globex.example").email
    elif whose == "staff":
        email = StaffFactory(email="sam@foundry.example").email
    else:
        email = request.getfixturevalue("superuser").email
    before = User.objects.count()

    response = admin_client.post(
        reverse("portal:user_add"),
        {"email": email.upper(), "full_name": "Someone", "role": "member"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [
        "This address cannot be added here. If it should be, contact support."
    ]
    html = response.content.decode()
    assert "already has" not in html and "Globex" not in html and "Foundry staff" not in html
    assert User.objects.count() == before
    assert mail.outbox == []


def test_an_admin_cannot_make_anyone_staff(admin_client, members):
    admin_client.post(
        reverse("portal:user_add"),
        {"email": "sneaky@acme.example", "full_name": "S", "role": "admin", "is_staff": "on"},
    )
    admin_client.post(
        reverse("portal:user_role", args=[members[0].pk]),
        {"role": "admin", "is_staff": "on", "is_superuser": "on"},
    )

    assert not User.objects.filter(is_staff=True, company__isnull=False).exists()
    assert not User.objects.get(email="sneaky@acme.example").is_staff
    members[0].refresh_from_db()
    assert (members[0].role, members[0].is_staff, members[0].is_superuser) == (
        "admin",
        False,
        False,
    )


def test_changing_a_role(admin_client, members):
    response = admin_client.post(
        reverse("portal:user_role", args=[members[0].pk]), {"role": "admin"}, follow=True
    )

    assert "is now: Company admin" in response.content.decode()
    members[0].refresh_from_db()
    assert members[0].role == "admin"


def test_the_last_admin_cannot_be_demoted(admin_client, company_admin, members):
    response = admin_client.post(
        reverse("portal:user_role", args=[company_admin.pk]), {"role": "member"}, follow=True
    )

    assert "last admin" in response.content.decode()
    company_admin.refresh_from_db()
    assert company_admin.role == "admin"


def test_an_admin_may_step_down_when_another_admin_remains(admin_client, company_admin, company):
    CompanyAdminFactory(company=company)

    admin_client.post(reverse("portal:user_role", args=[company_admin.pk]), {"role": "member"})

    company_admin.refresh_from_db()
    assert company_admin.role == "member"


def test_a_deactivated_admin_does_not_count_as_the_remaining_admin(
    admin_client, company_admin, company
):
    CompanyAdminFactory(company=company, is_active=False)

    admin_client.post(reverse("portal:user_role", args=[company_admin.pk]), {"role": "member"})

    company_admin.refresh_from_db()
    assert company_admin.role == "admin"


def test_deactivating_ends_every_session_with_reason_forced_and_is_audited(
    admin_client, company_admin, members
):
    laptop, phone = Client(), Client()
    sign_in(laptop, members[0])
    sign_in(phone, members[0])

    response = admin_client.post(
        reverse("portal:user_deactivate", args=[members[0].pk]), {"acknowledge": "on"}, follow=True
    )

    assert "signed them out everywhere" in response.content.decode()
    members[0].refresh_from_db()
    assert not members[0].is_active
    seat = Seat.objects.get(user=members[0])
    assert seat.release_reason == "forced"
    assert set(SeatSession.objects.filter(seat=seat).values_list("end_reason", flat=True)) == {
        "forced"
    }
    record = ForcedLogout.objects.get()
    assert (record.actor, record.target, record.actor_role) == (
        company_admin,
        members[0],
        "company_admin",
    )
    assert laptop.get(reverse("home")).status_code == 302
    assert sign_in(Client(), members[0]).status_code == 200  # refused as inactive


def test_deactivating_needs_the_acknowledgement(admin_client, members):
    sign_in(Client(), members[0])

    response = admin_client.post(
        reverse("portal:user_deactivate", args=[members[0].pk]), follow=True
    )

    assert "Confirm that you understand" in response.content.decode()
    members[0].refresh_from_db()
    assert members[0].is_active
    assert Seat.objects.get(user=members[0]).released_at is None


def test_an_admin_cannot_deactivate_themselves(admin_client, company_admin):
    response = admin_client.post(
        reverse("portal:user_deactivate", args=[company_admin.pk]),
        {"acknowledge": "on"},
        follow=True,
    )

    assert "cannot deactivate yourself" in response.content.decode()
    company_admin.refresh_from_db()
    assert company_admin.is_active


def test_reactivating_and_resending_the_link(admin_client, members):
    members[0].is_active = False
    members[0].save()

    admin_client.post(reverse("portal:user_reactivate", args=[members[0].pk]))
    admin_client.post(reverse("portal:user_invite", args=[members[0].pk]))

    members[0].refresh_from_db()
    assert members[0].is_active
    assert mail.outbox[0].to == [members[0].email]
    assert sign_in(Client(), members[0], password=PASSWORD).status_code == 302
