from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.SeatLoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
]
