"""People named in the audit (forced logouts, account changes) are never deleted: the admin says
so, and what to do instead, rather than only listing "protected related objects"."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import User
from sessions_seats.forced_logout import force_logout

from ..factories import UserFactory, seated

pytestmark = pytest.mark.django_db

DEACTIVATE_INSTEAD = "Deactivate instead: open the user, untick “Active” and save."


@pytest.fixture
def root_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def test_deleting_someone_signed_out_on_the_record_says_to_deactivate_them_instead(
    root_client, support_agent, members
):
    force_logout(actor=support_agent, seats=[seated(members[0])], reason="Stuck seat")
    url = reverse("admin:accounts_user_delete", args=[members[0].pk])

    page = root_client.get(url).content.decode()
    posted = root_client.post(url, {"post": "yes"}).content.decode()

    for html in (page, posted):
        assert (
            f"{members[0].full_name} appears in the audit (forced logouts or account changes), "
            "which keeps everyone it names, so this user cannot be deleted."
        ) in html
        assert DEACTIVATE_INSTEAD in html
    assert User.objects.filter(pk=members[0].pk).exists()


def test_deleting_whoever_deactivated_someone_says_the_same(root_client, company_admin, members):
    services.deactivate(actor=company_admin, user=members[0])

    page = root_client.get(reverse("admin:accounts_user_delete", args=[company_admin.pk]))

    assert "Alex Admin appears in the audit" in page.content.decode()
    assert DEACTIVATE_INSTEAD in page.content.decode()


def test_the_bulk_delete_action_names_everyone_it_cannot_delete(
    root_client, support_agent, members
):
    force_logout(actor=support_agent, seats=[seated(members[0])], reason="Stuck seat")
    force_logout(actor=support_agent, seats=[seated(members[1])], reason="Stuck seat")
    chosen = [members[0].pk, members[1].pk]

    page = root_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: chosen},
    ).content.decode()

    assert "appear in the audit" in page and "these users cannot be deleted" in page
    assert members[0].full_name in page and members[1].full_name in page
    assert User.objects.filter(pk__in=chosen).count() == 2


def test_someone_the_audit_does_not_name_is_deleted_as_usual(root_client, company):
    newcomer = UserFactory(company=company)
    url = reverse("admin:accounts_user_delete", args=[newcomer.pk])

    assert "appears in the audit" not in root_client.get(url).content.decode()
    root_client.post(url, {"post": "yes"})

    assert not User.objects.filter(pk=newcomer.pk).exists()
