"""What a person is told when the license engine signed them out, when they log out, and when
their account was deactivated. Every sentence says what is true when it is shown: whether a seat
is free now, whether the license is still held by another device."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.models import Company, User
from accounts.services import deactivated_by_own_admin, deactivator_name
from accounts.time_zones import site_today, site_zone_name, zone_name_of, zone_named, zone_of
from common.links import page_path
from common.text import plural

from .devices import describe_device
from .models import EndReason, SeatSession
from .selectors import capacity_of, contact_for, idle_timeout_of, open_sessions_of, seats_in_use


def _when(at: datetime.datetime | None, company: Company | None) -> str:
    """A moment as the pages show it, in the company's time zone (staff: the site's), which the
    caller names; None (not recorded) reads as now."""
    zone = zone_of(company) if company is not None else zone_named("")
    return date_format(timezone.localtime(at, zone), "DATETIME_FORMAT")


def _zone_name(company: Company | None) -> str:
    return zone_name_of(company) if company is not None else site_zone_name()


def seat_outlook(company: Company) -> str:
    """Whether signing in would work right now, read when the message is written: never "you can
    sign in again" while every seat is taken."""
    if not company.is_active:
        return (
            f"The account of {company.name} is inactive, so nobody of the company can sign in "
            "right now."
        )
    capacity = capacity_of(company, site_today())
    if capacity <= 0:
        return (
            f"{company.name} has no license valid today, so nobody of the company can sign in "
            "right now."
        )
    if seats_in_use(company) >= capacity:
        seats = f"All {capacity} seats" if capacity > 1 else "The one seat"
        verb = "are" if capacity > 1 else "is"
        return (
            f"{seats} of {company.name} {verb} in use right now, so you cannot sign in until a "
            "colleague logs out or an idle session is freed. Try signing in below: if no seat is "
            "free, the page says whom to ask and what you can do."
        )
    return "A seat is free right now: you can sign in again."


def deactivation_notice(user: User) -> str:
    """Why a deactivated person cannot sign in: who deactivated the account, when, and whom to
    ask to reactivate it (their company admins, or Foundry when Foundry did it)."""
    by = deactivator_name(user)
    when = (
        f" on {_when(user.deactivated_at, user.company)} ({_zone_name(user.company)})"
        if user.deactivated_at
        else ""
    )
    if by is None:
        said = f"Your account has been deactivated{when}."
    elif deactivated_by_own_admin(user):
        said = f"Your account was deactivated by {by}, your company admin,{when}."
    else:
        said = f"Your account was deactivated by {by}{when}."
    admins = (
        list(User.objects.active_company_admins(user.company_id))
        if user.company_id is not None
        else []
    )
    if deactivated_by_own_admin(user) and admins:
        names = _or([f"{admin.get_full_name()} ({admin.email})" for admin in admins])
        whom = "your company admins" if len(admins) > 1 else "your company admin"
        return f"{said} To use Foundry again, ask {whom} {names}."
    if user.company is None:
        return f"{said} Ask Foundry support about it."
    contact = contact_for(user.company)
    whom = f"your account manager {contact.name}" if contact.is_account_manager else contact.name
    return f"{said} To use Foundry again, contact {whom} at {contact.email}."


def _or(words: list[str]) -> str:
    """ "A", "A or B", "A, B or C"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def logged_out_message(user: User) -> str | SafeString:
    """What someone is told after logging this browser out (call it after the log-out): their
    license is freed only if no other device of theirs is still signed in."""
    if not user.takes_seat:
        return "You have signed out."
    others = list(open_sessions_of(user))
    if not others:
        return "You have signed out and freed your license."
    devices = format_html_join(
        "; ", "{}", ((describe_device(s.user_agent, s.last_activity),) for s in others)
    )
    message = format_html(
        "You have signed out in this browser. Your license stays in use by your {}: {}.",
        plural(len(others), "other device"),
        devices,
    )
    my_sessions = page_path("portal:my_sessions")
    if my_sessions is None:
        return format_html("{} To free it, log out on {} too.", message, _them(len(others)))
    return format_html(
        '{} To free it, log out on {} too, or sign in and log {} out from <a href="{}">My '
        "sessions</a>.",
        message,
        _them(len(others)),
        _them(len(others)),
        my_sessions,
    )


def _them(count: int) -> str:
    return "it" if count == 1 else "them"


def why_signed_out(seat_session: SeatSession) -> str | None:
    """The sign-in page's message for a seat session that ended without its user logging out."""
    reason = seat_session.end_reason
    user = seat_session.seat.user
    if not user.is_active:
        # Deactivation signs people out (reason forced): "sign in again" would not be true.
        return deactivation_notice(user)
    if reason == EndReason.IDLE:
        minutes = idle_timeout_of(seat_session.seat.company)
        idle = f"You were signed out after {plural(minutes, 'minute')} of inactivity"
        if seat_session.seat.released_at is None:
            # Another device of theirs still holds the seat: signing in here joins it.
            return (
                f"{idle} in this browser. Your license stays in use by your other signed-in "
                "device, so you can sign in again here."
            )
        return f"{idle} to free a license. {seat_outlook(seat_session.seat.company)}"
    if reason == EndReason.FORCED:
        company = seat_session.seat.company
        at = f"{_when(seat_session.ended_at, company)} ({_zone_name(company)})"
        by = seat_session.ended_by
        who = (
            f"{by.get_full_name()}, your company admin,"
            if by is not None and by.company_id is not None
            else "Support"
        )
        return (
            f"{who} signed you out on {at}. "
            f"Any unsaved work may have been lost. {seat_outlook(seat_session.seat.company)}"
        )
    if reason == EndReason.LICENSE:
        return (
            "You were signed out because your company's license ended or no longer covers "
            "everyone signed in. Ask your company admin about more licenses."
        )
    if reason == EndReason.EXPIRED:
        return "Your session expired. Please sign in again."
    return None


NO_SEAT_MESSAGE = "Your session did not hold a license seat. Please sign in again."
