"""The project's settings for the load and fault scripts' servers, with one change: the fast
password hasher the scripts' users are made with. They measure the seat engine, not PBKDF2 on two
cores (a production hash would take the whole run to check 500 passwords)."""

import os

from foundry_licensing.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The storm's baseline (Django's LoginView) lives in bench.urls; the other scripts keep the
# project's own URLs unless they ask.
ROOT_URLCONF = os.environ.get("FOUNDRY_BENCH_URLCONF", ROOT_URLCONF)  # noqa: F405
