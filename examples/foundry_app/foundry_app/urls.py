from django.urls import include, path

from . import backchannel, views

urlpatterns = [
    path("", views.home, name="home"),
    path("workspace/", views.work, name="work"),
    path("signed-out/", views.signed_out, name="signed_out"),
    path("session-status/", views.session_status, name="session_status"),
    path("backchannel-logout/", backchannel.backchannel_logout, name="backchannel_logout"),
    path("oidc/", include("mozilla_django_oidc.urls")),
]
