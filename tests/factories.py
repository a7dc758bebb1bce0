"""factory-boy factories for every model the tests build."""

from __future__ import annotations

import datetime
from importlib import import_module

import factory
from django.conf import settings
from django.utils import timezone

from accounts.models import Company, CompanyEmailDomain, User
from sessions_seats.models import Entitlement, LicensePackage, LoginDenial, Seat, SeatSession

PASSWORD = "correct horse battery staple"


def real_session_key() -> str:
    """A key of a session that exists in the configured session store."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.create()
    return store.session_key


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"staff{n}@foundry.example")
    full_name = factory.Faker("name")
    is_staff = True
    password = factory.django.Password(PASSWORD)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    account_manager = factory.SubFactory(StaffFactory, full_name="Avery Morgan")


class CompanyEmailDomainFactory(factory.django.DjangoModelFactory):
    """A domain where the company's admins may add people."""

    class Meta:
        model = CompanyEmailDomain

    company = factory.SubFactory(CompanyFactory)
    domain = factory.Sequence(lambda n: f"customer{n}.example")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@customer.example")
    full_name = factory.Faker("name")
    company = factory.SubFactory(CompanyFactory)
    role = User.Role.MEMBER
    password = factory.django.Password(PASSWORD)


class PackageFactory(factory.django.DjangoModelFactory):
    """The catalogue rows (a data migration makes them; transactional tests flush them)."""

    class Meta:
        model = LicensePackage
        django_get_or_create = ("name",)

    seats = 3
    name = factory.LazyAttribute(lambda p: "Single user" if p.seats == 1 else f"{p.seats} users")


class EntitlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entitlement

    company = factory.SubFactory(CompanyFactory)
    package = factory.SubFactory(PackageFactory)
    quantity = 1
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    ends_on = None


class SeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seat

    user = factory.SubFactory(UserFactory)
    company = factory.LazyAttribute(lambda seat: seat.user.company)


class SeatSessionFactory(factory.django.DjangoModelFactory):
    """An open seat session bound to a real Django session."""

    class Meta:
        model = SeatSession

    seat = factory.SubFactory(SeatFactory)
    session_key = factory.LazyFunction(real_session_key)
    started_at = factory.LazyFunction(timezone.now)
    last_activity = factory.LazyAttribute(lambda s: s.started_at)
    ip = "127.0.0.1"
    user_agent = "pytest"


class LoginDenialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoginDenial

    user = factory.SubFactory(UserFactory)
    company = factory.LazyAttribute(lambda denial: denial.user.company)
    capacity = 3
    seats_in_use = 3


def seated(user: User, devices: int = 1, idle: datetime.timedelta | None = None) -> Seat:
    """An open seat of `user` signed in on `devices` devices, last active `idle` ago."""
    seat = SeatFactory(user=user)
    last = timezone.now() - (idle or datetime.timedelta(0))
    for _ in range(devices):
        SeatSessionFactory(seat=seat, started_at=last, last_activity=last)
    return seat


class CompanyAdminFactory(UserFactory):
    """A company user with the company admin role."""

    role = User.Role.ADMIN


class SeatWishFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "portal.SeatWish"

    user = factory.SubFactory(UserFactory)
    company = factory.LazyAttribute(lambda wish: wish.user.company)


# --- Usage history, license requests (usage pages, ledger, upgrade requests, digest) ------------


def past_seat(
    user: User,
    *,
    claimed_at: datetime.datetime,
    hours: float = 1,
    reason: str = "logout",
    idle_minutes: int = 0,
) -> Seat:
    """A released seat of `user`, held `hours` from `claimed_at` on one device, last active
    `idle_minutes` before the release."""
    released = claimed_at + datetime.timedelta(hours=hours)
    seat = SeatFactory(
        user=user, claimed_at=claimed_at, released_at=released, release_reason=reason
    )
    SeatSessionFactory(
        seat=seat,
        started_at=claimed_at,
        last_activity=released - datetime.timedelta(minutes=idle_minutes),
        ended_at=released,
        end_reason=reason,
    )
    return seat


class LicenseRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "license_requests.LicenseRequest"
        skip_postgeneration_save = True

    requested_by = factory.SubFactory(CompanyAdminFactory)
    company = factory.LazyAttribute(lambda r: r.requested_by.company)
    package = factory.SubFactory(PackageFactory, seats=10)
    quantity = 1
    note = "We keep hitting the limit."

    @factory.post_generation
    def requesters(self, create: bool, extracted, **kwargs) -> None:
        if create:
            self.requesters.add(*(extracted or [self.requested_by]))
