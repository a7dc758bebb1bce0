"""The sign-in page's forms: email sign-in, and "Forgot your password?"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.backends import AllowAllUsersModelBackend
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError

from accounts.models import User
from common.links import public_site

from . import email_limits
from .explanations import deactivation_notice


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

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError as error:
            if error.code != "invalid_login":
                raise
            deactivated = self._deactivated_with_right_password()
            if deactivated is None:
                raise
            raise ValidationError(deactivation_notice(deactivated), code="inactive") from None

    def _deactivated_with_right_password(self) -> User | None:
        """The deactivated account of this email, if the password given is its password.

        Django's backend refuses inactive accounts before anyone could tell them apart from a
        wrong password, so a deactivated person would only hear "enter a correct password".
        Checking the password again, for inactive accounts too, lets the page say why, and only
        to whoever knows the password: anyone else still gets the generic message. It is only a
        check: the sign-in stays refused, the failure stays counted by the lockout, and a locked
        out pair learns nothing.
        """
        if getattr(self.request, "axes_locked_out", False):
            return None
        user = AllowAllUsersModelBackend().authenticate(
            self.request,
            username=self.cleaned_data.get("username"),
            password=self.cleaned_data.get("password"),
        )
        return user if isinstance(user, User) and not user.is_active else None


class PublicAddressPasswordResetForm(PasswordResetForm):
    """Django's "Forgot your password?" form, with the link in its email on PORTAL_BASE_URL
    rather than on the Host header of the request (see `common.links.public_site`), and no more
    emails than `email_limits` allows per address and per client address.

    Over a limit nothing is sent, and the page says what it always says ("if an account exists,
    we sent a link"): whether an email went out, or an account exists, is never shown. Every
    request counts, for an address with an account or without, so the counting itself tells
    nothing either.
    """

    def save(self, *args, **kwargs) -> None:
        # Imported here: lockout builds its page from this module's sign-in form.
        from .lockout import client_ip

        request = kwargs.get("request")
        ip = client_ip(request) if request is not None else None
        if not email_limits.take_password_email(self.cleaned_data["email"], ip):
            return
        domain, use_https = public_site()
        super().save(*args, **{**kwargs, "domain_override": domain, "use_https": use_https})
