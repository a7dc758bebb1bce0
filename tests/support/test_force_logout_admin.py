"""Support's force-logout action: a confirmation first, a reason and acknowledgement required,
then every device signed out, the seat freed and the audit written; the user is told why."""

import datetime
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import User
from sessions_seats.models import ForcedLogout, Seat, SeatSession

from ..conftest import sign_in
from ..factories import StaffFactory, UserFactory, seated

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sessions_seats_seat_changelist")
CONFIRM = reverse("admin:sessions_seats_seat_force_logout")
GOOD = {
    "reason": "Customer asked: stuck seat",
    "acknowledge": "on",
    "when": "now",
    "delay_minutes": "5",
}


def first_post(client: Client, *seats: Seat):
    return client.post(
        CHANGELIST, {"action": "force_logout", ACTION_CHECKBOX_NAME: [s.pk for s in seats]}
    )


def confirm(client: Client, *seats: Seat, **form):
    data = {"action": "force_logout", "post": "yes", ACTION_CHECKBOX_NAME: [s.pk for s in seats]}
    return client.post(CHANGELIST, {**data, **form}, follow=True)


def open_sessions() -> int:
    return SeatSession.objects.filter(ended_at__isnull=True).count()


@pytest.fixture
def support_client(client, support_agent) -> Client:
    client.force_login(support_agent)
    return client


@pytest.fixture
def busy(members) -> Seat:
    """user2 of Acme, on two devices, active a minute ago."""
    return seated(members[1], devices=2, idle=datetime.timedelta(minutes=1))


@pytest.fixture
def quiet(members) -> Seat:
    """user3 of Acme, idle for 2 hours."""
    return seated(members[2], idle=datetime.timedelta(hours=2))


def test_first_post_shows_the_warning_and_changes_nothing(support_client, busy, quiet):
    response = first_post(support_client, busy, quiet)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Forcefully signing a user out can lose their unsaved work" in page
    assert "Verify with the user (or their company) first" in page
    assert "user2@acme.example" in page and "user3@acme.example" in page
    assert "Acme Foods" in page
    # busy was active a minute ago on both devices; quiet two hours ago.
    assert page.count("Likely to have unsaved work") == 1
    assert "idle 2 h 0 min" in page and "idle 1 min" in page
    assert 'name="post" value="yes"' in page
    assert open_sessions() == 3
    assert not ForcedLogout.objects.exists()


@pytest.mark.parametrize(
    "missing",
    [{"reason": ""}, {"reason": "   "}, {"acknowledge": ""}],
    ids=["no-reason", "blank-reason", "no-acknowledgement"],
)
def test_confirm_without_reason_or_acknowledgement_changes_nothing(support_client, busy, missing):
    data = {**GOOD, **missing}
    if not data["acknowledge"]:
        del data["acknowledge"]

    response = confirm(support_client, busy, **data)

    assert response.status_code == 200
    assert response.redirect_chain == []
    assert "errorlist" in response.content.decode()
    assert "Forcefully signing a user out can lose their unsaved work" in response.content.decode()
    assert open_sessions() == 2
    assert Seat.objects.get(pk=busy.pk).released_at is None
    assert not ForcedLogout.objects.exists()


def test_confirm_ends_every_device_frees_the_seat_and_writes_the_audit(
    support_client, support_agent, busy, quiet
):
    keys = list(busy.sessions.values_list("session_key", flat=True))

    response = confirm(support_client, busy, **GOOD, requested_by="Alex Admin (Acme)")

    assert response.redirect_chain[-1][0] == CHANGELIST
    assert "Signed out 1 user; 1 seat freed." in response.content.decode()
    busy.refresh_from_db()
    assert busy.release_reason == "forced"
    assert set(busy.sessions.values_list("end_reason", flat=True)) == {"forced"}
    assert not Session.objects.filter(session_key__in=keys).exists()
    record = ForcedLogout.objects.get()
    assert (record.actor, record.target, record.company) == (support_agent, busy.user, busy.company)
    assert (record.reason, record.requested_by, record.sessions_ended) == (
        "Customer asked: stuck seat",
        "Alex Admin (Acme)",
        2,
    )
    assert record.warned_at is None
    # The other seat was not selected and is untouched.
    quiet.refresh_from_db()
    assert quiet.released_at is None


def test_the_forced_users_next_request_lands_on_sign_in_naming_support(support_client, members):
    user_browser = Client()
    sign_in(user_browser, members[1])
    seat = Seat.objects.get(user=members[1])

    confirm(support_client, seat, **GOOD)

    response = user_browser.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    page = response.content.decode()
    assert "Support signed you out on" in page
    assert "unsaved work may have been lost" in page


def test_force_logout_post_without_csrf_token_is_refused(support_agent, busy):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(support_agent)

    response = browser.post(
        CHANGELIST,
        {"action": "force_logout", "post": "yes", ACTION_CHECKBOX_NAME: [busy.pk], **GOOD},
    )

    assert response.status_code == 403
    assert open_sessions() == 2
    assert not ForcedLogout.objects.exists()


