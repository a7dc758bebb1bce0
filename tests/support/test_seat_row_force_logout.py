"""Each signed-in row of the seat list links to the force-logout confirmation for that seat: the
same page, form and checks as the bulk action, for those allowed to force a logout, within the
companies they see."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from sessions_seats import services
from sessions_seats.models import ForcedLogout, Seat

from ..factories import UserFactory, seated

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sessions_seats_seat_changelist")
CONFIRM = reverse("admin:sessions_seats_seat_force_logout")
TEMPLATE = "admin/sessions_seats/seat/force_logout_confirmation.html"
GOOD = {"reason": "Customer asked: stuck seat", "acknowledge": "on", "when": "now"}


def row_link(seat: Seat) -> str:
    return f"{CONFIRM}?seat={seat.pk}"


def test_each_signed_in_row_links_to_the_confirmation_of_its_seat(client, support_agent, members):
    signed_in = seated(members[0])
    released = seated(members[1])
    services.end_seats([released.pk], "logout")
    client.force_login(support_agent)

    page = client.get(CHANGELIST, {"status": "all"}).content.decode()

    assert f'href="{row_link(signed_in)}"' in page
    assert row_link(released) not in page


def test_the_link_opens_the_bulk_actions_confirmation_for_that_seat_only(
    client, support_agent, members
):
    seat = seated(members[0])
    seated(members[1])
    client.force_login(support_agent)

    response = client.get(row_link(seat))

    assert response.status_code == 200
    assert response.templates[0].name == TEMPLATE
    page = response.content.decode()
    assert "user1@acme.example" in page and "user2@acme.example" not in page
    # The form posts the action to the seat list, as the bulk action's confirmation does.
    assert f'action="{CHANGELIST}"' in page
    assert 'name="action" value="force_logout"' in page
    assert f'name="{ACTION_CHECKBOX_NAME}" value="{seat.pk}"' in page
    assert Seat.objects.get(pk=seat.pk).released_at is None


def test_confirming_from_the_row_needs_the_pages_csrf_token(support_agent, members):
    seat = seated(members[0])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(support_agent)
    token = browser.get(row_link(seat)).context["csrf_token"]
    posted = {"action": "force_logout", "post": "yes", ACTION_CHECKBOX_NAME: [seat.pk], **GOOD}

    refused = browser.post(CHANGELIST, posted)
    assert refused.status_code == 403
    assert not ForcedLogout.objects.exists()

    done = browser.post(CHANGELIST, {**posted, "csrfmiddlewaretoken": str(token)})
    assert done.status_code == 302
    assert ForcedLogout.objects.get().target == members[0]


def test_a_released_seat_has_nobody_to_sign_out(client, support_agent, members):
    seat = seated(members[0])
    services.end_seats([seat.pk], "logout")
    client.force_login(support_agent)

    response = client.get(row_link(seat), follow=True)

    assert response.redirect_chain[-1][0] == CHANGELIST
    assert "nobody to sign out" in response.content.decode()


def test_staff_who_may_not_force_a_logout_get_no_link_and_a_403(client, account_manager, members):
    seat = seated(members[0])
    client.force_login(account_manager)

    page = client.get(CHANGELIST).content.decode()

    assert "user1@acme.example" in page
    assert "Force logout…" not in page
    assert client.get(row_link(seat)).status_code == 403


def test_an_account_manager_allowed_to_force_logouts_reaches_only_their_companies_seats(
    client, account_manager, members, other_company
):
    own = seated(members[0])
    others = seated(UserFactory(company=other_company, email="wile@globex.example"))
    account_manager.user_permissions.add(Permission.objects.get(codename="force_logout"))
    client.force_login(account_manager)

    page = client.get(CHANGELIST).content.decode()
    assert row_link(own) in page and row_link(others) not in page
    assert client.get(row_link(own)).status_code == 200
    assert client.get(row_link(others)).status_code == 404
    # Posting the other company's seat to the action, as the form would, signs nobody out.
    client.post(
        CHANGELIST,
        {"action": "force_logout", "post": "yes", ACTION_CHECKBOX_NAME: [others.pk], **GOOD},
    )
    assert Seat.objects.get(pk=others.pk).released_at is None
    assert not ForcedLogout.objects.exists()


@pytest.mark.parametrize("value", ["abc", "999999"])
def test_a_seat_that_is_not_there_is_not_found(client, support_agent, value):
    client.force_login(support_agent)

    assert client.get(f"{CONFIRM}?seat={value}").status_code == 404
