"""Bad input gets a clear error from validation, and the database refuses it as well."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Company, User
from sessions_seats.models import Entitlement, LicensePackage, Seat

from ..factories import (
    CompanyFactory,
    EntitlementFactory,
    PackageFactory,
    SeatFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def assert_rejected(instance, field: str, message: str) -> None:
    """full_clean names the problem, and saving past validation fails in the database."""
    with pytest.raises(ValidationError) as error:
        instance.full_clean()
    assert message in str(error.value.message_dict.get(field, error.value.messages))
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


def test_catalogue_has_the_four_packages():
    assert list(LicensePackage.objects.values_list("name", "seats")) == [
        ("Single user", 1),
        ("3 users", 3),
        ("10 users", 10),
        ("25 users", 25),
    ]


def test_package_must_have_at_least_one_seat():
    assert_rejected(LicensePackage(name="Empty", seats=0), "__all__", "at least one seat")


def test_entitlement_quantity_must_be_at_least_one():
    entitlement = EntitlementFactory.build(
        company=CompanyFactory(), package=PackageFactory(), quantity=0
    )
    assert_rejected(entitlement, "__all__", "at least 1")


def test_entitlement_cannot_end_before_it_starts():
    today = timezone.localdate()
    entitlement = EntitlementFactory.build(
        company=CompanyFactory(),
        package=PackageFactory(),
        starts_on=today,
        ends_on=today - datetime.timedelta(days=1),
    )
    assert_rejected(entitlement, "ends_on", "cannot be before the start date")
    assert not Entitlement.objects.exists()


@pytest.mark.parametrize("minutes", [0, 4, 1441])
def test_company_idle_timeout_must_be_between_5_and_1440_minutes(minutes):
    company = Company(name="Bad", slug="bad", idle_timeout=minutes)
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert "idle_timeout" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        company.save()


@pytest.mark.parametrize("minutes", [5, 1440, None])
def test_company_idle_timeout_accepts_the_range_and_empty(minutes):
    company = Company(name="Good", slug="good", idle_timeout=minutes)
    company.full_clean()
    company.save()

    assert Company.objects.get(slug="good").idle_timeout == minutes


def test_email_is_unique_whatever_its_case():
    UserFactory(email="Jane.Doe@Acme.example")
    duplicate = User(email="JANE.DOE@acme.EXAMPLE", full_name="Jane again")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "already exists" in str(error.value.message_dict["email"])
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_staff_cannot_belong_to_a_company():
    staff = StaffFactory.build(company=CompanyFactory())
    assert_rejected(staff, "__all__", "belong to no company")


def test_account_manager_must_be_staff():
    company = CompanyFactory.build(account_manager=UserFactory())
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert "staff user" in str(error.value.message_dict["account_manager"])


def test_a_user_holds_at_most_one_open_seat():
    seat = SeatFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Seat.objects.create(user=seat.user, company=seat.company)


def test_released_seats_are_history_and_do_not_block_a_new_one():
    seat = SeatFactory(released_at=timezone.now(), release_reason="logout")
    Seat.objects.create(user=seat.user, company=seat.company)

    assert Seat.objects.filter(user=seat.user).count() == 2
