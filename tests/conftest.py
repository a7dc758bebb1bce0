"""Shared fixtures. Tests marked `postgres`, `redis` or `browser` skip without PostgreSQL, Redis
or Chromium, or fail when FOUNDRY_REQUIRE_SERVICES=1 (CI sets it on the run that provides them)."""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Company, User

from .factories import (
    PASSWORD,
    CompanyEmailDomainFactory,
    CompanyFactory,
    EntitlementFactory,
    PackageFactory,
    StaffFactory,
    UserFactory,
)

REQUIRE_SERVICES = os.environ.get("FOUNDRY_REQUIRE_SERVICES") == "1"


def _redis_reachable() -> bool:
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _missing_service(item: pytest.Item) -> str | None:
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if item.get_closest_marker("redis") and not _redis_reachable():
        return "needs Redis: set CELERY_BROKER_URL=redis://... to a running server"
    if item.get_closest_marker("browser") and not _chromium_found():
        return (
            f"needs Chromium: none at {CHROMIUM}; install it (apt-get install chromium) "
            "or set CHROMIUM_PATH"
        )
    return None


def _chromium_found() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def pytest_runtest_setup(item: pytest.Item) -> None:
    missing = _missing_service(item)
    if missing and REQUIRE_SERVICES:
        pytest.fail(f"{missing} (FOUNDRY_REQUIRE_SERVICES=1)")
    if missing:
        pytest.skip(missing)


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def company(db) -> Company:
    """A company with one valid 3-user entitlement; its admins add people at acme.example."""
    company = CompanyFactory(name="Acme Foods", slug="acme")
    EntitlementFactory(company=company, package=PackageFactory(seats=3))
    CompanyEmailDomainFactory(company=company, domain="acme.example")
    return company


@pytest.fixture
def members(company) -> list[User]:
    return [UserFactory(company=company, email=f"user{n}@acme.example") for n in range(1, 6)]


def sign_in(client: Client, user: User, password: str = PASSWORD, **extra):
    """POST the sign-in form as a browser would."""
    return client.post(reverse("login"), {"username": user.email, "password": password}, **extra)


def signed_in_client(user: User) -> Client:
    """A browser signed in as `user`: company users through the sign-in page (they take a seat
    as anyone would), staff directly."""
    client = Client()
    if user.takes_seat:
        assert sign_in(client, user).status_code == 302
    else:
        client.force_login(user)
    return client


# --- Staff console ---------------------------------------------------------------------------


def _in_group(user: User, name: str) -> User:
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def support_agent(db) -> User:
    """A member of the Support group (made by a data migration)."""
    return _in_group(
        StaffFactory(email="support@foundry.example", full_name="Sam Support"), "Support"
    )


@pytest.fixture
def account_manager(company) -> User:
    """The account manager of `company`, in the Account managers group."""
    return _in_group(company.account_manager, "Account managers")


@pytest.fixture
def other_company(db) -> Company:
    """A company of another account manager, with a valid 3-user entitlement; its admins add
    people at globex.example."""
    other = CompanyFactory(name="Globex", slug="globex")
    _in_group(other.account_manager, "Account managers")
    EntitlementFactory(company=other, package=PackageFactory(seats=3))
    CompanyEmailDomainFactory(company=other, domain="globex.example")
    return other


@pytest.fixture
def other_account_manager(other_company) -> User:
    return other_company.account_manager


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root@foundry.example", PASSWORD, full_name="Root")


# --- Browser tests (tests/browser): Playwright driving Debian's Chromium against live_server ----
# live_server + page: the Playwright event loop runs in the test thread, which also uses the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# The network is closed on CI machines: keep Chromium from trying to reach it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture
def company_admin(company) -> User:
    from .factories import CompanyAdminFactory

    return CompanyAdminFactory(company=company, email="admin@acme.example", full_name="Alex Admin")


@pytest.fixture
def admin_client(company_admin) -> Client:
    """The company admin, signed in through the sign-in page (holding one of the seats)."""
    return signed_in_client(company_admin)
