from django.urls import path

from . import status, views

# The home page and the sign-in page (which adds the portal's refusal actions) live in `portal`.
urlpatterns = [
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/status/", status.session_status, name="session-status"),
]
