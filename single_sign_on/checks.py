"""Says, on every management command, when the provider is off for want of a signing key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register()
def signing_key_configured(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.SINGLE_SIGN_ON_ENABLED:
        return []
    return [
        checks.Warning(
            "No OpenID Connect signing key: single sign-on is off (its URLs under /o/ are not "
            "served), so no other application can sign people in through the portal.",
            hint=(
                "Set OIDC_RSA_PRIVATE_KEY (the PEM) or OIDC_RSA_PRIVATE_KEY_FILE (a path to it); "
                "in development `make run` writes one to var/oidc-dev-key.pem."
            ),
            id="single_sign_on.W001",
        )
    ]
