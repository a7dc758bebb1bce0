"""A deactivated person is told so: who deactivated the account, when, and whom to ask, on the
next request of a browser they were signed in on and when they sign in with the right password.
A wrong password still gets the generic answer, and the brute-force lockout still holds."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts import services as account_services
from accounts.models import User
from sessions_seats.forced_logout import sign_out_after_account_change
from sessions_seats.models import SeatSession

from ..conftest import sign_in
from ..factories import CompanyAdminFactory

pytestmark = pytest.mark.django_db

GENERIC = "Please enter a correct email and password."


def deactivated_by(actor: User, user: User) -> User:
    """Deactivate `user` as `actor` and end their seat, as the portal and the admin do."""
    account_services.deactivate(actor=actor, user=user)
    sign_out_after_account_change(actor=actor, user=user, was_active=True, old_company_id=None)
    user.refresh_from_db()
    return user


def when(user: User) -> str:
    # Pages name the zone of the time; the company has none of its own, so it is the site's.
    return f"{date_format(timezone.localtime(user.deactivated_at), 'DATETIME_FORMAT')} (UTC)"


def test_the_next_request_says_which_admin_deactivated_the_account_and_whom_to_ask(
    client, company, company_admin, members
):
    CompanyAdminFactory(company=company, full_name="Bo Boss", email="bo@acme.example")
    sign_in(client, members[0])
    user = deactivated_by(company_admin, members[0])

    page = client.get(reverse("home"), follow=True).content.decode()

    assert (
        f"Your account was deactivated by Alex Admin, your company admin, on {when(user)}. "
        "To use Foundry again, ask your company admins Alex Admin (admin@acme.example) or "
        "Bo Boss (bo@acme.example)."
    ) in page
    assert "sign in again" not in page and "to free a license" not in page


def test_a_staff_deactivation_names_foundry_and_the_account_manager(
    client, support_agent, account_manager, company_admin, members
):
    sign_in(client, members[0])
    user = deactivated_by(support_agent, members[0])

    page = client.get(reverse("home"), follow=True).content.decode()

    assert (
        f"Your account was deactivated by Foundry support on {when(user)}. To use Foundry again, "
        f"contact your account manager Avery Morgan at {account_manager.email}."
    ) in page
    # The company's admins cannot undo it, so they are not the ones to ask.
    assert "admin@acme.example" not in page
    assert "Sam Support" not in page


def test_without_an_account_manager_a_staff_deactivation_names_support(
    client, company, support_agent, members
):
    company.account_manager = None
    company.save()
    sign_in(client, members[0])
    deactivated_by(support_agent, members[0])

    page = client.get(reverse("home"), follow=True).content.decode()

    assert "To use Foundry again, contact Foundry support at support@foundry.example." in page


def test_signing_in_with_the_right_password_says_the_account_is_deactivated(
    client, company_admin, members
):
    user = deactivated_by(company_admin, members[0])

    response = sign_in(client, user)

    page = response.content.decode()
    assert response.status_code == 200
    assert f"Your account was deactivated by Alex Admin, your company admin, on {when(user)}." in (
        page
    )
    assert "ask your company admin Alex Admin (admin@acme.example)" in page
    assert GENERIC not in page
    assert "_auth_user_id" not in client.session
    assert not SeatSession.objects.filter(seat__user=user, ended_at__isnull=True).exists()


def test_a_wrong_password_for_a_deactivated_account_gets_the_generic_message(
    client, company_admin, members
):
    user = deactivated_by(company_admin, members[0])

    page = sign_in(client, user, password="not the password").content.decode()

    assert GENERIC in page
    assert "deactivated" not in page and "Alex Admin" not in page


def test_an_active_account_with_a_wrong_password_gets_the_generic_message(client, members):
    page = sign_in(client, members[0], password="not the password").content.decode()

    assert GENERIC in page
    assert "deactivated" not in page


def test_the_lockout_still_counts_and_then_says_nothing_about_the_account(
    client, settings, company_admin, members
):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    user = deactivated_by(company_admin, members[0])

    statuses = [sign_in(client, user, password="wrong").status_code for _ in range(3)]
    locked = sign_in(client, user)

    assert statuses[:2] == [200, 200]
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed sign-ins" in page
    assert "deactivated" not in page
