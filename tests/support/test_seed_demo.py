import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Company, User
from sessions_seats.models import Entitlement
from sessions_seats.selectors import capacity_of
from support.management.commands.seed_demo import DEMO_PASSWORD

from ..conftest import sign_in

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "root@foundry.example",
    "support@foundry.example",
    "am@foundry.example",
    "admin@acme.example",
    *(f"user{n}@acme.example" for n in range(1, 6)),
}


def test_seed_demo_creates_the_documented_accounts(capsys):
    call_command("seed_demo")

    assert set(User.objects.values_list("email", flat=True)) == DEMO_EMAILS
    acme = Company.objects.get(slug="acme")
    assert acme.name == "Acme Foods"
    assert acme.account_manager.email == "am@foundry.example"
    assert acme.account_manager.full_name == "Avery Morgan"
    assert capacity_of(acme) == 3
    assert User.objects.get(email="admin@acme.example").role == "admin"
    assert User.objects.get(email="root@foundry.example").is_superuser
    assert not User.objects.filter(is_staff=True, company__isnull=False).exists()
    assert all(user.check_password(DEMO_PASSWORD) for user in User.objects.all())
    assert "Acme Foods has 3 seats" in capsys.readouterr().out


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")

    assert User.objects.count() == len(DEMO_EMAILS)
    assert Company.objects.count() == 1
    assert Entitlement.objects.count() == 1


def test_demo_members_fill_the_three_seats_and_the_fourth_is_refused():
    call_command("seed_demo")
    users = [User.objects.get(email=f"user{n}@acme.example") for n in range(1, 5)]

    statuses = [sign_in(Client(), user, password=DEMO_PASSWORD).status_code for user in users]

    assert statuses == [302, 302, 302, 403]
