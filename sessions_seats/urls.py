from django.urls import path

from . import status, views

# The home page and the sign-in page (which adds the portal's refusal actions) live in `portal`.
urlpatterns = [
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/status/", status.session_status, name="session-status"),
    path("accounts/stay-signed-in/", status.stay_signed_in, name="stay-signed-in"),
    path("accounts/idle-sign-out/", status.idle_sign_out, name="idle-sign-out"),
]
