"""Seats, sessions, entitlements, denials and packages; the force-logout action lives here."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict, cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.filters import SimpleListFilter
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import Company, User
from accounts.tenancy import companies_visible_to, scope_to_companies
from common.text import plural
from sessions_seats import forced_logout, selectors, warned_logout
from sessions_seats.devices import describe_user_agent, format_idle
from sessions_seats.models import (
    Entitlement,
    LicensePackage,
    LoginDenial,
    Seat,
    SeatQuerySet,
    SeatSession,
)
from sessions_seats.services import assign_entitlement

from ..forms import ForceLogoutForm
from .scoping import CompanyListFilter, CompanyScopedMixin, ReadOnlyAdminMixin, staff_user
from .times import NamesTimeZoneMixin, in_zone, time_with_zone

if TYPE_CHECKING:
    from sessions_seats.selectors import SeatWithActivity, SeatWithOpenSessions

FORCE_LOGOUT_TEMPLATE = "admin/sessions_seats/seat/force_logout_confirmation.html"


class SeatStatusFilter(SimpleListFilter):
    """Signed-in seats by default; released ones (history) a click away."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("open", "Signed in"), ("released", "Released"), ("all", "All")]

    def value(self) -> str:
        return super().value() or "open"

    def choices(self, changelist):
        # No Django "All" entry: "open" is the default and "all" is an explicit choice.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Seat]) -> QuerySet[Seat]:
        if self.value() == "open":
            # The changelist's rows come from Seat.objects, so they are a SeatQuerySet.
            return cast(SeatQuerySet, queryset).open()
        if self.value() == "released":
            return queryset.filter(released_at__isnull=False)
        return queryset


class IdleFilter(SimpleListFilter):
    title = "idle for longer than"
    parameter_name = "idle"
    SPANS = {
        "15m": ("15 minutes", datetime.timedelta(minutes=15)),
        "1h": ("1 hour", datetime.timedelta(hours=1)),
        "8h": ("8 hours", datetime.timedelta(hours=8)),
    }

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [(key, label) for key, (label, _) in self.SPANS.items()]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[SeatWithActivity]
    ) -> QuerySet[SeatWithActivity]:
        span = self.SPANS.get(self.value() or "")
        if span is None:
            return queryset
        # `last_active_at` is annotated by SeatAdmin.get_queryset.
        return queryset.filter(last_active_at__lt=timezone.now() - span[1])


