from django.apps import AppConfig


class FoundryAppConfig(AppConfig):
    name = "foundry_app"
    verbose_name = "Foundry (example application)"

    def ready(self) -> None:
        from . import auth

        auth.connect_signals()
