from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseRedirect,
    HttpResponseServerError,
)
from django.templatetags.static import static
from django.urls import include, path, reverse_lazy
from django.views import defaults
from django.views.decorators.http import require_safe

from sessions_seats.middleware import not_activity

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


@require_safe
@not_activity
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico by themselves (for pages that name no icon, such as a JSON
    answer): point them at the icon the pages link to. Not permanent: the static file's name
    changes with its content."""
    response = HttpResponseRedirect(static("favicon.svg"))
    response["Cache-Control"] = "max-age=86400"
    return response


# --- Error pages: the portal's own (templates/403.html, 404.html, 500.html), except in the staff
# console, which keeps Django's plain answers rather than pages in the customers' look.


STAFF_CONSOLE = "admin/"


def _in_staff_console(request: HttpRequest) -> bool:
    # A prefix, not reverse(): the 500 page must not depend on the URLconf that may have failed.
    return request.path.startswith("/" + STAFF_CONSOLE)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _in_staff_console(request):
        return HttpResponseForbidden(
            defaults.ERROR_PAGE_TEMPLATE % {"title": "403 Forbidden", "details": ""}
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _in_staff_console(request):
        return HttpResponseNotFound(
            defaults.ERROR_PAGE_TEMPLATE
            % {
                "title": "Not Found",
                "details": "The requested resource was not found on this server.",
            }
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _in_staff_console(request):
        return HttpResponseServerError("<h1>Server Error (500)</h1>", content_type="text/html")
    return defaults.server_error(request)


handler403 = permission_denied
handler404 = page_not_found
handler500 = server_error

urlpatterns = [
    path("favicon.ico", favicon),
    # Before the admin site's URLs, so its "Log out" (the URL name admin:logout) comes here.
    path(f"{STAFF_CONSOLE}logout/", admin_logout),
    path(STAFF_CONSOLE, admin.site.urls),
    path("", include("sessions_seats.urls")),
    path("", include("portal.urls")),
]
if settings.SINGLE_SIGN_ON_ENABLED:
    # The OpenID Connect provider; without a signing key it is off (single_sign_on.checks).
    urlpatterns.append(path("o/", include("single_sign_on.urls")))
