"""Demo data for a first look: one customer with a 3-user license, its people, and Foundry staff.

Idempotent: running it again changes nothing that is already there (passwords included).
Every demo password is DEMO_PASSWORD; see the README's demo accounts.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Company, CompanyEmailDomain, User
from accounts.tenancy import ACCOUNT_MANAGERS_GROUP, SUPPORT_GROUP
from sessions_seats.models import Entitlement, LicensePackage
from sessions_seats.selectors import capacity_of
from sessions_seats.services import assign_entitlement

DEMO_PASSWORD = "foundry-demo"

STAFF = [
    # email, full name, superuser, staff role (a group made by a migration)
    ("root@foundry.example", "Root Operator", True, None),
    ("support@foundry.example", "Sam Support", False, SUPPORT_GROUP),
    ("am@foundry.example", "Avery Morgan", False, ACCOUNT_MANAGERS_GROUP),
]
ACME_DOMAIN = "acme.example"
ACME_PEOPLE = [("admin@acme.example", "Alex Admin", User.Role.ADMIN)] + [
    (f"user{n}@acme.example", f"Acme User {n}", User.Role.MEMBER) for n in range(1, 6)
]


class Command(BaseCommand):
    help = "Load the demo company, users and staff accounts (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
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

    def _report(self, kind: str, obj: object, created: bool) -> None:
        self.stdout.write(f"  {'+' if created else '='} {kind}: {obj}")
