"""The logout token of OpenID Connect Back-Channel Logout 1.0 (section 2.4).

A JWT signed RS256 with the key that signs the ID tokens (DOT's OIDC_RSA_PRIVATE_KEY), under the
`kid` the JWKS publishes for it (DOT uses the key's RFC 7638 thumbprint), so an application
checks it exactly as it checks an ID token. It carries `sid` and `sub` as the ID tokens did, the
back-channel logout event, and never a `nonce` (the specification forbids one, so that a logout
token cannot pass for an ID token).
"""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone
from jwcrypto import jwt
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem

from .services import issuer

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# Short: the token is sent at once, and a fresh one is signed for every attempt.
LIFETIME = datetime.timedelta(minutes=2)


def logout_token(
    *, client_id: str, sid: str, sub: str, now: datetime.datetime | None = None
) -> str:
    key = jwk_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY)
    issued = int((now or timezone.now()).timestamp())
    claims = {
        "iss": issuer(),
        "aud": client_id,
        "iat": issued,
        "exp": issued + int(LIFETIME.total_seconds()),
        "jti": uuid.uuid4().hex,
        "sid": sid,
        "sub": sub,
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    }
    token = jwt.JWT(
        header={"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint()}, claims=claims
    )
    token.make_signed_token(key)
    return str(token.serialize())
