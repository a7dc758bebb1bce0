from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Foundry licensing — staff console"
admin.site.site_title = "Foundry licensing"
admin.site.index_title = "Licenses, seats and people"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("sessions_seats.urls")),
    path("", include("portal.urls")),
]
