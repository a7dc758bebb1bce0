from django.apps import AppConfig


class SessionsSeatsConfig(AppConfig):
    name = "sessions_seats"
    verbose_name = "Licenses and seats"
