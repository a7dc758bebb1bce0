"""The project's URLs plus Django's own LoginView, unchanged: the baseline sign-in."""

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.urls import include, path

urlpatterns = [
    path(
        "bench/django-login/",
        LoginView.as_view(form_class=AuthenticationForm),
        name="bench_django_login",
    ),
    path("", include("foundry_licensing.urls")),
]
