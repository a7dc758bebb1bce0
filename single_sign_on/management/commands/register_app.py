"""Register an application that signs people in through the portal (OpenID Connect).

Prints the issuer, the client id and, for a confidential application, the client secret: shown
this once, stored only hashed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from single_sign_on.services import issuer, register_application


class Command(BaseCommand):
    help = "Register an application for single sign-on and print its client id and secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The application's name, shown on the sign-in page.")
        parser.add_argument(
            "--redirect-uri",
            action="append",
            required=True,
            dest="redirect_uris",
            help="Exact redirect URI after sign-in (repeat for several).",
        )
        parser.add_argument(
            "--post-logout-redirect-uri",
            action="append",
            default=[],
            dest="post_logout_redirect_uris",
            help="Where the application may send people after logging out (repeatable).",
        )
        parser.add_argument(
            "--backchannel-logout-uri",
            default="",
            help="Where the portal POSTs a logout token when a sign-in ends (back-channel logout).",
        )
        parser.add_argument(
            "--public",
            action="store_true",
            help="A public client (single-page or native app): no secret, PKCE required.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            registered = register_application(
                options["name"],
                options["redirect_uris"],
                post_logout_redirect_uris=options["post_logout_redirect_uris"],
                backchannel_logout_uri=options["backchannel_logout_uri"],
                public=options["public"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"issuer: {issuer()}")
        self.stdout.write(f"client_id: {registered.application.client_id}")
        if registered.client_secret is not None:
            self.stdout.write(f"client_secret: {registered.client_secret}")
            self.stderr.write("The secret is shown only now: it is stored hashed.")
