"""The account managers' queue of license requests: scoped to their companies, open ones first;
"Assign entitlement" fulfils a request, "Decline" closes it with a note. The rules are in
`license_requests.services`; these pages only collect the answer."""

from __future__ import annotations

import datetime
from typing import ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.filters import SimpleListFilter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.time_zones import site_today
from license_requests import services as request_services
from license_requests.models import LicenseRequest
from license_requests.permissions import may_decide, may_fulfil
from sessions_seats.models import LicensePackage

from .scoping import CompanyListFilter, CompanyScopedMixin, ReadOnlyAdminMixin, staff_user
from .times import NamesTimeZoneMixin, in_zone


class RequestStatusFilter(SimpleListFilter):
    """Open requests by default (the queue); answered ones a click away."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [*LicenseRequest.Status.choices, ("all", "All")]

    def value(self) -> str:
        return super().value() or LicenseRequest.Status.OPEN

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[LicenseRequest]
    ) -> QuerySet[LicenseRequest]:
        if self.value() in LicenseRequest.Status.values:
            return queryset.filter(status=self.value())
        return queryset


class AssignEntitlementForm(forms.Form):
    package = forms.ModelChoiceField(queryset=LicensePackage.objects.all(), label="Package")
    quantity = forms.IntegerField(
        min_value=1, max_value=request_services.MAX_QUANTITY, label="Quantity"
    )
    starts_on = forms.DateField(
        label="Valid from", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label="Valid until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Empty: no end.",
    )
    note = forms.CharField(
        label="Note to the customer",
        required=False,
        max_length=request_services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The end date cannot be before the start date.")
        return cleaned


class DeclineForm(forms.Form):
    note = forms.CharField(
        label="Why (sent to the customer)",
        max_length=request_services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why, so the customer knows what to do next."},
    )


@admin.register(LicenseRequest)
class LicenseRequestAdmin(
    NamesTimeZoneMixin, CompanyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    """Read-only rows: a request changes only through its two answers."""

    list_display = [
        "company",
        "wanted",
        "requested_by",
        "status",
        "created_column",
        "updated_column",
        "merged_count",
    ]
    list_filter = [RequestStatusFilter, ("company", CompanyListFilter)]
    search_fields = ["company__name", "requested_by__email", "requested_by__full_name", "note"]
    list_select_related = ["company", "package", "requested_by"]
    date_hierarchy = "created_at"
    fields: ClassVar[tuple[str, ...]] = (
        "company",
        "status",
        "package",
        "quantity",
        "note",
        "requested_by",
        "requesters",
        "merged_count",
        "created_at",
        "updated_at",
        "fulfilled_by",
        "decided_by",
        "decided_at",
        "decision_note",
        "usage_link",
    )
    readonly_fields = fields

    @admin.display(description=in_zone("created at"), ordering="created_at")
    def created_column(self, license_request: LicenseRequest) -> datetime.datetime:
        return license_request.created_at

    @admin.display(description=in_zone("updated at"), ordering="updated_at")
    def updated_column(self, license_request: LicenseRequest) -> datetime.datetime:
        return license_request.updated_at

    @admin.display(description="wanted")
    def wanted(self, license_request: LicenseRequest) -> str:
        return f"{license_request.quantity} × {license_request.package.name}"

    @admin.display(description="usage")
    def usage_link(self, license_request: LicenseRequest) -> str:
        url = reverse("admin:accounts_company_usage", args=[license_request.company_id])
        return format_html('<a href="{}">Usage report of {}</a>', url, license_request.company)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/assign/",
                wrap(self.assign_view),
                name="license_requests_licenserequest_assign",
            ),
            path(
                "<path:object_id>/decline/",
                wrap(self.decline_view),
                name="license_requests_licenserequest_decline",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        extra = {**(extra_context or {})}
        if obj.is_open:
            if may_fulfil(staff_user(request), obj):
                extra["assign_url"] = reverse(
                    "admin:license_requests_licenserequest_assign", args=[obj.pk]
                )
            if may_decide(staff_user(request), obj):
                extra["decline_url"] = reverse(
                    "admin:license_requests_licenserequest_decline", args=[obj.pk]
                )
        return super().change_view(request, object_id, form_url, extra)

    # --- the two answers ------------------------------------------------------------------------

    def _open_request(self, request: HttpRequest, object_id: str, *, fulfil: bool):
        obj = self.get_object(request, object_id)  # 404 out of scope
        allowed = may_fulfil if fulfil else may_decide
        if not allowed(staff_user(request), obj):
            raise PermissionDenied
        return obj

    def _closed(self, request: HttpRequest, obj: LicenseRequest) -> HttpResponseRedirect:
        self.message_user(
            request,
            f"This request is already {obj.get_status_display().lower()}.",
            messages.WARNING,
        )
        return HttpResponseRedirect(
            reverse("admin:license_requests_licenserequest_change", args=[obj.pk])
        )

    def _page(
        self, request: HttpRequest, obj: LicenseRequest, form: forms.Form, title: str, template: str
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "license_request": obj,
            "form": form,
            "title": title,
            "subtitle": obj.company.name,
            "change_url": reverse("admin:license_requests_licenserequest_change", args=[obj.pk]),
            "usage_url": reverse("admin:accounts_company_usage", args=[obj.company_id]),
        }
        request.current_app = self.admin_site.name
        status = 400 if form.is_bound and form.errors else 200
        return TemplateResponse(request, template, context, status=status)

    def assign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._open_request(request, object_id, fulfil=True)
        if not obj.is_open:
            return self._closed(request, obj)
        initial = {
            "package": obj.package_id,
            "quantity": obj.quantity,
            "starts_on": site_today(),
        }
        form = AssignEntitlementForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                entitlement = request_services.fulfil_request(
                    actor=staff_user(request), license_request=obj, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.log_change(request, obj, f"Fulfilled with {entitlement}.")
                self.message_user(
                    request,
                    f"Assigned {entitlement.quantity} × {entitlement.package.name} to "
                    f"{obj.company.name}; the request is fulfilled and the customer is emailed.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:license_requests_licenserequest_change", args=[obj.pk])
                )
        return self._page(
            request,
            obj,
            form,
            "Assign an entitlement",
            "admin/license_requests/licenserequest/assign.html",
        )

    def decline_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._open_request(request, object_id, fulfil=False)
        if not obj.is_open:
            return self._closed(request, obj)
        form = DeclineForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                request_services.decline_request(
                    actor=staff_user(request), license_request=obj, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.log_change(request, obj, "Declined.")
                self.message_user(
                    request,
                    f"Declined the request of {obj.company.name}; the customer is emailed.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:license_requests_licenserequest_change", args=[obj.pk])
                )
        return self._page(
            request,
            obj,
            form,
            "Decline the request",
            "admin/license_requests/licenserequest/decline.html",
        )
