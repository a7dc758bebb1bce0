"""The settings the tests run with: the project's own, in the development profile.

DEBUG is off unless DJANGO_DEBUG says otherwise, and the development secret key is refused with
DEBUG off, so the tests turn it on here, in the environment, before the project's settings read
it. It cannot be done in tests/conftest.py: pytest-django imports the settings before any
conftest. (During each test pytest-django still runs with settings.DEBUG False, as Django's test
runner does.)

Single sign-on signs ID tokens with a throwaway RSA key made here for this run, never stored.
"""

import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

os.environ["DJANGO_DEBUG"] = "True"
os.environ["OIDC_RSA_PRIVATE_KEY"] = (
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    .decode()
)

from foundry_licensing.settings import *  # noqa: F403
