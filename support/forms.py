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
        # Required with the countdown only: `clean` checks it then (static/js/force-logout.js
        # shows the field only then, and the page works without it).
        required=False,
        min_value=1,
        max_value=60,
        initial=default_warning_minutes,
        label="Minutes of warning",
        help_text="Required when warning first; not used when signing out now.",
    )
    acknowledge = forms.BooleanField(
        label=UNSAVED_WORK_ACKNOWLEDGEMENT,
        error_messages={"required": UNSAVED_WORK_NOT_ACKNOWLEDGED},
    )

    def clean(self) -> dict:
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("when") == WARN:
            if cleaned.get("delay_minutes") is None and "delay_minutes" not in self.errors:
                self.add_error("delay_minutes", "Say how many minutes of warning they get.")
        else:
            # Signing out now uses no minutes: whatever the field holds must not stop it.
            self.errors.pop("delay_minutes", None)
            cleaned["delay_minutes"] = None
        return cleaned

    @property
    def warn_first(self) -> bool:
        return self.cleaned_data["when"] == WARN

    @property
    def delay(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.cleaned_data["delay_minutes"])
