"""Write a development signing key for single sign-on to var/, if there is none (`make run`).

The settings read it when DEBUG is on and no key is configured. Never for production: set
OIDC_RSA_PRIVATE_KEY or OIDC_RSA_PRIVATE_KEY_FILE from your secret store there.
"""

from __future__ import annotations

import os
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.management.base import BaseCommand


def private_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class Command(BaseCommand):
    help = "Create var/oidc-dev-key.pem (mode 600) for development single sign-on, if missing."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        path = settings.OIDC_DEV_KEY_FILE
        if path.exists():
            self.stdout.write(f"{path.name} exists; kept.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created with mode 600 from the start: the key is never readable by others, even briefly.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(private_key_pem())
        self.stdout.write(f"Wrote {path.name} (development only).")
