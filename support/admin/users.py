"""People: staff and company users. Support reads them; only superusers change them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.db.models import Field, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts import services as account_services
from accounts.models import AccountChange, User
from sessions_seats import forced_logout, selectors
from sessions_seats.devices import format_idle
from sessions_seats.models import ForcedLogout, Seat

from .scoping import CompanyScopedMixin, staff_user


class UserAddForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "company", "role"]


@admin.register(User)
class UserAdmin(CompanyScopedMixin, DjangoUserAdmin):
    add_form = UserAddForm
    ordering = ["email"]
    list_display = ["email", "full_name", "company", "role", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "role", ("company", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["email", "full_name", "company__name"]
    list_select_related = ["company"]
    readonly_fields = ["license_seat", "deactivation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "company", "role", "license_seat"]}),
        (
            "Permissions",
            {
                "fields": [
                    "is_active",
                    "deactivation",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "company", "role", "password1", "password2"],
            },
        )
    ]

    def formfield_for_dbfield(
        self, db_field: Field, request: HttpRequest, **kwargs
    ) -> forms.Field | None:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "email" and field is not None:
            field.widget.attrs["autocomplete"] = "off"
        return field

    def save_model(self, request: HttpRequest, obj: User, form: forms.Form, change: bool) -> None:
        before = User.objects.filter(pk=obj.pk).values("is_active", "company_id").first()
        wanted_active = obj.is_active
        activation_changes = change and before is not None and before["is_active"] != wanted_active
        if activation_changes and before is not None:
            # The form's save keeps the old state: the account service makes the change, so it
            # records who did it and when, and audits it, as the portal does.
            obj.is_active = before["is_active"]
        super().save_model(request, obj, form, change)
        if not change or before is None:
            return
        if activation_changes:
            change_account = (
                account_services.reactivate if wanted_active else account_services.deactivate
            )
            change_account(actor=staff_user(request), user=obj)
        signed_out = forced_logout.sign_out_after_account_change(
            actor=staff_user(request),
            user=obj,
            was_active=before["is_active"],
            old_company_id=before["company_id"],
        )
        if signed_out:
            self.message_user(
                request,
                f"{obj.get_full_name()} was signed out everywhere and their seat freed.",
                messages.WARNING,
            )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        url = None
        if request.user.has_perm(forced_logout.FORCE_LOGOUT_PERMISSION):
            url = f"{reverse('admin:sessions_seats_seat_force_logout')}?user={object_id}"
        extra_context = {**(extra_context or {}), "force_logout_url": url}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="license seat")
    def license_seat(self, user: User) -> str:
        if user.pk is None or not user.takes_seat:
            return "Takes no seat (staff)." if user.pk else "—"
        seat = (
            selectors.with_activity(Seat.objects.open().filter(user=user))
            .only("pk", "claimed_at")
            .first()
        )
        if seat is None:
            return "Not signed in."
        return f"Signed in on {seat.devices} device(s), {format_idle(seat.last_active_at)}."

    @admin.display(description="deactivated")
    def deactivation(self, user: User) -> str:
        if user.pk is None or user.is_active:
            return "—"
        by = user.deactivated_by
        when = (
            f" on {date_format(timezone.localtime(user.deactivated_at), 'DATETIME_FORMAT')}"
            if user.deactivated_at
            else ""
        )
        return f"By {by}{when}." if by is not None else "Nobody recorded who deactivated them."

    def get_deleted_objects(
        self, objs: Sequence[User] | QuerySet[User], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        in_audit = named_in_audit([user.pk for user in objs])
        named = [user for user in objs if user.pk in in_audit]
        if named:
            names = ", ".join(user.get_full_name() for user in named)
            self.message_user(
                request,
                f"{names} {'appears' if len(named) == 1 else 'appear'} in the audit (forced "
                "logouts or account changes), which keeps everyone it names, so "
                f"{'this user cannot' if len(named) == 1 else 'these users cannot'} be deleted. "
                "Deactivate instead: open the user, untick “Active” and save. A deactivated "
                "user cannot sign in, and the audit still says who did what.",
                messages.ERROR,
            )
        return deleted, counts, perms_needed, protected


def named_in_audit(user_ids: Sequence[int]) -> set[int]:
    """Those of `user_ids` whom an audit record names (as actor or subject): kept for good."""
    ids = list(user_ids)
    named: set[int | None] = set()
    named.update(ForcedLogout.objects.filter(actor__in=ids).values_list("actor_id", flat=True))
    named.update(ForcedLogout.objects.filter(target__in=ids).values_list("target_id", flat=True))
    named.update(AccountChange.objects.filter(actor__in=ids).values_list("actor_id", flat=True))
    named.update(AccountChange.objects.filter(user__in=ids).values_list("user_id", flat=True))
    named.update(
        User.objects.filter(deactivated_by__in=ids).values_list("deactivated_by_id", flat=True)
    )
    return {pk for pk in named if pk is not None}
