"""Demo data for a first look: one customer with a 3-user license, its people, and Foundry staff.

Idempotent: running it again changes nothing that is already there (passwords included).
Every demo password is DEMO_PASSWORD; see the README's demo accounts.

With `--example-app URL` it also registers the example application (examples/foundry_app) at
that address for single sign-on, and writes the settings it needs (issuer, client id and a fresh
client secret) to `--example-app-env` (default var/example-app.env): the secret is stored only
hashed here, so each run issues a new one and the file always holds the one that works.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from oauth2_provider.models import Application

from accounts.models import Company, CompanyEmailDomain, User
from accounts.tenancy import ACCOUNT_MANAGERS_GROUP, SUPPORT_GROUP
from sessions_seats.models import Entitlement, LicensePackage
from sessions_seats.selectors import capacity_of
from sessions_seats.services import assign_entitlement
from single_sign_on.services import issuer, register_application, renew_registration

DEMO_PASSWORD = "foundry-demo"

STAFF = [
    # email, full name, superuser, staff role (a group made by a migration)
    ("root@foundry.example", "Root Operator", True, None),
    ("support@foundry.example", "Sam Support", False, SUPPORT_GROUP),
    ("am@foundry.example", "Avery Morgan", False, ACCOUNT_MANAGERS_GROUP),
]
# The example application stands in for the licensed product, so it carries the product's name.
EXAMPLE_APP_NAME = "Foundry"
ACME_DOMAIN = "acme.example"
ACME_PEOPLE = [("admin@acme.example", "Alex Admin", User.Role.ADMIN)] + [
    (f"user{n}@acme.example", f"Acme User {n}", User.Role.MEMBER) for n in range(1, 6)
]


class Command(BaseCommand):
    help = "Load the demo company, users and staff accounts (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--example-app",
            metavar="URL",
            help="Also register the example application running at this address, e.g. "
            "http://127.0.0.1:8001 (`make run` does).",
        )
        parser.add_argument(
            "--example-app-env",
            metavar="FILE",
            default=None,
            help="Where to write the example application's settings (default var/example-app.env).",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        staff = {}
        for email, name, is_superuser, group in STAFF:
            staff[email] = self._person(email, name, is_superuser=is_superuser)
            if group:
                staff[email].groups.add(Group.objects.get(name=group))

        acme, created = Company.objects.get_or_create(
            slug="acme",
            defaults={"name": "Acme Foods", "account_manager": staff["am@foundry.example"]},
        )
        self._report("company", acme, created)
        # Where Acme's admin may add people (Users and Roles → Add user).
        domain, created = CompanyEmailDomain.objects.get_or_create(
            domain=ACME_DOMAIN, defaults={"company": acme}
        )
        self._report("email domain", domain, created)
        for email, name, role in ACME_PEOPLE:
            self._person(email, name, company=acme, role=role)

        if capacity_of(acme) == 0:
            assign_entitlement(
                Entitlement(company=acme, package=LicensePackage.objects.get(seats=3), quantity=1),
                assigned_by=staff["am@foundry.example"],
            )
            self.stdout.write("  + entitlement: 3 users for Acme Foods")
        if options["example_app"]:
            env_file = Path(options["example_app_env"] or settings.VAR_DIR / "example-app.env")
            self._register_example_app(options["example_app"].rstrip("/"), env_file)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: Acme Foods has {capacity_of(acme)} seats. "
                f"Every demo password is '{DEMO_PASSWORD}'."
            )
        )

    def _person(
        self,
        email: str,
        full_name: str,
        *,
        company: Company | None = None,
        role: str = User.Role.MEMBER,
        is_superuser: bool = False,
    ) -> User:
        user = User.objects.filter(email=email).first()
        created = user is None
        if user is None:
            user = User(
                email=email,
                full_name=full_name,
                company=company,
                role=role,
                is_staff=company is None,
                is_superuser=is_superuser,
            )
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
        self._report("user", user, created)
        return user

    def _register_example_app(self, base_url: str, env_file: Path) -> None:
        redirect_uris = [f"{base_url}/oidc/callback/"]
        post_logout_uris = [f"{base_url}/"]
        backchannel_uri = f"{base_url}/backchannel-logout/"
        existing = Application.objects.filter(name=EXAMPLE_APP_NAME).order_by("pk").first()
        try:
            if existing is not None:
                registered = renew_registration(
                    existing,
                    redirect_uris,
                    post_logout_redirect_uris=post_logout_uris,
                    backchannel_logout_uri=backchannel_uri,
                )
            else:
                registered = register_application(
                    EXAMPLE_APP_NAME,
                    redirect_uris,
                    post_logout_redirect_uris=post_logout_uris,
                    backchannel_logout_uri=backchannel_uri,
                )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self._report("application", registered.application, existing is None)
        env_file.parent.mkdir(parents=True, exist_ok=True)
        # The secret is a credential: readable by this account only, from its first byte.
        descriptor = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(
                f"FOUNDRY_APP_ISSUER={issuer()}\n"
                f"FOUNDRY_APP_CLIENT_ID={registered.application.client_id}\n"
                f"FOUNDRY_APP_CLIENT_SECRET={registered.client_secret}\n"
            )
        os.chmod(env_file, 0o600)
        self.stdout.write(f"  example application at {base_url}: settings in {env_file}")

    def _report(self, kind: str, obj: object, created: bool) -> None:
        self.stdout.write(f"  {'+' if created else '='} {kind}: {obj}")
