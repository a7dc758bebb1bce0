"""The forced-logout audit log: read-only for everyone, searchable, exportable as CSV."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path
from django.utils import timezone

from common.csv_export import csv_download, csv_lines
from sessions_seats.models import ForcedLogout

from .scoping import CompanyScopedMixin, ReadOnlyAdminMixin

CSV_COLUMNS = [
    ("at", "when"),
    ("actor_email", "signed out by"),
    ("actor_role", "role"),
    ("target_email", "user"),
    ("company_name", "company"),
    ("reason", "reason"),
    ("requested_by", "requested by"),
    ("sessions_ended", "sessions ended"),
    ("warned_at", "warned at"),
]


def csv_response(queryset: QuerySet[ForcedLogout]) -> StreamingHttpResponse:
    rows = (
        [getattr(record, field) for field, _ in CSV_COLUMNS]
        for record in queryset.iterator(chunk_size=500)
    )
    lines = csv_lines([title for _, title in CSV_COLUMNS], rows)
    return csv_download(lines, f"forced-logouts-{timezone.now():%Y%m%d-%H%M}.csv")


@admin.register(ForcedLogout)
class ForcedLogoutAdmin(CompanyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "at",
        "actor_email",
        "actor_role",
        "target_email",
        "company_name",
        "short_reason",
        "requested_by",
        "sessions_ended",
        "warned_at",
    ]
    list_filter = ["actor_role", "at", ("company", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["target_email", "actor_email", "company_name", "reason", "requested_by"]
    date_hierarchy = "at"
    actions = ["export_csv"]

    @admin.display(description="reason")
    def short_reason(self, record: ForcedLogout) -> str:
        return record.reason if len(record.reason) <= 80 else record.reason[:79] + "…"

    @admin.action(permissions=["view"], description="Export selected to CSV")
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[ForcedLogout]
    ) -> StreamingHttpResponse:
        return csv_response(queryset.order_by("-at"))

    def get_urls(self) -> list:
        export = self.admin_site.admin_view(self.export_view)
        return [
            path("export.csv", export, name="sessions_seats_forcedlogout_export"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> StreamingHttpResponse | HttpResponse:
        """Everything the changelist shows with the same filters and search, not one page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # The changelist drops such filters with a redirect; a download has no page to show
            # that on, so it says what is wrong instead of exporting something else.
            return HttpResponse(
                "Invalid filters: a filter in the address is not valid (a date, perhaps). "
                "Choose the filters on the audit log page, then export.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return csv_response(changelist.get_queryset(request))
