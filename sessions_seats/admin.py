from django.contrib import admin

from .models import Entitlement, LicensePackage, LoginDenial, Seat, SeatSession


@admin.register(LicensePackage)
class LicensePackageAdmin(admin.ModelAdmin):
    list_display = ["name", "seats"]


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):
    list_display = ["company", "package", "quantity", "starts_on", "ends_on", "assigned_by"]
    list_filter = ["package"]
    search_fields = ["company__name"]
    list_select_related = ["company", "package", "assigned_by"]
    autocomplete_fields = ["company"]
    exclude = ["assigned_by"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.assigned_by = request.user
        super().save_model(request, obj, form, change)


class SeatSessionInline(admin.TabularInline):
    model = SeatSession
    extra = 0
    can_delete = False
    fields = ["started_at", "last_activity", "ended_at", "end_reason", "ip", "user_agent"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Seat)
class SeatAdmin(admin.ModelAdmin):
    """Read-only: seats change only through the license engine."""

    list_display = ["user", "company", "claimed_at", "released_at", "release_reason"]
    list_filter = ["release_reason", "company"]
    search_fields = ["user__email", "user__full_name", "company__name"]
    list_select_related = ["user", "company"]
    inlines = [SeatSessionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LoginDenial)
class LoginDenialAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "company", "reason", "capacity", "seats_in_use"]
    list_filter = ["reason", "company"]
    search_fields = ["user__email", "company__name"]
    list_select_related = ["user", "company"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
