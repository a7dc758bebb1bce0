"""What a person is told when the license engine signed them out."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format

from .models import EndReason, SeatSession
from .selectors import idle_timeout_of


def why_signed_out(seat_session: SeatSession) -> str | None:
    """The sign-in page's message for a seat session that ended without its user logging out."""
    reason = seat_session.end_reason
    if reason == EndReason.IDLE:
        minutes = idle_timeout_of(seat_session.seat.company)
        return f"You were signed out after {minutes} minutes of inactivity to free a license."
    if reason == EndReason.FORCED:
        at = date_format(timezone.localtime(seat_session.ended_at), "DATETIME_FORMAT")
        by = seat_session.ended_by
        who = (
            f"{by.get_full_name()}, your company admin,"
            if by is not None and by.company_id is not None
            else "Support"
        )
        return (
            f"{who} signed you out on {at} to free a license. "
            "Any unsaved work may have been lost; you can sign in again."
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
