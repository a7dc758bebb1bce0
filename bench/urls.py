"""The project's URLs plus two of Django's and django-oauth-toolkit's own views, unchanged: the
baseline sign-in (LoginView) and the baseline authorization (DOT's AuthorizationView with DOT's
own validator, so neither the seat view nor the seat-bound validator takes part)."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.urls import include, path
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import AuthorizationView


class PlainAuthorizationView(AuthorizationView):
    # A subclass, not as_view(validator_class=...): DOT reads the validator and caches its
    # server on the class, and a cache on AuthorizationView itself would be inherited by the
    # product's SeatAuthorizationView.
    validator_class = OAuth2Validator


urlpatterns = [
    path(
        "bench/django-login/",
        LoginView.as_view(form_class=AuthenticationForm),
        name="bench_django_login",
    ),
    path(
        "bench/dot-authorize/",
        PlainAuthorizationView.as_view(),
        name="bench_dot_authorize",
    ),
    path("", include("foundry_licensing.urls")),
]

if not settings.SINGLE_SIGN_ON_ENABLED:
    # The project mounts the provider only when a signing key is configured; the OIDC figures
    # bring a throwaway key of their own (bench/oidc.py) and need its URLs all the same.
    urlpatterns.append(path("o/", include("single_sign_on.urls")))
