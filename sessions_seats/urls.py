from django.urls import path

from . import status, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.SeatLoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/status/", status.session_status, name="session-status"),
]
