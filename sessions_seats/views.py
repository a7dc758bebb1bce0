from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import EmailAuthenticationForm


class SeatLoginView(LoginView):
    """Django's LoginView, signing in through the license engine (which may refuse)."""

    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: EmailAuthenticationForm) -> HttpResponse:
        refusal = services.sign_in(self.request, form.get_user())
        if refusal is not None:
            retry = self.form_class(
                self.request, initial={"username": form.cleaned_data["username"]}
            )
            context = self.get_context_data(form=retry, refusal=refusal)
            return self.render_to_response(context, status=403)
        return redirect(self.get_success_url())


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.sign_out(request)
        messages.success(request, "You have signed out and freed your license.")
    return redirect("login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {"user": user}
    if user.takes_seat:
        company = user.company
        context.update(
            company=company,
            capacity=selectors.capacity_of(company),
            in_use=selectors.seats_in_use(company),
            devices=selectors.open_sessions_of(user),
            contact=selectors.contact_for(company),
            current_session_key=request.session.session_key,
        )
    return render(request, "sessions_seats/home.html", context)
