"""Sign-in and log-out: Django's own views, with the license engine deciding who gets a seat.

The sign-in page knows nothing of the apps above the engine. When a sign-in is refused, apps that
can offer a next step (the portal: free a seat, request licenses, get an email) register a
provider with `add_refusal_extras`; the page includes what each returns. Apps that send people
here to sign in to something else (single sign-on) register `add_sign_in_context`: the page then
reads `sign_in_to`, the name of what is being signed in to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.http import signed_in_user
from accounts.models import User

from . import services
from .explanations import deactivation_notice, logged_out_message
from .forms import EmailAuthenticationForm


@dataclass(frozen=True)
class RefusalExtras:
    """What an app adds to the refusal page: templates included inside the refusal card (next
    steps) and after it (whole sections), and the context they need."""

    context: dict[str, object] = field(default_factory=dict)
    actions: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    # The actions name whom to ask instead of Foundry's contact (a member's own company admins):
    # one clear next step rather than two people to choose between.
    replaces_contact: bool = False


RefusalExtrasProvider = Callable[[HttpRequest, User, services.Refusal], RefusalExtras | None]

_refusal_extras: list[RefusalExtrasProvider] = []


def add_refusal_extras(provider: RefusalExtrasProvider) -> None:
    """Register a provider of refusal-page extras (call it from an AppConfig.ready())."""
    if provider not in _refusal_extras:
        _refusal_extras.append(provider)


# Extra context for the sign-in page, from the request alone (its `next`, say). The page reads
# `sign_in_to`: the name of the application being signed in to, instead of "Foundry".
SignInContextProvider = Callable[[HttpRequest], dict[str, object]]

_sign_in_context: list[SignInContextProvider] = []


def add_sign_in_context(provider: SignInContextProvider) -> None:
    """Register a provider of sign-in page context (call it from an AppConfig.ready())."""
    if provider not in _sign_in_context:
        _sign_in_context.append(provider)


if TYPE_CHECKING:
    _LoginViewBase = LoginView[EmailAuthenticationForm]
else:
    _LoginViewBase = LoginView


class SeatLoginView(_LoginViewBase):
    """Django's LoginView, signing in through the license engine (which may refuse)."""

    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        for provider in _sign_in_context:
            context.update(provider(self.request))
        return context

    def form_valid(self, form: EmailAuthenticationForm) -> HttpResponse:
        user = form.get_user()
        try:
            refusal = services.sign_in(self.request, user)
        except services.AccountDeactivated:
            # Deactivated after the password was checked: said as the form says it before.
            deactivated = User.objects.select_related("deactivated_by").get(pk=user.pk)
            form.add_error(None, ValidationError(deactivation_notice(deactivated), code="inactive"))
            return self.form_invalid(form)
        if refusal is not None:
            return self.refused(form, user, refusal)
        return redirect(self.get_success_url())

    def refused(
        self, form: EmailAuthenticationForm, user: User, refusal: services.Refusal
    ) -> HttpResponse:
        """The sign-in page again, saying why, with status 403."""
        retry = self.form_class(self.request, initial={"username": form.cleaned_data["username"]})
        context = self.get_context_data(
            form=retry, refusal=refusal, **self.refusal_context(user, refusal)
        )
        return self.render_to_response(context, status=403)

    def refusal_context(self, user: User, refusal: services.Refusal) -> dict[str, object]:
        """What registered apps add for a user whose password was right."""
        context: dict[str, object] = {}
        actions: list[str] = []
        sections: list[str] = []
        replaces_contact = False
        for provider in _refusal_extras:
            extras = provider(self.request, user, refusal)
            if extras is None:
                continue
            context.update(extras.context)
            actions.extend(extras.actions)
            sections.extend(extras.sections)
            replaces_contact = replaces_contact or extras.replaces_contact
        return {
            **context,
            "refusal_actions": actions,
            "refusal_sections": sections,
            "refusal_contact_replaced": replaces_contact,
        }


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        user = signed_in_user(request)
        services.sign_out(request)
        # Said after the sign-out: whether the license was freed depends on the other devices.
        messages.success(request, logged_out_message(user))
    return redirect("login")
