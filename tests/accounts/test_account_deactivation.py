"""Deactivating and reactivating an account, in one place (`accounts.services`): who did it and
when is recorded on the account and in the append-only `AccountChange`; a company admin may undo
only their own company's deactivations, never Foundry staff's; staff do it from the admin's user
form and the person's seat ends at once."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import AccountChange, User
from sessions_seats.models import ForcedLogout

from ..factories import CompanyAdminFactory, UserFactory, seated

pytestmark = pytest.mark.django_db


def test_deactivating_records_who_and_when_and_audits_it(company_admin, members):
    change = services.deactivate(actor=company_admin, user=members[0])

    members[0].refresh_from_db()
    assert not members[0].is_active
    assert members[0].deactivated_by == company_admin
    assert members[0].deactivated_at == change.at
    assert (change.action, change.actor, change.actor_role, change.user) == (
        "deactivated",
        company_admin,
        "company_admin",
        members[0],
    )
    assert (change.actor_email, change.user_email, change.company_name) == (
        "admin@acme.example",
        "user1@acme.example",
        "Acme Foods",
    )
    # Already inactive: nothing more to record.
    assert services.deactivate(actor=company_admin, user=members[0]) is None
    assert AccountChange.objects.count() == 1


def test_an_admin_reactivates_their_own_companys_deactivation_and_it_is_audited(
    company_admin, company, members
):
    other_admin = CompanyAdminFactory(company=company)
    services.deactivate(actor=other_admin, user=members[0])

    change = services.reactivate(actor=company_admin, user=members[0])

    members[0].refresh_from_db()
    assert members[0].is_active
    assert (members[0].deactivated_at, members[0].deactivated_by) == (None, None)
    assert (change.action, change.actor, change.actor_role) == (
        "reactivated",
        company_admin,
        "company_admin",
    )
    assert list(AccountChange.objects.order_by("at").values_list("action", flat=True)) == [
        "deactivated",
        "reactivated",
    ]


def test_an_admin_cannot_reactivate_someone_foundry_staff_deactivated(
    company_admin, support_agent, members
):
    services.deactivate(actor=support_agent, user=members[0])

    with pytest.raises(PermissionDenied) as refused:
        services.reactivate(actor=company_admin, user=members[0])

    assert str(refused.value) == (
        f"{members[0].full_name} was deactivated by Foundry support, so only Foundry support "
        "can reactivate them."
    )
    members[0].refresh_from_db()
    assert not members[0].is_active and members[0].deactivated_by == support_agent
    assert not services.may_reactivate(company_admin, members[0])
    assert AccountChange.objects.filter(action="reactivated").count() == 0


def test_an_admin_cannot_reactivate_a_deactivation_nobody_recorded(company_admin, members):
    User.objects.filter(pk=members[0].pk).update(is_active=False)
    members[0].refresh_from_db()

    with pytest.raises(PermissionDenied, match="Nobody recorded who deactivated"):
        services.reactivate(actor=company_admin, user=members[0])

    assert not services.may_reactivate(company_admin, members[0])


def test_staff_reactivate_anyone_they_see_but_no_other_companys_people(
    company_admin, support_agent, account_manager, other_account_manager, members
):
    services.deactivate(actor=company_admin, user=members[0])
    services.deactivate(actor=support_agent, user=members[1])

    with pytest.raises(PermissionDenied):
        services.reactivate(actor=other_account_manager, user=members[1])
    services.reactivate(actor=account_manager, user=members[0])
    change = services.reactivate(actor=support_agent, user=members[1])

    assert change.actor_role == "staff"
    assert User.objects.get(pk=members[0].pk).is_active
    assert User.objects.get(pk=members[1].pk).is_active


def test_nobody_deactivates_another_companys_people(company_admin, other_company):
    stranger = UserFactory(company=other_company)
    member = UserFactory(company=company_admin.company)

    with pytest.raises(PermissionDenied):
        services.deactivate(actor=company_admin, user=stranger)
    with pytest.raises(PermissionDenied):
        services.deactivate(actor=member, user=company_admin)

    assert User.objects.get(pk=stranger.pk).is_active
    assert not AccountChange.objects.exists()


def admin_form(user: User, *, active: bool) -> dict[str, object]:
    """The admin's user change form as posted, with "Active" ticked or not."""
    return {
        "email": user.email,
        "full_name": user.full_name,
        "company": user.company_id or "",
        "role": user.role,
        "is_active": "on" if active else "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }


def test_staff_deactivate_and_reactivate_in_the_admin_through_the_service(superuser, members):
    seated(members[0], devices=2)
    client = Client()
    client.force_login(superuser)
    change_url = reverse("admin:accounts_user_change", args=[members[0].pk])

    deactivated = client.post(change_url, admin_form(members[0], active=False), follow=True)

    members[0].refresh_from_db()
    assert not members[0].is_active
    assert members[0].deactivated_by == superuser and members[0].deactivated_at is not None
    assert "signed out everywhere and their seat freed" in deactivated.content.decode()
    assert ForcedLogout.objects.get().target == members[0]
    assert "By Root &lt;root@foundry.example&gt; on" in client.get(change_url).content.decode()

    client.post(change_url, admin_form(members[0], active=True), follow=True)

    members[0].refresh_from_db()
    assert members[0].is_active and members[0].deactivated_by is None
    assert list(
        AccountChange.objects.order_by("at").values_list("action", "actor", "actor_role")
    ) == [
        ("deactivated", superuser.pk, "staff"),
        ("reactivated", superuser.pk, "staff"),
    ]


def test_saving_the_admin_form_without_touching_active_records_nothing(superuser, members):
    client = Client()
    client.force_login(superuser)

    client.post(
        reverse("admin:accounts_user_change", args=[members[0].pk]),
        {**admin_form(members[0], active=True), "full_name": "Renamed Person"},
    )

    assert User.objects.get(pk=members[0].pk).full_name == "Renamed Person"
    assert not AccountChange.objects.exists()
