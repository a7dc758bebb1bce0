"""Single sign-on in the staff console: registered applications and the app sign-ins.

Superusers change and delete applications (registered with `manage.py register_app`, which shows
the secret once); support reads them (view permissions, support migration 0009). App sessions are
history: read-only for everyone, within the companies the staff member sees. So are back-channel
logouts, failures first, for support (migration 0010) and superusers: an application that was not
told of a logout may still show the person as signed in. An open one shows when its next attempt
is due; one long overdue was stalled, and the sweep sends it again.
"""

from __future__ import annotations

import datetime

from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.db import models
from django.db.models import Case, IntegerField, Model, Value, When
from django.http import HttpRequest
from oauth2_provider.models import Application

from single_sign_on.models import AppSession, AppSettings, BackchannelDelivery

from .scoping import CompanyScopedMixin, ReadOnlyAdminMixin, staff_user
from .times import NamesTimeZoneMixin, in_zone


class AppSettingsInline(admin.StackedInline):
    model = AppSettings
    can_delete = False
    extra = 0
    fields = ["backchannel_logout_uri"]
    # A URI typed without a scheme is read as https, the only scheme production accepts.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class SuperuserManagesMixin:
    """Only superusers change or delete; adding goes through `register_app`."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return staff_user(request).is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return staff_user(request).is_superuser


class AppSettingsInlineForApps(SuperuserManagesMixin, AppSettingsInline):
    pass


if admin.site.is_registered(Application):
    admin.site.unregister(Application)


@admin.register(Application)
class ApplicationAdmin(SuperuserManagesMixin, admin.ModelAdmin):
    list_display = ["name", "client_id", "client_type", "skip_authorization", "created"]
    search_fields = ["name", "client_id"]
    # The secret is stored hashed: nothing to show, and never editable here.
    fields = [
        "name",
        "client_id",
        "client_type",
        "authorization_grant_type",
        "redirect_uris",
        "post_logout_redirect_uris",
        "algorithm",
        "skip_authorization",
        "created",
        "updated",
    ]
    readonly_fields = [
        "client_id",
        "client_type",
        "authorization_grant_type",
        "algorithm",
        "created",
        "updated",
    ]
    inlines = [AppSettingsInlineForApps]


@admin.register(AppSession)
class AppSessionAdmin(NamesTimeZoneMixin, ReadOnlyAdminMixin, CompanyScopedMixin, admin.ModelAdmin):
    company_path = "seat_session__seat__company"
    list_display = ["application", "user", "company", "started", "last_seen", "ended"]
    list_filter = ["application"]
    list_select_related = ["application", "seat_session__seat__user", "seat_session__seat__company"]
    search_fields = ["seat_session__seat__user__email", "application__name"]

    @admin.display(description="user")
    def user(self, obj: AppSession) -> str:
        return str(obj.seat_session.seat.user)

    @admin.display(description="company")
    def company(self, obj: AppSession) -> str:
        return str(obj.seat_session.seat.company)

    @admin.display(description=in_zone("signed in at"), ordering="created_at")
    def started(self, obj: AppSession) -> datetime.datetime:
        return obj.created_at

    @admin.display(description=in_zone("last seen at"), ordering="last_seen_at")
    def last_seen(self, obj: AppSession) -> datetime.datetime:
        return obj.last_seen_at

    @admin.display(description=in_zone("ended at"), ordering="ended_at", empty_value="—")
    def ended(self, obj: AppSession) -> datetime.datetime | None:
        return obj.ended_at

    def _in_scope(self, request: HttpRequest, obj: Model | None) -> bool:
        # The company is two joins away; the queryset above is already scoped.
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()


@admin.register(BackchannelDelivery)
class BackchannelDeliveryAdmin(
    NamesTimeZoneMixin, ReadOnlyAdminMixin, CompanyScopedMixin, admin.ModelAdmin
):
    company_path = "app_session__seat_session__seat__company"
    list_display = [
        "status",
        "application",
        "user",
        "owed_since",
        "attempts",
        "last_attempt",
        "next_attempt",
        "last_error",
    ]
    list_filter = ["status", "application"]
    # Failures first, then those still being tried, then the delivered ones; newest first in each.
    ordering = [
        Case(
            When(status=BackchannelDelivery.Status.FAILED, then=Value(0)),
            When(status=BackchannelDelivery.Status.OPEN, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ).asc(),
        "-created_at",
    ]
    list_select_related = ["application", "app_session__seat_session__seat__user"]
    search_fields = ["app_session__seat_session__seat__user__email", "application__name", "uri"]
    # What support needs to follow up with the application; the token itself is not kept.
    fields = readonly_fields = (
        "status",
        "application",
        "uri",
        "user",
        "sid",
        "sub",
        "created_at",
        "attempts",
        "last_attempt_at",
        "next_attempt",
        "last_error",
        "delivered_at",
        "failed_at",
    )

    @admin.display(description="user")
    def user(self, obj: BackchannelDelivery) -> str:
        return str(obj.app_session.seat_session.seat.user)

    @admin.display(description=in_zone("owed since"), ordering="created_at")
    def owed_since(self, obj: BackchannelDelivery) -> datetime.datetime:
        return obj.created_at

    @admin.display(description=in_zone("last attempt"), ordering="last_attempt_at", empty_value="—")
    def last_attempt(self, obj: BackchannelDelivery) -> datetime.datetime | None:
        return obj.last_attempt_at

    @admin.display(
        description=in_zone("next attempt due"), ordering="next_attempt_at", empty_value="—"
    )
    def next_attempt(self, obj: BackchannelDelivery) -> str | None:
        # Only an open delivery has one; one long past tells support that it is stalled, and
        # that the sweep will send it again. Formatted here: the change page shows what a
        # method returns as it is, unlike a field.
        if obj.status != BackchannelDelivery.Status.OPEN or obj.next_attempt_at is None:
            return None
        return str(display_for_value(obj.next_attempt_at, ""))

    def _in_scope(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()
