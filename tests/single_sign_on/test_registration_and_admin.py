"""`register_app`, `oidc_dev_key`, and single sign-on in the staff console."""

from __future__ import annotations

import io
import stat

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.urls import reverse
from oauth2_provider.models import Application

from single_sign_on.models import AppSettings


def _register(*args: str) -> dict[str, str]:
    out = io.StringIO()
    call_command("register_app", *args, stdout=out, stderr=io.StringIO())
    return dict(line.split(": ", 1) for line in out.getvalue().splitlines())


@pytest.mark.django_db
def test_register_app_prints_issuer_client_id_and_a_secret_stored_only_hashed(settings):
    settings.PORTAL_BASE_URL = "https://licenses.foundry.example"

    printed = _register(
        "Acme Planner",
        "--redirect-uri",
        "https://planner.example/callback",
        "--redirect-uri",
        "https://planner.example/callback2",
        "--post-logout-redirect-uri",
        "https://planner.example/bye",
        "--backchannel-logout-uri",
        "https://planner.example/backchannel",
    )

    application = Application.objects.get(client_id=printed["client_id"])
    assert set(printed) == {"issuer", "client_id", "client_secret"}
    assert printed["issuer"] == "https://licenses.foundry.example/o"
    assert application.client_secret != printed["client_secret"]
    assert check_password(printed["client_secret"], application.client_secret)
    assert application.skip_authorization
    assert application.algorithm == Application.RS256_ALGORITHM
    assert application.redirect_uris.split() == [
        "https://planner.example/callback",
        "https://planner.example/callback2",
    ]
    assert application.sso_settings.backchannel_logout_uri == "https://planner.example/backchannel"


@pytest.mark.django_db
def test_a_public_app_gets_no_secret_and_the_consent_screen():
    printed = _register("Acme Mobile", "--public", "--redirect-uri", "https://m.example/cb")

    application = Application.objects.get(client_id=printed["client_id"])
    assert "client_secret" not in printed
    assert application.client_type == Application.CLIENT_PUBLIC
    assert not application.skip_authorization


@pytest.mark.django_db
def test_addresses_must_be_https_outside_development_loopback(settings):
    with pytest.raises(CommandError, match="https"):
        _register(
            "Planner",
            "--redirect-uri",
            "https://p.example/cb",
            "--backchannel-logout-uri",
            "http://p.example/backchannel",
        )

    settings.DEBUG = True
    _register(
        "Local",
        "--redirect-uri",
        "http://127.0.0.1:9000/cb",
        "--backchannel-logout-uri",
        "http://localhost:9000/backchannel",
    )
    with pytest.raises(CommandError, match="https"):
        _register("Remote", "--redirect-uri", "http://p.example/cb")
    assert Application.objects.count() == 1


def test_oidc_dev_key_writes_a_private_key_readable_by_its_owner_only_once(tmp_path, settings):
    settings.OIDC_DEV_KEY_FILE = tmp_path / "var" / "oidc-dev-key.pem"

    call_command("oidc_dev_key", stdout=io.StringIO())
    first = settings.OIDC_DEV_KEY_FILE.read_bytes()
    call_command("oidc_dev_key", stdout=io.StringIO())

    assert first.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(settings.OIDC_DEV_KEY_FILE.stat().st_mode) == 0o600
    assert settings.OIDC_DEV_KEY_FILE.read_bytes() == first


@pytest.fixture
def registered(db) -> Application:
    call_command(
        "register_app",
        "Acme Planner",
        "--redirect-uri",
        "https://planner.example/cb",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return Application.objects.get()


def test_support_reads_applications_but_cannot_change_them(client, support_agent, registered):
    client.force_login(support_agent)
    change_url = reverse("admin:oauth2_provider_application_change", args=[registered.pk])

    assert client.get(reverse("admin:oauth2_provider_application_changelist")).status_code == 200
    page = client.get(change_url)
    posted = client.post(change_url, {"name": "Renamed"})
    deleted = client.post(
        reverse("admin:oauth2_provider_application_delete", args=[registered.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert "Acme Planner" in page.content.decode()
    assert posted.status_code == 403
    assert deleted.status_code == 403
    registered.refresh_from_db()
    assert registered.name == "Acme Planner"
    assert client.get(reverse("admin:single_sign_on_appsession_changelist")).status_code == 200


def test_superusers_manage_applications(client, superuser, registered):
    client.force_login(superuser)
    change_url = reverse("admin:oauth2_provider_application_change", args=[registered.pk])
    data = {
        "name": "Acme Planner 2",
        "redirect_uris": registered.redirect_uris,
        "post_logout_redirect_uris": "",
        "skip_authorization": "on",
        "sso_settings-TOTAL_FORMS": "1",
        "sso_settings-INITIAL_FORMS": "1",
        "sso_settings-MIN_NUM_FORMS": "0",
        "sso_settings-MAX_NUM_FORMS": "1",
        "sso_settings-0-id": str(registered.sso_settings.pk),
        "sso_settings-0-application": str(registered.pk),
        "sso_settings-0-backchannel_logout_uri": "https://planner.example/backchannel",
    }

    answer = client.post(change_url, data)

    assert answer.status_code == 302
    registered.refresh_from_db()
    assert registered.name == "Acme Planner 2"
    assert AppSettings.objects.get().backchannel_logout_uri == "https://planner.example/backchannel"


def test_account_managers_see_no_applications(client, account_manager, registered):
    client.force_login(account_manager)

    assert client.get(reverse("admin:oauth2_provider_application_changelist")).status_code == 403
    assert client.get(reverse("admin:single_sign_on_appsession_changelist")).status_code == 403
