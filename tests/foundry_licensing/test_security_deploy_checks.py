"""`manage.py check --deploy` is clean with the production settings of `.env.example`, all from
the environment; DEBUG is off unless asked for; and without DEBUG the portal refuses to start
with the development secret."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What `.env.example` tells production to set (the secret is made up here, never committed).
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "False",
    "DJANGO_ALLOWED_HOSTS": "licenses.foundry.example",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://licenses.foundry.example",
    "SESSION_COOKIE_SECURE": "True",
    "CSRF_COOKIE_SECURE": "True",
    "DJANGO_SECURE_SSL_REDIRECT": "True",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "True",
    "DJANGO_SECURE_HSTS_PRELOAD": "True",
    "DJANGO_BEHIND_TLS_PROXY": "True",
}


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Only what the settings read: the test process' own overrides must not leak in.
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SESSION_", "CSRF_", "AXES_", "OIDC_", "PYTEST"))
    }
    base["FOUNDRY_VAR_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def secret_key() -> str:
    return secrets.token_urlsafe(50)


@pytest.fixture
def oidc_key_file(tmp_path: Path) -> Path:
    """Production reads the single sign-on signing key from a file (made up here)."""
    from single_sign_on.management.commands.oidc_dev_key import private_key_pem

    path = tmp_path / "oidc-key.pem"
    path.write_bytes(private_key_pem())
    return path


def test_deploy_checks_pass_with_the_production_environment(tmp_path, secret_key, oidc_key_file):
    result = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION_ENV,
        DJANGO_SECRET_KEY=secret_key,
        OIDC_RSA_PRIVATE_KEY_FILE=str(oidc_key_file),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_a_signing_key_single_sign_on_is_off_and_the_checks_say_so(tmp_path, secret_key):
    result = manage(tmp_path, "check", "--deploy", **PRODUCTION_ENV, DJANGO_SECRET_KEY=secret_key)

    assert "single_sign_on.W001" in result.stderr + result.stdout
    assert "OIDC_RSA_PRIVATE_KEY" in result.stderr + result.stdout


def test_an_unreadable_signing_key_file_refuses_to_start(tmp_path, secret_key):
    result = manage(
        tmp_path,
        "check",
        **PRODUCTION_ENV,
        DJANGO_SECRET_KEY=secret_key,
        OIDC_RSA_PRIVATE_KEY_FILE=str(tmp_path / "missing.pem"),
    )

    assert result.returncode != 0
    assert "OIDC_RSA_PRIVATE_KEY_FILE cannot be read" in result.stderr


def test_deploy_checks_flag_the_development_defaults(tmp_path):
    # The development profile, as `make` runs it.
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", DJANGO_DEBUG="True")

    assert result.returncode != 0
    for check in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert check in result.stderr + result.stdout


def test_production_refuses_to_start_with_the_development_secret(tmp_path):
    result = manage(tmp_path, "check", **PRODUCTION_ENV)

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


# A local .env decides the defaults (settings read it): these are about the bare defaults.
without_local_env = pytest.mark.skipif(
    (ROOT / ".env").exists(), reason="a local .env sets the defaults on this machine"
)


@without_local_env
def test_with_no_environment_at_all_the_portal_refuses_to_start(tmp_path):
    result = manage(tmp_path, "check")

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY when DJANGO_DEBUG is False" in result.stderr


@without_local_env
def test_debug_is_off_unless_asked_for(tmp_path, secret_key):
    show_debug = ("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")

    default = manage(tmp_path, *show_debug, DJANGO_SECRET_KEY=secret_key)
    asked = manage(tmp_path, *show_debug, DJANGO_DEBUG="True")

    assert default.stdout.split()[-1:] == ["False"], default.stderr
    assert asked.stdout.split()[-1:] == ["True"], asked.stderr


def test_the_tests_loaded_the_settings_in_the_development_profile(settings):
    # pytest-django turns DEBUG off for each test; what the settings computed from DEBUG when
    # they loaded shows the profile: the plain static storage, no collectstatic needed.
    assert os.environ["DJANGO_DEBUG"] == "True"
    assert settings.STATIC_MANIFEST is False
    assert settings.SECRET_KEY == "django-insecure-dev-only-change-me"


def without_debug_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "DJANGO_DEBUG"}


def test_make_runs_its_commands_in_the_development_profile():
    # A target added for the test, run the way make runs `migrate`, `demo`, `test` and `lint`.
    show = "show-debug:\n\t@echo DJANGO_DEBUG=$$DJANGO_DEBUG\n"
    result = subprocess.run(
        ["make", "-s", "-f", "Makefile", "-f", "-", "show-debug"],
        cwd=ROOT,
        input=show,
        env=without_debug_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == "DJANGO_DEBUG=True", result.stderr


def _stand_ins(folder) -> None:
    """Stand-ins for the programs: each writes what it was started with, then stays a moment,
    so all have written before the script stops them."""
    for program in ("python", "celery"):
        stand_in = folder / program
        stand_in.write_text(
            f'#!/bin/sh\necho "{program} $DJANGO_DEBUG ${{FOUNDRY_APP_CLIENT_ID:-}}"'
            f' >> "{folder}/started"\nsleep 1\n'
        )
        stand_in.chmod(0o755)


def _run_dev(folder, **env: str) -> list[str]:
    subprocess.run(
        ["bash", "scripts/run-dev.sh"],
        cwd=ROOT,
        env={**without_debug_env(), "BIN": str(folder), "PORT": "0", **env},
        capture_output=True,
        timeout=60,
    )
    return sorted(line.strip() for line in (folder / "started").read_text().splitlines())


def test_make_run_starts_the_server_worker_and_beat_in_the_development_profile(tmp_path):
    _stand_ins(tmp_path)

    started = _run_dev(tmp_path, EXAMPLE_APP_ENV=str(tmp_path / "not-registered.env"))

    assert started == ["celery True", "celery True", "python True"]  # worker, beat, server


def test_make_run_starts_the_example_app_with_the_settings_seed_demo_wrote(tmp_path):
    _stand_ins(tmp_path)
    env_file = tmp_path / "example-app.env"
    env_file.write_text("FOUNDRY_APP_CLIENT_ID=demo-client\n")

    started = _run_dev(tmp_path, EXAMPLE_APP_ENV=str(env_file))

    # worker, beat, the portal (without the app's settings) and the example application
    assert started == ["celery True", "celery True", "python True", "python True demo-client"]


def test_make_run_on_another_port_links_emails_and_tokens_to_that_port(tmp_path):
    stand_in = tmp_path / "python"
    stand_in.write_text(f'#!/bin/sh\necho "$PORTAL_BASE_URL" >> "{tmp_path}/started"\n')
    stand_in.chmod(0o755)
    (tmp_path / "celery").symlink_to(stand_in)
    env = {key: value for key, value in without_debug_env().items() if key != "PORTAL_BASE_URL"}

    subprocess.run(
        ["bash", "scripts/run-dev.sh"],
        cwd=ROOT,
        env={**env, "BIN": str(tmp_path), "PORT": "8123"},
        capture_output=True,
        timeout=60,
    )

    assert set((tmp_path / "started").read_text().splitlines()) == {"http://127.0.0.1:8123"}
