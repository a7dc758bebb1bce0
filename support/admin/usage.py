"""A company's usage report and seat ledger in the staff console, under its change page:
`/admin/accounts/company/<id>/usage/` (its figures as JSON: `…/usage.json`), `…/ledger/` and
`…/ledger.csv`.

Mixed into the company admin, so a company out of the staff member's scope is "not found" exactly
as its change page is (CompanyScopedMixin.get_object), and viewing needs the view permission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.models import Company
from license_requests.selectors import open_request_of
from usage import pages, report_json
from usage.forms import LedgerFilterForm, PeriodForm

USAGE_TEMPLATE = "admin/accounts/company/usage_report.html"
LEDGER_TEMPLATE = "admin/accounts/company/seat_ledger.html"

if TYPE_CHECKING:
    _CompanyAdminBase = admin.ModelAdmin[Company]
else:
    _CompanyAdminBase = object


class CompanyUsageAdminMixin(_CompanyAdminBase):
    """For the Company ModelAdmin: usage and ledger pages of one company."""

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/usage/", wrap(self.usage_view), name="accounts_company_usage"),
            path(
                "<path:object_id>/usage.json",
                wrap(self.usage_json_view),
                name="accounts_company_usage_json",
            ),
            path(
                "<path:object_id>/ledger/", wrap(self.ledger_view), name="accounts_company_ledger"
            ),
            path(
                "<path:object_id>/ledger.csv",
                wrap(self.ledger_csv_view),
                name="accounts_company_ledger_csv",
            ),
            *super().get_urls(),
        ]

    def _visible_company(self, request: HttpRequest, object_id: str) -> Company:
        company = self.get_object(request, object_id)  # 404 out of scope
        assert company is not None, "CompanyScopedMixin.get_object raises Http404 instead"
        if not self.has_view_permission(request, company):
            raise PermissionDenied
        return company

    def _context(self, request: HttpRequest, company: Company, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": company,
            "company": company,
            "title": title,
            "subtitle": company.name,
            "usage_url": reverse("admin:accounts_company_usage", args=[company.pk]),
            "ledger_url": reverse("admin:accounts_company_ledger", args=[company.pk]),
            "change_url": reverse("admin:accounts_company_change", args=[company.pk]),
        }

    def usage_view(self, request: HttpRequest, object_id: str) -> TemplateResponse:
        company = self._visible_company(request, object_id)
        form = PeriodForm(
            request.GET, company=company, default=lambda: pages.default_usage_period(company)
        )
        context = self._context(request, company, f"Usage of {company.name}")
        context["form"] = form
        status = 200
        if form.is_valid():
            start, end = form.period
            context["page"] = pages.usage_page(company, start=start, end=end)
            json_url = reverse("admin:accounts_company_usage_json", args=[company.pk])
            context["json_url"] = f"{json_url}?start={start}&end={end}"
            context["open_request"] = open_request_of(company)
            context["requests_url"] = (
                reverse("admin:license_requests_licenserequest_changelist")
                + f"?company__id__exact={company.pk}"
            )
        else:
            status = 400
        request.current_app = self.admin_site.name
        return TemplateResponse(request, USAGE_TEMPLATE, context, status=status)

    def usage_json_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        company = self._visible_company(request, object_id)
        form = PeriodForm(
            request.GET, company=company, default=lambda: pages.default_usage_period(company)
        )
        if not form.is_valid():
            return report_json.invalid_period_json_response(form)
        start, end = form.period
        return report_json.usage_json_response(company, start=start, end=end)

    def ledger_view(self, request: HttpRequest, object_id: str) -> TemplateResponse:
        company = self._visible_company(request, object_id)
        form = LedgerFilterForm(request.GET, company=company)
        context = self._context(request, company, f"Seat ledger of {company.name}")
        context["form"] = form
        status = 200
        if form.is_valid():
            number = pages.page_number(request.GET.get("page"))
            context["page"] = pages.ledger_page(company, filters=form.filters, number=number)
            query = request.GET.copy()
            query.pop("page", None)
            csv_url = reverse("admin:accounts_company_ledger_csv", args=[company.pk])
            context["csv_url"] = csv_url + (f"?{query.urlencode()}" if query else "")
            if context["page"].beyond_reach:
                status = 404
        else:
            status = 400
        request.current_app = self.admin_site.name
        return TemplateResponse(request, LEDGER_TEMPLATE, context, status=status)

    def ledger_csv_view(
        self, request: HttpRequest, object_id: str
    ) -> StreamingHttpResponse | HttpResponse:
        company = self._visible_company(request, object_id)
        form = LedgerFilterForm(request.GET, company=company)
        if not form.is_valid():
            return pages.invalid_filters_response(form)
        return pages.ledger_csv_response(company, filters=form.filters)
