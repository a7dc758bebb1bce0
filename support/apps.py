from django.apps import AppConfig
from django.urls import reverse


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = "Support console"

    def ready(self) -> None:
        # Pages of the staff console that emails from the apps below link to.
        from common.links import register_pages

        register_pages(
            {
                "staff:console": lambda: reverse("admin:index"),
                "staff:company_usage": lambda company_id: reverse(
                    "admin:accounts_company_usage", args=[company_id]
                ),
                "staff:license_request": lambda request_id: reverse(
                    "admin:license_requests_licenserequest_change", args=[request_id]
                ),
                "staff:license_requests": lambda: reverse(
                    "admin:license_requests_licenserequest_changelist"
                ),
            }
        )