def test_csrf_token_from_the_confirmation_page_is_accepted(support_agent, busy):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(support_agent)
    page = browser.get(f"{CONFIRM}?user={busy.user_id}")
    token = page.context["csrf_token"]

    response = browser.post(
        CHANGELIST,
        {
            "action": "force_logout",
            "post": "yes",
            ACTION_CHECKBOX_NAME: [busy.pk],
            **GOOD,
            "csrfmiddlewaretoken": str(token),
        },
    )

    assert response.status_code == 302
    assert open_sessions() == 0


def test_user_and_company_pages_lead_to_the_same_confirmation(support_client, busy, quiet):
    user_page = support_client.get(reverse("admin:accounts_user_change", args=[busy.user_id]))
    company_page = support_client.get(
        reverse("admin:accounts_company_change", args=[busy.company_id])
    )
    user_link = f"{CONFIRM}?user={busy.user_id}"
    company_link = f"{CONFIRM}?company={busy.company_id}"
    assert user_link in user_page.content.decode()
    assert company_link in company_page.content.decode()

    for_user = support_client.get(user_link)
    for_company = support_client.get(company_link)

    assert for_user.status_code == for_company.status_code == 200
    assert for_user.templates[0].name == "admin/sessions_seats/seat/force_logout_confirmation.html"
    assert "user2@acme.example" in for_user.content.decode()
    assert "user3@acme.example" not in for_user.content.decode()
    assert "user3@acme.example" in for_company.content.decode()
    # Its form posts the action to the seat list, where the confirmed POST acts.
    assert f'action="{CHANGELIST}"' in for_user.content.decode()
    assert open_sessions() == 3


def test_user_without_a_seat_has_nobody_to_sign_out(support_client, members):
    response = support_client.get(f"{CONFIRM}?user={members[4].pk}", follow=True)

    assert "nobody to sign out" in response.content.decode()


def test_graceful_option_schedules_and_ends_nothing_yet(support_client, busy):
    response = confirm(support_client, busy, **{**GOOD, "when": "warn", "delay_minutes": "5"})

    assert "1 user will be signed out at" in response.content.decode()
    busy.refresh_from_db()
    assert busy.logout_scheduled_at is not None
    assert busy.released_at is None
    assert open_sessions() == 2


def test_account_manager_cannot_run_the_action(client, account_manager, busy):
    client.force_login(account_manager)

    page = client.get(CHANGELIST)
    response = confirm(client, busy, **GOOD)

    assert page.status_code == 200
    assert "force_logout" not in page.content.decode()
    # No action is offered to them, so the POST just shows the list again.
    assert "Signed out" not in response.content.decode()
    assert open_sessions() == 2
    assert client.get(f"{CONFIRM}?user={busy.user_id}").status_code == 403


def test_tampered_seat_of_another_companys_user_is_ignored(client, company, other_company, busy):
    """Someone allowed to force logout but scoped to their own companies (an account manager
    given the permission) cannot reach another company's seat by posting its id."""
    manager = other_company.account_manager
    manager.user_permissions.add(Permission.objects.get(codename="force_logout"))
    client.force_login(manager)

    first = first_post(client, busy)
    confirmed = confirm(client, busy, **GOOD)

    assert first.status_code == 302  # nothing selectable: back to the list
    assert "Signed out" not in confirmed.content.decode()
    assert client.get(f"{CONFIRM}?company={company.pk}").status_code == 404
    assert open_sessions() == 2
    assert not ForcedLogout.objects.exists()


def test_staff_without_permission_gets_403_on_the_confirmation_url(client, busy):
    client.force_login(StaffFactory())

    assert client.get(f"{CONFIRM}?user={busy.user_id}").status_code == 403


def test_company_users_never_reach_it(client, members, busy):
    admin = UserFactory(company=members[0].company, role="admin")
    sign_in(client, admin)

    response = confirm(client, busy, **GOOD)

    assert reverse("admin:login") in response.redirect_chain[0][0]
    assert busy.sessions.filter(ended_at__isnull=True).count() == 2


def test_demo_support_agent_signs_out_user2_of_acme():
    """The issue's "done when", on the demo data with the demo passwords."""
    from django.core.management import call_command

    from support.management.commands.seed_demo import DEMO_PASSWORD

    call_command("seed_demo", stdout=io.StringIO())
    user2 = Client()
    sign_in(user2, User.objects.get(email="user2@acme.example"), password=DEMO_PASSWORD)
    staff = Client()
    staff.post(
        reverse("admin:login"),
        {"username": "support@foundry.example", "password": DEMO_PASSWORD},
    )
    assert User.objects.get(email="support@foundry.example").groups.get().name == "Support"
    assert User.objects.get(email="am@foundry.example").groups.get().name == "Account managers"

    found = staff.get(CHANGELIST, {"q": "user2@acme"}).context["cl"].result_list
    [seat] = found
    page = first_post(staff, seat).content.decode()
    assert "can lose their unsaved work" in page
    done = confirm(staff, seat, **GOOD)

    assert "Signed out 1 user; 1 seat freed." in done.content.decode()
    landed = user2.get(reverse("home"), follow=True)
    assert landed.redirect_chain[-1][0].startswith(reverse("login"))
    assert "Support signed you out on" in landed.content.decode()
