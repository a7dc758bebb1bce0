"""People: staff and company users. Support reads them; only superusers change them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.core.exceptions import PermissionDenied
from django.db.models import Field, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts import services as account_services
from accounts.models import AccountChange, User
from common.links import public_site
from common.text import plural
from sessions_seats import email_limits, forced_logout, selectors
from sessions_seats.devices import format_idle
from sessions_seats.models import ForcedLogout, Seat

from .scoping import CompanyListFilter, CompanyScopedMixin, staff_user
from .times import NamesTimeZoneMixin


class UserAddForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "company", "role"]


@admin.register(User)
class UserAdmin(NamesTimeZoneMixin, CompanyScopedMixin, DjangoUserAdmin):
    add_form = UserAddForm
    ordering = ["email"]
    list_display = ["email", "full_name", "company", "role", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "role", ("company", CompanyListFilter)]
    search_fields = ["email", "full_name", "company__name"]
    list_select_related = ["company"]
    readonly_fields = ["license_seat", "deactivation", "password_hidden"]
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

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> list[Any]:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None or request.user.is_superuser:
            return fieldsets
        # Only superusers set passwords (Django's own block and form); the hash tells anyone else
        # nothing they need, so others see a note and the reset email instead.
        return [
            (
                name,
                {
                    **options,
                    "fields": [
                        "password_hidden" if field == "password" else field
                        for field in options["fields"]
                    ],
                },
            )
            for name, options in fieldsets
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
        extra_context = {
            **(extra_context or {}),
            "force_logout_url": url,
            "send_password_reset_url": reverse(
                "admin:accounts_user_send_password_reset", args=[object_id]
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self) -> list:
        send = self.admin_site.admin_view(self.send_password_reset_view)
        return [
            path(
                "<path:object_id>/send-password-reset/",
                send,
                name="accounts_user_send_password_reset",
            ),
            *super().get_urls(),
        ]

    def send_password_reset_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Email the user Django's reset link, as "Forgot your password?" would: anyone who may
        see the user may send it, since it goes only to the user's own address, counted against
        the same limit (`email_limits`)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = self.get_object(request, object_id)  # out of scope: 404
        if user is None or not self.has_view_permission(request, user):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
        name = user.get_full_name() or user.email
        if not user.is_active:
            self.message_user(request, f"{name} is deactivated: nothing was sent.", messages.ERROR)
            return back
        if not user.has_usable_password():
            self.message_user(
                request,
                f"{name} has never set a password, so there is none to reset: nothing was sent. "
                "Their company admin can send the invitation again from Users and Roles.",
                messages.ERROR,
            )
            return back
        if not email_limits.take_password_email(user.email):
            self.message_user(
                request,
                f"No more password emails can go to {user.email} for now: at most "
                f"{plural(settings.PASSWORD_EMAILS_PER_ADDRESS, 'email')} in "
                f"{plural(settings.PASSWORD_EMAIL_WINDOW_MINUTES, 'minute')}. Nothing was sent.",
                messages.ERROR,
            )
            return back
        form = PasswordResetForm({"email": user.email})
        form.is_valid()
        domain, use_https = public_site()
        form.save(domain_override=domain, use_https=use_https, request=request)
        self.log_change(request, user, "Sent a password reset email.")
        self.message_user(
            request, f"A password reset link was emailed to {user.email}.", messages.SUCCESS
        )
        return back

    @admin.display(description="password")
    def password_hidden(self, user: User) -> str:
        return "Not shown. “Email a password reset link” (above) lets them choose a new one."

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
