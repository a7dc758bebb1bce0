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


def test_seed_demo_registers_the_example_app_and_writes_a_working_secret(tmp_path, settings):
    from django.contrib.auth.hashers import check_password
    from oauth2_provider.models import Application

    settings.DEBUG = True  # plain http to 127.0.0.1 is a development address
    env_file = tmp_path / "example-app.env"

    def written() -> dict[str, str]:
        return dict(line.split("=", 1) for line in env_file.read_text().splitlines())

    call_command("seed_demo", example_app="http://127.0.0.1:8001/", example_app_env=str(env_file))
    first = written()
    call_command("seed_demo", example_app="http://127.0.0.1:8101", example_app_env=str(env_file))
    second = written()

    app = Application.objects.get(name="Foundry")
    assert app.redirect_uris == "http://127.0.0.1:8101/oidc/callback/"
    assert app.post_logout_redirect_uris == "http://127.0.0.1:8101/"
    assert app.sso_settings.backchannel_logout_uri == "http://127.0.0.1:8101/backchannel-logout/"
    assert second["FOUNDRY_APP_CLIENT_ID"] == first["FOUNDRY_APP_CLIENT_ID"] == app.client_id
    assert second["FOUNDRY_APP_ISSUER"] == settings.PORTAL_BASE_URL.rstrip("/") + "/o"
    # Stored hashed: each run issues a new secret, and only the latest one works.
    assert check_password(second["FOUNDRY_APP_CLIENT_SECRET"], app.client_secret)
    assert not check_password(first["FOUNDRY_APP_CLIENT_SECRET"], app.client_secret)
    assert env_file.stat().st_mode & 0o777 == 0o600


def test_seed_demo_refuses_an_insecure_example_app_address(tmp_path, settings):
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="https://"):
        call_command(
            "seed_demo", example_app="http://app.example", example_app_env=str(tmp_path / "env")
        )
    assert not (tmp_path / "env").exists()
