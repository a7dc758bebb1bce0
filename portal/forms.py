from __future__ import annotations

from django import forms

from accounts.models import User, normalize_email
from sessions_seats.forced_logout import UNSAVED_WORK_ACKNOWLEDGEMENT, UNSAVED_WORK_NOT_ACKNOWLEDGED

from .selectors import UserFilter


class ProofForm(forms.Form):
    """The refusal page's signed token; checked by the service, not here."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=1000)


class PickHolderForm(ProofForm):
    seat = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SignOutForm(forms.Form):
    """Why someone is signed out, and that their unsaved work may be lost: asked before a company
    admin signs anyone out (docs/DESIGN.md rule 8), from the refusal page or Users and Roles."""

    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the audit log, with your name.",
        error_messages={"required": "Say why you are signing this user out."},
    )
    acknowledge = forms.BooleanField(
        label=UNSAVED_WORK_ACKNOWLEDGEMENT,
        error_messages={"required": UNSAVED_WORK_NOT_ACKNOWLEDGED},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why you are signing this user out.")
        return reason


class FreeSeatForm(PickHolderForm, SignOutForm):
    pass


class UserSearchForm(forms.Form):
    q = forms.CharField(label="Search by name or email", required=False, max_length=100)
    show = forms.ChoiceField(
        label="Show", required=False, choices=[("", "Everyone"), *UserFilter.choices]
    )


class AddUserForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=150)
    role = forms.ChoiceField(label="Role", choices=User.Role.choices, initial=User.Role.MEMBER)

    def clean_email(self) -> str:
        # Whether the address may be added (in the company's email domains, and free) is the
        # service's to say, with one answer for every address outside the company
        # (services.email_taken_message): a check here would answer differently.
        return normalize_email(self.cleaned_data["email"])

    def clean_full_name(self) -> str:
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError("Enter the person's name.")
        return name


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=User.Role.choices)
