"""The forced-logout audit log: read-only for everyone, searchable, exportable as CSV."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path
from django.utils import timezone

from ..models import ForcedLogout
from .scoping import CompanyScopedMixin, ReadOnlyAdminMixin

CSV_COLUMNS = [
    ("at", "when (UTC)"),
    ("actor_email", "signed out by"),
    ("actor_role", "role"),
    ("target_email", "user"),
    ("company_name", "company"),
    ("reason", "reason"),
    ("requested_by", "requested by"),
    ("sessions_ended", "sessions ended"),
    ("warned_at", "warned at (UTC)"),
]


class _Echo:
    """A file-like object that hands back what is written: csv.writer feeds a stream with it."""

    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.astimezone(datetime.UTC).isoformat(timespec="seconds")
    text = str(value)
    # A spreadsheet runs a cell starting like a formula; reasons are free text typed by staff.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(records: Iterable[ForcedLogout]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([title for _, title in CSV_COLUMNS])
    for record in records:
        yield writer.writerow([_cell(getattr(record, field)) for field, _ in CSV_COLUMNS])


def csv_response(queryset: QuerySet[ForcedLogout]) -> StreamingHttpResponse:
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        csv_rows(queryset.iterator(chunk_size=500)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="forced-logouts-{stamp}.csv"'
    return response


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
        return [path("export.csv", export, name="support_forcedlogout_export"), *super().get_urls()]

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
