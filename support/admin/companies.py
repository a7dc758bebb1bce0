"""Companies: usage at a glance, their packages (entitlements), who holds their seats, and the
time zone of their days and times.

Account managers set the time zone with the rest of their companies' data. Support changes no
company data, but may set any company's time zone, on a page of its own: it is how the customer
reads every report and page, not license data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Field, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from accounts.models import Company, CompanyEmailDomain
from accounts.tenancy import sees_all_companies
from accounts.time_zones import time_zone_choices, zone_name_of
from sessions_seats import forced_logout, selectors
from sessions_seats.devices import format_idle
from sessions_seats.models import Entitlement
from sessions_seats.selectors import idle_timeout_of
from sessions_seats.services import assign_entitlement

from .scoping import CompanyScopedMixin, staff_user
from .seats import EntitlementInline
from .times import NamesTimeZoneMixin
from .usage import CompanyUsageAdminMixin

if TYPE_CHECKING:
    from sessions_seats.selectors import CompanyWithUsage


class CompanyEmailDomainForm(forms.ModelForm):
    class Meta:
        model = CompanyEmailDomain
        fields = ["domain"]

    def clean_domain(self) -> str:
        # Normalised here too, so two spellings of one domain in one save are seen as duplicates.
        return CompanyEmailDomain.normalize(self.cleaned_data["domain"])


def time_zone_field() -> forms.ChoiceField:
    # A list of the zones this server knows rather than free text: a typo would shift every
    # report of the company.
    return forms.ChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        required=False,
        help_text=str(Company._meta.get_field("time_zone").help_text),
    )


class CompanyTimeZoneForm(forms.ModelForm):
    time_zone = time_zone_field()

    class Meta:
        model = Company
        fields = ["time_zone"]


class CompanyEmailDomainInline(CompanyScopedMixin, admin.TabularInline):
    """Where the company's admins may add people (portal: Users and Roles → Add). Account
    managers set them for their companies; support reads them."""

    model = CompanyEmailDomain
    form = CompanyEmailDomainForm
    extra = 0
    verbose_name = "email domain"
    verbose_name_plural = "email domains (company admins add people at these addresses only)"


@admin.register(Company)
class CompanyAdmin(
    NamesTimeZoneMixin, CompanyUsageAdminMixin, CompanyScopedMixin, admin.ModelAdmin
):
    company_path = ""
    list_display = [
        "name",
        "account_manager",
        "is_active",
        "seats_in_use_column",
        "capacity_column",
        "denials_column",
    ]
    list_filter = ["is_active", ("account_manager", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    list_select_related = ["account_manager"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["account_manager"]
    inlines = [CompanyEmailDomainInline, EntitlementInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "account_manager",
                    "is_active",
                    "time_zone",
                    "time_zone_in_effect",
                ]
            },
        ),
        ("Seats", {"fields": ["usage", "idle_timeout", "effective_idle_timeout", "seat_holders"]}),
        ("Do they have enough licenses?", {"fields": ["usage_links"]}),
    ]
    readonly_fields = [
        "usage",
        "effective_idle_timeout",
        "seat_holders",
        "usage_links",
        "time_zone_in_effect",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CompanyWithUsage]:
        return selectors.with_usage(super().get_queryset(request))

    def get_readonly_fields(self, request: HttpRequest, obj: Company | None = None) -> list[str]:
        # Only superusers hand a company to another account manager (or take one).
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "account_manager"]

    def get_fieldsets(self, request: HttpRequest, obj: Company | None = None) -> list:
        # Whoever changes the company picks the zone in its form; everyone else reads the zone
        # in effect (the stored blank means the site's, which a read-only field would show as -).
        drop = "time_zone_in_effect" if self.has_change_permission(request, obj) else "time_zone"
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != drop]})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def formfield_for_dbfield(
        self, db_field: Field, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "time_zone":
            return time_zone_field()
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # --- the time zone page (support) -----------------------------------------------------------

    def get_urls(self) -> list:
        page = self.admin_site.admin_view(self.time_zone_view)
        return [
            path("<path:object_id>/time-zone/", page, name="accounts_company_time_zone"),
            *super().get_urls(),
        ]

    def may_set_time_zone(self, request: HttpRequest, company: Company) -> bool:
        """Whoever may change the company, and support (who sees every company)."""
        return self.has_change_permission(request, company) or sees_all_companies(
            staff_user(request)
        )

    def time_zone_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        company = self.get_object(request, object_id)  # 404 out of scope
        assert company is not None, "CompanyScopedMixin.get_object raises Http404 instead"
        if not self.may_set_time_zone(request, company):
            raise PermissionDenied
        change_url = reverse("admin:accounts_company_change", args=[company.pk])
        form = CompanyTimeZoneForm(request.POST or None, instance=company)
        if request.method == "POST" and form.is_valid():
            # Only this column: the rest of the row may have changed since the page was read.
            company.save(update_fields=["time_zone"])
            self.log_change(request, company, [{"changed": {"fields": ["Time zone"]}}])
            self.message_user(
                request,
                f"{company.name}'s days and times are now in {zone_name_of(company)}.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": company,
            "company": company,
            "form": form,
            "title": f"Time zone of {company.name}",
            "change_url": change_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            "admin/accounts/company/time_zone.html",
            context,
            status=400 if form.errors else 200,
        )

    def get_prepopulated_fields(self, request: HttpRequest, obj: Company | None = None) -> dict:
        return super().get_prepopulated_fields(request, obj) if obj is None else {}

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        if formset.model is not Entitlement:
            return super().save_formset(request, form, formset, change)
        for entitlement in formset.save(commit=False):
            if entitlement.pk is None:
                assign_entitlement(entitlement, assigned_by=staff_user(request))
            else:
                entitlement.save()
        for entitlement in formset.deleted_objects:
            entitlement.delete()
        formset.save_m2m()
        return None

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "force_logout_url": self._force_logout_url(request, object_id),
            "time_zone_url": self._time_zone_url(request, object_id),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _time_zone_url(self, request: HttpRequest, object_id: str) -> str | None:
        """The time zone page, for support: those who change the company pick the zone in its
        form. (The change page itself checks that the company is in scope.)"""
        if self.has_change_permission(request) or not sees_all_companies(staff_user(request)):
            return None
        return reverse("admin:accounts_company_time_zone", args=[object_id])

    def _force_logout_url(self, request: HttpRequest, object_id: str) -> str | None:
        if not request.user.has_perm(forced_logout.FORCE_LOGOUT_PERMISSION):
            return None
        return f"{reverse('admin:sessions_seats_seat_force_logout')}?company={object_id}"

    # --- columns and read-only fields -----------------------------------------------------------

    @admin.display(description="seats in use", ordering="seats_in_use")
    def seats_in_use_column(self, company: CompanyWithUsage) -> str:
        return f"{company.seats_in_use} / {company.capacity}"

    @admin.display(description="capacity", ordering="capacity")
    def capacity_column(self, company: CompanyWithUsage) -> int:
        return company.capacity

    @admin.display(description="denials (30 days)", ordering="denials_30d")
    def denials_column(self, company: CompanyWithUsage) -> int:
        return company.denials_30d

    @admin.display(description="seats in use today")
    def usage(self, company: CompanyWithUsage) -> str:
        if company.pk is None:
            return "—"
        return f"{company.seats_in_use} of {company.capacity} seats in use"

    @admin.display(description="usage")
    def usage_links(self, company: Company) -> str:
        if company.pk is None:
            return "—"
        requests = reverse("admin:license_requests_licenserequest_changelist")
        return format_html(
            '<a href="{}">Usage report</a> (peak vs capacity, refusals, sizing simulator) · '
            '<a href="{}">Seat ledger</a> · <a href="{}?company__id__exact={}&amp;status=all">'
            "License requests</a>",
            reverse("admin:accounts_company_usage", args=[company.pk]),
            reverse("admin:accounts_company_ledger", args=[company.pk]),
            requests,
            company.pk,
        )

    @admin.display(description="time zone")
    def time_zone_in_effect(self, company: Company) -> str:
        name = zone_name_of(company)
        return name if company.time_zone else f"{name} (the site's time zone)"

    @admin.display(description="idle timeout in effect")
    def effective_idle_timeout(self, company: Company) -> str:
        minutes = idle_timeout_of(company)
        return f"{minutes} minutes" + ("" if company.idle_timeout else " (the site default)")

    @admin.display(description="current seat holders")
    def seat_holders(self, company: Company) -> str:
        if company.pk is None:
            return "—"
        seats = selectors.with_activity(company.seats.open().select_related("user")).order_by(
            "user__email"
        )
        if not seats:
            return "Nobody is signed in."
        now = timezone.now()
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a><br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:sessions_seats_seat_change", args=[seat.pk]),
                    seat.user.get_full_name(),
                    seat.user.email,
                    seat.devices,
                    date_format(timezone.localtime(seat.claimed_at), "DATETIME_FORMAT"),
                    format_idle(seat.last_active_at, now),
                )
                for seat in seats
            ),
        )
        return format_html(
            "<table><thead><tr><th>User</th><th>Devices</th><th>Signed in since</th>"
            "<th>Last activity</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )
