"""Licenses: "Do I have enough licenses?" (the usage report, the seat ledger with its CSV, the
weekly digest opt-in), asking for more licenses and seeing what became of it.

Company admins only, for their own company: the company is always the signed-in admin's, never
taken from the URL, so there is no other company's id to try.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from license_requests import selectors as request_selectors
from license_requests import services as request_services
from license_requests.permissions import may_ask
from sessions_seats.models import LicensePackage
from usage import digest, pages, report_json
from usage.forms import LedgerFilterForm, PeriodForm

from .. import license_requests as portal_requests
from .. import proofs
from ..selectors import admins_to_ask
from .access import company_admin_required


class LicenseRequestForm(forms.Form):
    package = forms.ModelChoiceField(
        label="Package",
        queryset=LicensePackage.objects.all(),
        empty_label=None,
        help_text="Packages of concurrent users: that many people can be signed in at once.",
    )
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=request_services.MAX_QUANTITY,
        error_messages={"required": "How many of that package?"},
    )
    note = forms.CharField(
        label="Note for your account manager",
        required=False,
        max_length=request_services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: when you need them, for which team, anything that helps.",
    )


class RefusalLicenseRequestForm(LicenseRequestForm):
    token = forms.CharField(widget=forms.HiddenInput, max_length=1000)


# --- Usage report and ledger ---------------------------------------------------------------------


@require_GET
@company_admin_required
def usage(request: AuthenticatedHttpRequest) -> HttpResponse:
    company = request.user.own_company
    form = PeriodForm(
        request.GET, company=company, default=lambda: pages.default_usage_period(company)
    )
    context: dict = {
        "form": form,
        "company": company,
        "subscribed": digest.is_subscribed(request.user),
        "open_request": request_selectors.open_request_of(company),
    }
    if not form.is_valid():
        return render(request, "portal/usage.html", context, status=400)
    start, end = form.period
    context["page"] = pages.usage_page(company, start=start, end=end)
    context["json_url"] = reverse("portal:usage_json") + f"?start={start}&end={end}"
    return render(request, "portal/usage.html", context)


@require_GET
@company_admin_required
def usage_json(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The usage report's figures as JSON: the same period parameters and numbers as the page."""
    company = request.user.own_company
    form = PeriodForm(
        request.GET, company=company, default=lambda: pages.default_usage_period(company)
    )
    if not form.is_valid():
        return report_json.invalid_period_json_response(form)
    start, end = form.period
    return report_json.usage_json_response(company, start=start, end=end)


@require_GET
@company_admin_required
def ledger(request: AuthenticatedHttpRequest) -> HttpResponse:
    company = request.user.own_company
    form = LedgerFilterForm(request.GET, company=company)
    context: dict = {"form": form, "company": company}
    if not form.is_valid():
        return render(request, "portal/ledger.html", context, status=400)
    number = pages.page_number(request.GET.get("page"))
    context["page"] = pages.ledger_page(company, filters=form.filters, number=number)
    query = request.GET.copy()
    query.pop("page", None)
    context["csv_url"] = reverse("portal:ledger_csv") + (f"?{query.urlencode()}" if query else "")
    status = 404 if context["page"].beyond_reach else 200
    return render(request, "portal/ledger.html", context, status=status)


@require_GET
@company_admin_required
def ledger_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse | HttpResponse:
    company = request.user.own_company
    form = LedgerFilterForm(request.GET, company=company)
    if not form.is_valid():
        return pages.invalid_filters_response(form)
    return pages.ledger_csv_response(company, filters=form.filters)


@require_POST
@company_admin_required
def digest_subscription(request: AuthenticatedHttpRequest) -> HttpResponse:
    subscribed = request.POST.get("subscribe") == "on"
    digest.set_subscription(request.user, subscribed=subscribed)
    if subscribed:
        messages.success(
            request,
            f"We will email {request.user.email} on Mondays when people of "
            f"{request.user.own_company.name} were refused a sign-in the week before.",
        )
    else:
        messages.info(request, "You will not get the weekly digest any more.")
    return redirect("portal:usage")


# --- Asking for more licenses (signed in) --------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def license_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if not user.takes_seat:
        raise PermissionDenied("Staff do not buy licenses.")
    if not may_ask(user):
        # Members ask their admins: say who they are rather than a bare "forbidden".
        context: dict[str, object] = {"company_admins": admins_to_ask(user.own_company)}
        return render(request, "portal/license_request_member.html", context, status=403)
    open_request = request_selectors.open_request_of(user.own_company)
    if request.method == "POST":
        form = LicenseRequestForm(request.POST)
        sentence = ""
        if form.is_valid():
            try:
                asked = request_services.request_more_licenses(requester=user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                (messages.info if asked.merged else messages.success)(
                    request, portal_requests.status_message(asked)
                )
                return redirect("portal:license_requests")
    else:
        initial, sentence = portal_requests.prefill(user.own_company)
        form = LicenseRequestForm(initial=initial)
    context = {
        "form": form,
        "recommendation": sentence,
        "open_request": open_request,
        "company": user.company,
        "action": reverse("portal:license_request"),
    }
    return render(
        request, "portal/license_request.html", context, status=400 if form.errors else 200
    )


@require_GET
@company_admin_required
def license_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    company = request.user.own_company
    context = {"requests": request_selectors.requests_of(company)[:50], "company": company}
    return render(request, "portal/license_requests.html", context)


# --- Asking from the refusal page (not signed in: a proof of the password check) ----------------


def _back_to_sign_in(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("login")


@require_POST
def license_request_from_refusal(request: HttpRequest) -> HttpResponse:
    """Step 1: the refused admin clicked "Request more licenses"; show the prefilled form."""
    if request.user.is_authenticated:
        return redirect("portal:license_request")
    token = request.POST.get("token", "")
    try:
        proof = portal_requests.refused_admin_proof(token)
    except proofs.ProofRefused as refused:
        return _back_to_sign_in(request, str(refused))
    initial, sentence = portal_requests.prefill(proof.user.own_company)
    form = RefusalLicenseRequestForm(initial={**initial, "token": token})
    return _render_refusal_form(request, form, proof, sentence)


@require_POST
def license_request_from_refusal_send(request: HttpRequest) -> HttpResponse:
    """Step 2: send it; the proof is spent with the request."""
    if request.user.is_authenticated:
        return redirect("portal:license_request")
    form = RefusalLicenseRequestForm(request.POST)
    try:
        proof = portal_requests.refused_admin_proof(request.POST.get("token", ""))
        if not form.is_valid():
            return _render_refusal_form(request, form, proof, "", status=400)
        data = dict(form.cleaned_data)
        asked = portal_requests.request_from_refusal(**data)
    except proofs.ProofRefused as refused:
        return _back_to_sign_in(request, str(refused))
    except ValidationError as error:
        form.add_error(None, error)
        return _render_refusal_form(request, form, proof, "", status=400)
    messages.success(request, portal_requests.status_message(asked))
    return redirect("login")


def _render_refusal_form(
    request: HttpRequest, form: forms.Form, proof: proofs.Proof, sentence: str, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "recommendation": sentence,
        "open_request": request_selectors.open_request_of(proof.user.own_company_id),
        "company": proof.user.company,
        "action": reverse("portal:license_request_from_refusal_send"),
        "refused_user": proof.user,
    }
    return render(request, "portal/license_request.html", context, status=status)
