from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm

from .models import Company, User


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "account_manager", "is_active", "idle_timeout"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["account_manager"]


class UserAddForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "company", "role"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAddForm
    ordering = ["email"]
    list_display = ["email", "full_name", "company", "role", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "role", "company"]
    search_fields = ["email", "full_name", "company__name"]
    list_select_related = ["company"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "company", "role"]}),
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

    def formfield_for_dbfield(self, db_field, request, **kwargs) -> forms.Field | None:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "email" and field is not None:
            field.widget.attrs["autocomplete"] = "off"
        return field
