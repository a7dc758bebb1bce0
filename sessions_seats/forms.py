"""The sign-in page's forms: email sign-in, and "Forgot your password?"."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from common.links import public_site


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form (fields `username` and `password`), asking for the email address."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Please enter a correct email and password. "
        "Note that the password is case-sensitive.",
    }


class PublicAddressPasswordResetForm(PasswordResetForm):
    """Django's "Forgot your password?" form, with the link in its email on PORTAL_BASE_URL
    rather than on the Host header of the request (see `common.links.public_site`)."""

    def save(self, *args, **kwargs) -> None:
        domain, use_https = public_site()
        super().save(*args, **{**kwargs, "domain_override": domain, "use_https": use_https})
