from django.apps import AppConfig


class SingleSignOnConfig(AppConfig):
    name = "single_sign_on"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        from sessions_seats.views import add_sign_in_context

        from . import checks  # noqa: F401  (registers the system checks)
        from .sign_in_page import app_named_on_sign_in

        add_sign_in_context(app_named_on_sign_in)
