"""Which clients must use PKCE: the policy django-oauth-toolkit asks for per client.

Imported by the settings, so the model is looked up only when the policy is asked.
"""

from __future__ import annotations


def pkce_required(client_id: str) -> bool:
    """Public clients (no secret to prove who they are) must use PKCE; confidential ones may.

    An unknown client is asked for PKCE too: the request fails on the client anyway, and asking
    decides nothing in its favour."""
    from oauth2_provider.models import get_application_model

    application = get_application_model().objects.filter(client_id=client_id).first()
    return application is None or application.client_type != application.CLIENT_CONFIDENTIAL
