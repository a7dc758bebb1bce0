"""People: staff and company users. Support reads them; only superusers change them."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.db.models import Field
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from accounts.models import User
from sessions_seats import forced_logout, selectors
from sessions_seats.devices import format_idle
from sessions_seats.models import Seat

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
    readonly_fields = ["license_seat"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "company", "role", "license_seat"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
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
        super().save_model(request, obj, form, change)
        if not change or before is None:
            return
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
