from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, reverse_lazy

admin.site.site_header = "Foundry licensing — staff console"
admin.site.site_title = "Foundry licensing"
admin.site.index_title = "Licenses, seats and people"

_staff_logout = LogoutView.as_view(next_page=reverse_lazy("admin:login"))


def admin_logout(request: HttpRequest) -> HttpResponse:
    """The staff console's "Log out": staff land on the console's sign-in page, not on the
    customers' one that LOGOUT_REDIRECT_URL names. Anyone else gets the admin site's own answer."""
    if admin.site.has_permission(request):
        return _staff_logout(request)
    return admin.site.admin_view(admin.site.logout)(request)


urlpatterns = [
    # Before the admin site's URLs, so its "Log out" (the URL name admin:logout) comes here.
    path("admin/logout/", admin_logout),
    path("admin/", admin.site.urls),
    path("", include("sessions_seats.urls")),
    path("", include("portal.urls")),
]
if settings.SINGLE_SIGN_ON_ENABLED:
    # The OpenID Connect provider; without a signing key it is off (single_sign_on.checks).
    urlpatterns.append(path("o/", include("single_sign_on.urls")))
