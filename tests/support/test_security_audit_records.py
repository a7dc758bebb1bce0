"""Forced-logout audit records are append-only through every UI: no admin view, action or inline
lets anyone (superusers included) add, change or delete one, and deleting the people or company it
names leaves what it says intact."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from common.append_only import AppendOnlyError
from sessions_seats.forced_logout import force_logout
from sessions_seats.models import ForcedLogout

from ..factories import seated

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sessions_seats_forcedlogout_changelist")
TEXT_FIELDS = ["at", "actor_email", "actor_role", "target_email", "company_name", "reason"]


@pytest.fixture
def record(support_agent, members) -> ForcedLogout:
    [made] = force_logout(actor=support_agent, seats=[seated(members[0])], reason="Stuck seat")
    return made


def snapshot(record: ForcedLogout) -> dict[str, object]:
    fresh = ForcedLogout.objects.get(pk=record.pk)
    return {name: getattr(fresh, name) for name in TEXT_FIELDS}


@pytest.fixture(params=["superuser", "support_agent"])
def staff_client(request, client):
    client.force_login(request.getfixturevalue(request.param))
    return client


def test_no_view_of_the_admin_changes_a_record(staff_client, record):
    before = snapshot(record)
    change = reverse("admin:sessions_seats_forcedlogout_change", args=[record.pk])
    delete = reverse("admin:sessions_seats_forcedlogout_delete", args=[record.pk])
    add = reverse("admin:sessions_seats_forcedlogout_add")
    forged = {name: "forged" for name in ["actor_email", "target_email", "company_name", "reason"]}

    assert staff_client.post(change, forged).status_code == 403
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert staff_client.post(add, forged).status_code == 403
    assert staff_client.get(reverse("admin:sessions_seats_forcedlogout_history", args=[record.pk]))
    assert snapshot(record) == before
    assert ForcedLogout.objects.count() == 1


def test_the_changelist_offers_no_deleting_action_and_refuses_a_posted_one(staff_client, record):
    page = staff_client.get(CHANGELIST)
    offered = {name for name, _ in page.context["action_form"].fields["action"].choices}

    response = staff_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    )

    assert "delete_selected" not in offered
    assert response.status_code in (200, 302)
    assert ForcedLogout.objects.filter(pk=record.pk).exists()


def test_the_changelist_has_no_editable_columns(staff_client, record):
    page = staff_client.get(CHANGELIST)

    assert page.context["cl"].list_editable == ()
    assert page.context["cl"].formset is None


def test_every_admin_registration_and_inline_of_the_model_is_read_only(superuser, record):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    admins = [
        model_admin
        for site in admin.sites.all_sites
        for model, model_admin in site._registry.items()
        if model is ForcedLogout
    ]
    inlines = [
        inline(model, site)
        for site in admin.sites.all_sites
        for model, model_admin in site._registry.items()
        for inline in model_admin.inlines
        if inline.model is ForcedLogout
    ]

    assert admins, "the audit log is registered in the admin"
    for model_admin in admins + inlines:
        assert not model_admin.has_add_permission(request, None)
        assert not model_admin.has_change_permission(request, record)
        assert not model_admin.has_delete_permission(request, record)


def test_the_people_named_cannot_be_deleted_so_the_record_is_never_rewritten(
    superuser, client, record
):
    before = snapshot(record)
    client.force_login(superuser)

    for person_id in (record.target_id, record.actor_id):
        client.post(reverse("admin:accounts_user_delete", args=[person_id]), {"post": "yes"})
        assert User.objects.filter(pk=person_id).exists()
    # Nor from a shell or a data clean-up: the database refuses, the record stays whole.
    with pytest.raises(ProtectedError):
        User.objects.filter(pk=record.actor_id).delete()
    assert snapshot(record) == before
    assert ForcedLogout.objects.get(pk=record.pk).actor_id == record.actor_id


def test_the_model_refuses_saving_changes_or_deleting(record):
    record.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    assert ForcedLogout.objects.get(pk=record.pk).reason == "Stuck seat"
