"""Tenancy for the admin: querysets, object permissions and choices limited to visible companies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest

from accounts.models import Company, User
from accounts.tenancy import companies_visible_to, may_see_company, scope_to_companies

if TYPE_CHECKING:
    # CompanyScopedMixin goes into ModelAdmins and inlines: checked as a ModelAdmin, its super()
    # calls resolve.
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object


def staff_user(request: HttpRequest) -> User:
    """The user of an admin request: the admin site lets in only active staff users, so never an
    anonymous one."""
    user = request.user
    assert isinstance(user, User), "admin pages are for signed-in staff only"
    return user


def company_id_of(obj: Model) -> int | None:
    if isinstance(obj, Company):
        return obj.pk
    return getattr(obj, "company_id", None)


class CompanyScopedMixin(_AdminBase):
    """For ModelAdmins and inlines over rows that belong to a company.

    Every way in is covered: the changelist and the object lookup go through `get_queryset`; the
    object permissions check the object's company (for an inline, its parent's); company choices
    in forms (including posted ids) are limited to visible companies. An object out of scope is
    "not found", so its existence is not revealed either.
    """

    # Lookup from the model to its company; "" for the Company model itself.
    company_path = "company"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_companies(
            super().get_queryset(request), staff_user(request), self.company_path
        )

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Django would redirect to the index; a tampered URL gets a plain "not found".
            raise Http404("No such object, or not one of your companies.")
        return obj

    def _in_scope(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is None or may_see_company(staff_user(request), company_id_of(obj))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.related_model is Company:
            kwargs["queryset"] = companies_visible_to(staff_user(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CompanyListFilter(admin.RelatedOnlyFieldListFilter):
    """The companies of the rows listed, without the empty choice Django adds where the company
    may be missing: it is labelled only "-", which reads as a stray mark. Users without a company
    are staff, whom the "staff status" filter already picks out."""

    @property
    def include_empty_choice(self) -> bool:
        return False


class ReadOnlyAdminMixin:
    """History and audit: nobody adds, changes or deletes rows here, superusers included."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
