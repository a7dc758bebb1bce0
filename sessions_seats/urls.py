from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import status, views
from .forms import PublicAddressPasswordResetForm

# The sign-in pages. Django's auth views reverse these names without a namespace.
urlpatterns = [
    path("accounts/login/", views.SeatLoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/status/", status.session_status, name="session-status"),
    path("accounts/stay-signed-in/", status.stay_signed_in, name="stay-signed-in"),
    path("accounts/idle-sign-out/", status.idle_sign_out, name="idle-sign-out"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PublicAddressPasswordResetForm,
            success_url=reverse_lazy("password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
