from django.apps import AppConfig
from django.urls import reverse


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Customer portal"

    def ready(self) -> None:
        # The engine and the apps below know nothing of the portal: the portal tells them what it
        # adds to the refusal page and which of its pages emails may link to.
        from common.links import register_pages
        from sessions_seats.views import add_refusal_extras

        from .refusal import refusal_extras

        add_refusal_extras(refusal_extras)
        register_pages(
            {
                "portal:usage": lambda: reverse("portal:usage"),
                "portal:license_request": lambda: reverse("portal:license_request"),
                "portal:license_requests": lambda: reverse("portal:license_requests"),
                # The engine's log-out message links here when other devices keep the license.
                "portal:my_sessions": lambda: reverse("portal:my_sessions"),
            }
        )
