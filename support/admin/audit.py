"""The forced-logout audit log: read-only for everyone, searchable, exportable as CSV."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from common.csv_export import csv_download, csv_lines
from sessions_seats.models import ForcedLogout

from .scoping import CompanyListFilter, CompanyScopedMixin, ReadOnlyAdminMixin
from .times import NamesTimeZoneMixin, in_zone

# Long enough to recognise a reason in the list; the record shows it whole.
LISTED_REASON_LENGTH = 40

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


class WhenFilter(admin.DateFieldListFilter):
    """The date filter of `at`, titled "By when" rather than Django's "By at" (the field's name)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = "when"


def csv_response(queryset: QuerySet[ForcedLogout]) -> StreamingHttpResponse:
    rows = (
        [getattr(record, field) for field, _ in CSV_COLUMNS]
        for record in queryset.iterator(chunk_size=500)
    )
    lines = csv_lines([title for _, title in CSV_COLUMNS], rows)
    return csv_download(lines, f"forced-logouts-{timezone.now():%Y%m%d-%H%M}.csv")


@admin.register(ForcedLogout)
class ForcedLogoutAdmin(
    NamesTimeZoneMixin, CompanyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    """One line per forced logout, narrow enough for a laptop: who requested it and how many
    sessions ended are on the record, not in the list."""

    list_display = [
        "at_column",
        "actor_column",
        "target_column",
        "short_reason",
        "warned_column",
    ]
    list_display_links = ["at_column"]
    list_filter = ["actor_role", ("at", WhenFilter), ("company", CompanyListFilter)]
    search_fields = ["target_email", "actor_email", "company_name", "reason", "requested_by"]
    date_hierarchy = "at"
    actions = ["export_csv"]

    @admin.display(description=in_zone("when"), ordering="at")
    def at_column(self, record: ForcedLogout) -> datetime.datetime:
        return record.at

    @admin.display(description="signed out by", ordering="actor_email")
    def actor_column(self, record: ForcedLogout) -> str:
        return format_html(
            "{}<br><small>{}</small>", record.actor_email, record.get_actor_role_display()
        )

    @admin.display(description="user", ordering="target_email")
    def target_column(self, record: ForcedLogout) -> str:
        return format_html("{}<br><small>{}</small>", record.target_email, record.company_name)

    @admin.display(description="reason")
    def short_reason(self, record: ForcedLogout) -> str:
        if len(record.reason) <= LISTED_REASON_LENGTH:
            return record.reason
        shown = record.reason[: LISTED_REASON_LENGTH - 1].rstrip() + "…"
        return format_html('<span title="{}">{}</span>', record.reason, shown)

    @admin.display(description=in_zone("warned at"), ordering="warned_at")
    def warned_column(self, record: ForcedLogout) -> datetime.datetime | None:
        return record.warned_at

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
