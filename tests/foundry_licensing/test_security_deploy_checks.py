"""`manage.py check --deploy` is clean with the production settings of `.env.example`, all from
the environment; and the production profile refuses to start with the development secret."""

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
        if not key.startswith(("DJANGO_", "SESSION_", "CSRF_", "AXES_", "PYTEST"))
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


def test_deploy_checks_pass_with_the_production_environment(tmp_path, secret_key):
    result = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION_ENV,
        DJANGO_SECRET_KEY=secret_key,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_checks_flag_the_development_defaults(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    for check in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert check in result.stderr + result.stdout


def test_production_refuses_to_start_with_the_development_secret(tmp_path):
    result = manage(tmp_path, "check", **PRODUCTION_ENV)

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr
