"""Security → Users and Roles: a company admin lists, adds, re-roles and deactivates their own
company's people; never anyone else's, never the last admin, never staff."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts import services as account_services
from accounts.models import User
from portal import services
from sessions_seats.models import ForcedLogout, Seat, SeatSession

from ..conftest import sign_in
from ..factories import (
    PASSWORD,
    CompanyAdminFactory,
    CompanyEmailDomainFactory,
    SeatSessionFactory,
    StaffFactory,
    UserFactory,
    past_seat,
    seated,
)

pytestmark = pytest.mark.django_db


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


def query_shapes(captured: CaptureQueriesContext) -> list[str]:
    """The statements a request ran, with their values blanked: the work it did."""
    return [re.sub(r"'[^']*'|\b\d+\b", "?", query["sql"]) for query in captured.captured_queries]


def test_addresses_the_admin_may_not_add_all_get_one_answer_after_the_same_work(
    admin_client, other_company, superuser
):
    # Someone of another company at the admin's own domain (a contractor, say), another
    # customer's user, Foundry staff, and addresses nobody has, outside the company's domains.
    UserFactory(company=other_company, email="contractor@acme.example")
    UserFactory(company=other_company, email="wile@globex.example")
    addresses = [
        "contractor@acme.example",
        "wile@globex.example",
        superuser.email,
        "nobody@globex.example",
        "nobody@elsewhere.example",
        "new.colleague@foundry.example",
    ]
    before = User.objects.count()

    answers, work = set(), set()
    for email in addresses:
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.post(
                reverse("portal:user_add"), {"email": email, "full_name": "X", "role": "member"}
            )
        answers.add((response.status_code, tuple(response.context["form"].errors["email"])))
        work.add(tuple(query_shapes(captured)))

    assert answers == {
        (400, ("This address cannot be added here. If it should be, contact support.",))
    }
    assert len(work) == 1
    assert User.objects.count() == before
    assert mail.outbox == []


def test_an_admin_adds_addresses_in_any_of_the_companys_domains(admin_client, company):
    CompanyEmailDomainFactory(company=company, domain="acme-foods.example")

    for email in ("ann@acme.example", "bo@ACME-FOODS.example"):
        response = admin_client.post(
            reverse("portal:user_add"), {"email": email, "full_name": "N", "role": "member"}
        )
        assert response.status_code == 302, email

    assert set(
        User.objects.filter(company=company, role="member").values_list("email", flat=True)
    ) >= {
        "ann@acme.example",
        "bo@acme-foods.example",
    }
    assert len(mail.outbox) == 2


def test_a_subdomain_is_not_the_domain(admin_client):
    response = admin_client.post(
        reverse("portal:user_add"),
        {"email": "eve@evil.acme.example", "full_name": "Eve", "role": "member"},
    )

    assert response.status_code == 400
    assert not User.objects.filter(email="eve@evil.acme.example").exists()


def test_the_add_page_names_the_domains_allowed(admin_client, company):
    CompanyEmailDomainFactory(company=company, domain="acme-foods.example")

    page = admin_client.get(reverse("portal:user_add")).content.decode()

    assert (
        "You can add addresses at <strong>@acme-foods.example</strong> or "
        "<strong>@acme.example</strong>." in page
    )


def test_without_domains_the_add_page_says_nobody_can_be_added(admin_client, company):
    company.email_domains.all().delete()

    page = admin_client.get(reverse("portal:user_add")).content.decode()

    assert "Your company has no email domains set up yet, so nobody can be added here." in page


def test_invitations_stop_at_the_limit_per_address_and_the_admin_is_told(
    admin_client, members, settings
):
    settings.PASSWORD_EMAILS_PER_ADDRESS = 2
    for _ in range(2):
        services.send_set_password_email(members[0])

    with pytest.raises(ValidationError) as refused:
        services.send_set_password_email(members[0])

    assert refused.value.messages == [
        f"No more password emails can go to {members[0].email} for now: at most 2 emails in "
        "60 minutes. Try again later."
    ]
    assert len(mail.outbox) == 2


def test_resending_a_link_past_the_limit_tells_the_admin_instead_of_failing(
    admin_client, members, settings
):
    settings.PASSWORD_EMAILS_PER_ADDRESS = 1
    invite = reverse("portal:user_invite", args=[members[0].pk])
    admin_client.post(invite)

    response = admin_client.post(invite, follow=True)

    assert response.status_code == 200
    assert "No more password emails can go to" in response.content.decode()
    assert len(mail.outbox) == 1


def test_a_user_whose_invitation_may_not_go_out_is_not_added(admin_client, settings):
    settings.PASSWORD_EMAILS_PER_ADDRESS = 2
    for _ in range(2):  # "Forgot your password?" asked for this address, before it had an account
        Client().post(reverse("password_reset"), {"email": "new@acme.example"})

    response = admin_client.post(
        reverse("portal:user_add"),
        {"email": "new@acme.example", "full_name": "N", "role": "member"},
    )

    assert response.status_code == 400
    assert "No more password emails can go to new@acme.example for now" in (
        response.content.decode()
    )
    assert not User.objects.filter(email="new@acme.example").exists()
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


def test_reactivating_and_resending_the_link(admin_client, company_admin, members):
    # Deactivated by this company's admin: theirs to undo (Foundry staff's are not).
    account_services.deactivate(actor=company_admin, user=members[0])

    admin_client.post(reverse("portal:user_reactivate", args=[members[0].pk]))
    admin_client.post(reverse("portal:user_invite", args=[members[0].pk]))

    members[0].refresh_from_db()
    assert members[0].is_active
    assert mail.outbox[0].to == [members[0].email]
    assert sign_in(Client(), members[0], password=PASSWORD).status_code == 302


def test_buttons_name_the_person_in_full(admin_client, members):
    members[0].full_name = "Mary Ann Example"
    members[0].save()

    page = admin_client.get(reverse("portal:user", args=[members[0].pk])).content.decode()

    assert "Deactivate Mary Ann Example</button>" in page
    assert "Deactivate Mary</button>" not in page


def test_saving_a_role_unchanged_says_it_already_was(admin_client, members):
    response = admin_client.post(
        reverse("portal:user_role", args=[members[0].pk]), {"role": "member"}, follow=True
    )

    page = response.content.decode()
    assert f"{members[0].full_name} is already: Member." in page
    assert "is now:" not in page


def test_an_admin_who_steps_down_lands_on_home_told_so(admin_client, company_admin, company):
    CompanyAdminFactory(company=company)

    response = admin_client.post(
        reverse("portal:user_role", args=[company_admin.pk]), {"role": "member"}, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "You are now: Member. Users and Roles is for company admins" in (
        response.content.decode()
    )


def test_the_user_menu_says_log_out(admin_client):
    page = admin_client.get(reverse("home")).content.decode()

    assert '<button type="submit">Log out</button>' in page
    assert ">Logout<" not in page


def test_an_admins_deactivation_says_who_and_when_and_offers_reactivation(
    admin_client, company_admin, members
):
    account_services.deactivate(actor=company_admin, user=members[0])
    members[0].refresh_from_db()
    at = date_format(timezone.localtime(members[0].deactivated_at), "DATETIME_FORMAT")

    page = admin_client.get(reverse("portal:user", args=[members[0].pk])).content.decode()

    assert f"Deactivated by Alex Admin on {at}." in page
    assert f"Reactivate {members[0].full_name}</button>" in page


def test_a_staff_deactivation_says_who_and_when_and_cannot_be_undone_here(
    admin_client, support_agent, account_manager, members
):
    account_services.deactivate(actor=support_agent, user=members[0])
    members[0].refresh_from_db()
    at = date_format(timezone.localtime(members[0].deactivated_at), "DATETIME_FORMAT")
    detail = reverse("portal:user", args=[members[0].pk])

    page = admin_client.get(detail).content.decode()
    tried = admin_client.post(
        reverse("portal:user_reactivate", args=[members[0].pk]), follow=True
    ).content.decode()

    assert f"Deactivated by Foundry support on {at}." in page
    assert reverse("portal:user_reactivate", args=[members[0].pk]) not in page
    assert "Reactivate" not in page
    assert "Only Foundry support can reactivate this account" in page
    assert f'href="mailto:{account_manager.email}"' in page
    assert "was deactivated by Foundry support, so only Foundry support can reactivate them." in (
        tried
    )
    members[0].refresh_from_db()
    assert not members[0].is_active
