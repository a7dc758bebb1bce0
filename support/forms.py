from __future__ import annotations

import datetime

from django import forms
from django.conf import settings

from sessions_seats.forced_logout import UNSAVED_WORK_ACKNOWLEDGEMENT, UNSAVED_WORK_NOT_ACKNOWLEDGED

NOW = "now"
WARN = "warn"


def default_warning_minutes() -> int:
    return settings.FORCE_LOGOUT_WARNING_MINUTES


class ForceLogoutForm(forms.Form):
    """The second step of the force-logout action: why, who asked, and the acknowledgement."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        help_text="Recorded in the audit log, e.g. “Customer called: seat stuck on a lost laptop”.",
    )
    requested_by = forms.CharField(
        required=False,
        max_length=200,
        label="Requested by (optional)",
        help_text="Who asked for it, e.g. the company admin's name or the ticket number.",
    )
    when = forms.ChoiceField(
        choices=[
            (NOW, "Sign out now"),
            (WARN, "Warn them with a countdown on their open pages, then sign out"),
        ],
        initial=NOW,
        widget=forms.RadioSelect,
        label="When",
    )
    delay_minutes = forms.IntegerField(
        min_value=1,
        max_value=60,
        initial=default_warning_minutes,
        label="Minutes of warning",
        help_text="Only used when warning first.",
    )
    acknowledge = forms.BooleanField(
        label=UNSAVED_WORK_ACKNOWLEDGEMENT,
        error_messages={"required": UNSAVED_WORK_NOT_ACKNOWLEDGED},
    )

    @property
    def warn_first(self) -> bool:
        return self.cleaned_data["when"] == WARN

    @property
    def delay(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.cleaned_data["delay_minutes"])
