from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.models import User

from . import services
from .forms import EmailAuthenticationForm


class SeatLoginView(LoginView):
    """Django's LoginView, signing in through the license engine (which may refuse)."""

    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: EmailAuthenticationForm) -> HttpResponse:
        user = form.get_user()
        refusal = services.sign_in(self.request, user)
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
        """More for the refusal page about a user whose password was right. The portal, which
        depends on this app and not the other way round, adds what they can do next."""
        return {}


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.sign_out(request)
        messages.success(request, "You have signed out and freed your license.")
    return redirect("login")
