from django.apps import AppConfig


class SingleSignOnConfig(AppConfig):
    name = "single_sign_on"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        from sessions_seats.models import SeatSession
        from sessions_seats.signals import seat_sessions_ended
        from sessions_seats.views import add_sign_in_context

        from . import checks  # noqa: F401  (registers the system checks)
        from .backchannel import on_seat_sessions_ended
        from .sign_in_page import app_named_on_sign_in

        add_sign_in_context(app_named_on_sign_in)
        # Every seat session's end, whatever its reason, ends its app sessions and tells the
        # applications (back-channel logout).
        seat_sessions_ended.connect(
            on_seat_sessions_ended, sender=SeatSession, dispatch_uid="single_sign_on.backchannel"
        )