class SeatSessionInline(CompanyScopedMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = SeatSession
    company_path = "seat__company"
    extra = 0
    fields: ClassVar[tuple[str, ...]] = (
        "started_at",
        "last_activity",
        "ended_at",
        "end_reason",
        "ip",
        "user_agent",
    )
    readonly_fields = fields


def with_company_capacity(seats: QuerySet[Seat]) -> QuerySet[Seat]:
    """Seats with `company_capacity`, their company's capacity today, from the one capacity rule
    (`selectors.capacity_expression`) as a correlated subquery: no query per row."""
    capacity = (
        Company.objects.filter(pk=OuterRef("company_id"))
        .annotate(capacity=selectors.capacity_expression())
        .values("capacity")[:1]
    )
    return seats.annotate(company_capacity=Subquery(capacity))


@admin.register(Seat)
class SeatAdmin(NamesTimeZoneMixin, CompanyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who holds a seat right now, how idle they are, and the force-logout action.

    Read-only: seats change only through the license engine's forced_logout.
    """

    list_display = [
        "company_column",
        "holder",
        "devices_column",
        "claimed_column",
        "activity_column",
        "latest_device",
    ]
    list_display_links = ["holder"]
    list_filter = [
        SeatStatusFilter,
        ("company", CompanyListFilter),
        IdleFilter,
        "release_reason",
    ]
    search_fields = ["user__email", "user__full_name", "company__name"]
    list_select_related = ["user", "company"]
    fields: ClassVar[tuple[str, ...]] = (
        "user",
        "company",
        "claimed_at",
        "logout_scheduled_at",
        "released_at",
        "release_reason",
    )
    readonly_fields = fields
    inlines = [SeatSessionInline]
    actions = ["force_logout", "cancel_scheduled_logout"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[SeatWithActivity]:
        return selectors.with_activity(with_company_capacity(super().get_queryset(request)))

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        columns = list(super().get_list_display(request))
        if self.has_force_logout_permission(request):
            columns.append("force_logout_link")
        return columns

    # --- columns --------------------------------------------------------------------------------

    @admin.display(description="company", ordering="company__name")
    def company_column(self, seat: Seat) -> str:
        # The counter on the company's row is what sign-ins are checked against (rule 3);
        # `company_capacity` comes from get_queryset.
        return format_html(
            "{}<br><small>{} of {} seats</small>",
            seat.company.name,
            seat.company.seats_in_use,
            cast(Any, seat).company_capacity,
        )

    @admin.display(description=in_zone("signed in since"), ordering="claimed_at")
    def claimed_column(self, seat: Seat) -> datetime.datetime:
        return seat.claimed_at

    @admin.display(description="user", ordering="user__full_name")
    def holder(self, seat: Seat) -> str:
        return format_html("{}<br><small>{}</small>", seat.user.get_full_name(), seat.user.email)

    @admin.display(description="devices", ordering="devices")
    def devices_column(self, seat: SeatWithActivity) -> int:
        return seat.devices

    @admin.display(description="last activity", ordering="last_active_at")
    def activity_column(self, seat: SeatWithActivity) -> str:
        if seat.released_at is not None:
            return f"released ({seat.get_release_reason_display().lower()})"
        text = format_idle(seat.last_active_at)
        if seat.logout_scheduled_at:
            at = time_with_zone(seat.logout_scheduled_at)
            return format_html("{}<br><strong>sign-out scheduled at {}</strong>", text, at)
        return text

    @admin.display(description="ip / browser")
    def latest_device(self, seat: SeatWithActivity) -> str:
        if seat.latest_ip is None and not seat.latest_user_agent:
            return "—"
        return format_html(
            '{}<br><small title="{}">{}</small>',
            seat.latest_ip or "—",
            seat.latest_user_agent or "",
            describe_user_agent(seat.latest_user_agent or ""),
        )

    @admin.display(description="sign out")
    def force_logout_link(self, seat: Seat) -> str:
        # Only a GET to the confirmation page: nothing changes until its form is posted to the
        # action, with its CSRF token, reason and acknowledgement.
        if seat.released_at is not None:
            return ""
        return format_html(
            '<a href="{}?seat={}" class="force-logout-row-link">Force logout…</a>',
            reverse("admin:sessions_seats_seat_force_logout"),
            seat.pk,
        )

    # --- force logout -------------------------------------------------------------------------

    def has_force_logout_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(forced_logout.FORCE_LOGOUT_PERMISSION)

    @admin.action(permissions=["force_logout"], description="Force logout")
    def force_logout(self, request: HttpRequest, queryset: SeatQuerySet) -> HttpResponse | None:
        # The confirmation page posts back here with post=yes; only then does anything change.
        confirmed = request.POST.get("post") == "yes"
        return self._force_logout(request, queryset, confirmed=confirmed)

    @admin.action(permissions=["force_logout"], description="Cancel scheduled logout")
    def cancel_scheduled_logout(self, request: HttpRequest, queryset: QuerySet[Seat]) -> None:
        cancelled = forced_logout.cancel_force_logout(actor=staff_user(request), seats=queryset)
        self.message_user(
            request, f"Cancelled the scheduled sign-out of {plural(len(cancelled), 'user')}."
        )

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.force_logout_view)
        return [
            path("force-logout/", view, name="sessions_seats_seat_force_logout"),
            *super().get_urls(),
        ]

    def force_logout_view(self, request: HttpRequest) -> HttpResponse:
        """The same confirmation for one seat (?seat=, from its row in the seat list), or the open
        seats of one user (?user=) or company (?company=), reached from their change pages. It
        only shows the page; the form posts to the action."""
        if not self.has_force_logout_permission(request):
            raise PermissionDenied
        # Seat.objects makes the admin's rows a SeatQuerySet; ModelAdmin only promises a QuerySet.
        seats = cast(SeatQuerySet, self.get_queryset(request)).open()
        if seat_id := request.GET.get("seat"):
            # Out of the staff member's companies: not found, as on its change page.
            seat = get_object_or_404(self.get_queryset(request), pk=_int_or_404(seat_id))
            seats = seats.filter(pk=seat.pk)
            back = reverse("admin:sessions_seats_seat_changelist")
        elif user_id := request.GET.get("user"):
            people = scope_to_companies(User.objects.all(), staff_user(request), "company")
            user = get_object_or_404(people, pk=_int_or_404(user_id))
            seats = seats.filter(user=user)
            back = reverse("admin:accounts_user_change", args=[user.pk])
        elif company_id := request.GET.get("company"):
            company = get_object_or_404(
                companies_visible_to(staff_user(request)), pk=_int_or_404(company_id)
            )
            seats = seats.filter(company=company)
            back = reverse("admin:accounts_company_change", args=[company.pk])
        else:
            raise Http404("Say whose seats: ?user= or ?company=")
        return self._force_logout(request, seats, confirmed=False) or HttpResponseRedirect(back)

    def _force_logout(
        self, request: HttpRequest, queryset: SeatQuerySet, *, confirmed: bool
    ) -> HttpResponse | None:
        seats = selectors.open_seats_for_logout(queryset)
        if not seats:
            self.message_user(
                request, "None of them is signed in: nobody to sign out.", messages.WARNING
            )
            return None
        form = ForceLogoutForm(request.POST if confirmed else None)
        if confirmed and form.is_valid():
            self._act(request, seats, form)
            return None
        return self._confirmation_page(request, seats, form)

    def _act(
        self, request: HttpRequest, seats: list[SeatWithOpenSessions], form: ForceLogoutForm
    ) -> None:
        actor = staff_user(request)
        data = form.cleaned_data
        if form.warn_first:
            try:
                scheduled = warned_logout.schedule_force_logout(
                    actor=actor,
                    seats=seats,
                    reason=data["reason"],
                    requested_by=data["requested_by"],
                    delay=form.delay,
                )
            except warned_logout.SchedulingUnavailable as error:
                self.message_user(request, str(error), messages.ERROR)
                return
            at = time_with_zone(scheduled.at)
            for seat in seats:
                if seat.pk in scheduled.seat_ids:
                    self.log_change(
                        request, seat, f"Scheduled a forced logout at {at}: {data['reason']}"
                    )
            self.message_user(
                request,
                f"{plural(len(scheduled.seat_ids), 'user')} will be signed out at {at} "
                f"(in {plural(data['delay_minutes'], 'minute')}); they see a countdown meanwhile.",
                messages.SUCCESS,
            )
            return
        records = forced_logout.force_logout(
            actor=actor,
            seats=seats,
            reason=data["reason"],
            requested_by=data["requested_by"],
        )
        text = f"Signed out {plural(len(records), 'user')}; {plural(len(records), 'seat')} freed."
        if skipped := len(seats) - len(records):
            text += f" {plural(skipped, 'user')} had signed out already."
        self.message_user(request, text, messages.SUCCESS)

    def _confirmation_page(
        self, request: HttpRequest, seats: list[SeatWithOpenSessions], form: ForceLogoutForm
    ) -> TemplateResponse:
        now = timezone.now()
        rows: list[_ConfirmationRow] = [
            {
                "seat": seat,
                "likely_unsaved_work": selectors.likely_has_unsaved_work(seat, now),
                "devices": [
                    {"session": s, "idle": format_idle(s.last_activity, now)}
                    for s in seat.open_sessions
                ],
            }
            for seat in seats
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Force logout: are you sure?",
            "warning": forced_logout.UNSAVED_WORK_WARNING,
            "subtitle": None,
            "opts": self.opts,
            "rows": rows,
            "likely_unsaved_count": sum(row["likely_unsaved_work"] for row in rows),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": reverse("admin:sessions_seats_seat_changelist"),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, FORCE_LOGOUT_TEMPLATE, context)


class _ConfirmationRow(TypedDict):
    seat: Seat
    likely_unsaved_work: bool
    devices: list[dict[str, object]]


def _int_or_404(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404("Not an id.") from None


class EntitlementInline(CompanyScopedMixin, admin.TabularInline):
    model = Entitlement
    extra = 0
    fields = ["package", "quantity", "starts_on", "ends_on", "assigned_by"]
    readonly_fields = ["assigned_by"]


@admin.register(Entitlement)
class EntitlementAdmin(CompanyScopedMixin, admin.ModelAdmin):
    list_display = ["company", "package", "quantity", "starts_on", "ends_on", "assigned_by"]
    list_filter = ["package", ("company", CompanyListFilter)]
    search_fields = ["company__name"]
    list_select_related = ["company", "package", "assigned_by"]
    autocomplete_fields = ["company"]
    readonly_fields = ["assigned_by"]

    def save_model(self, request: HttpRequest, obj: Entitlement, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            assign_entitlement(obj, assigned_by=staff_user(request))


@admin.register(LoginDenial)
class LoginDenialAdmin(
    NamesTimeZoneMixin, CompanyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    """Refused sign-ins, with the capacity and the seats in use they were refused under."""

    list_display = [
        "at_column",
        "user_column",
        "company",
        "reason",
        "capacity_column",
        "seats_in_use_column",
    ]
    list_filter = ["reason", ("company", CompanyListFilter)]
    search_fields = ["user__email", "user__full_name", "company__name"]
    list_select_related = ["user", "company"]
    date_hierarchy = "at"

    @admin.display(description=in_zone("refused at"), ordering="at")
    def at_column(self, denial: LoginDenial) -> datetime.datetime:
        return denial.at

    @admin.display(description="user", ordering="user__email")
    def user_column(self, denial: LoginDenial) -> str:
        return format_html(
            "{}<br><small>{}</small>", denial.user.get_full_name(), denial.user.email
        )

    @admin.display(description="capacity then", ordering="capacity")
    def capacity_column(self, denial: LoginDenial) -> int:
        return denial.capacity

    @admin.display(description="seats in use then", ordering="seats_in_use")
    def seats_in_use_column(self, denial: LoginDenial) -> int:
        return denial.seats_in_use


@admin.register(LicensePackage)
class LicensePackageAdmin(admin.ModelAdmin):
    """The catalogue: the same for every company, so not scoped; superusers edit it."""

    list_display = ["name", "seats"]
