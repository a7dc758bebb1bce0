"""Settings of the example application: a stand-in for Foundry that signs people in through the
licensing portal (or any OpenID Connect provider) with mozilla-django-oidc.

Every setting comes from the environment. The three that matter:

- FOUNDRY_APP_ISSUER: the provider's issuer, e.g. http://127.0.0.1:8000/o for the portal under
  `make run`; the endpoints below are the portal's, under that issuer.
- FOUNDRY_APP_CLIENT_ID, FOUNDRY_APP_CLIENT_SECRET: what registering the application printed
  (`python manage.py register_app` at the portal, or its `seed_demo` for the demo).
"""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("FOUNDRY_APP_DEBUG", default=True)
SECRET_KEY = env("FOUNDRY_APP_SECRET_KEY", default="example-app-development-key-not-secret")
ALLOWED_HOSTS = env.list("FOUNDRY_APP_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "mozilla_django_oidc",
    "foundry_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Re-authenticates silently (prompt=none) once the ID token's renewal time has passed: the
    # portal counts it as activity on the seat, and answers login_required once the seat ended.
    "mozilla_django_oidc.middleware.SessionRefresh",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "foundry_app.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
WSGI_APPLICATION = "foundry_app.wsgi.application"

DATABASES = {
    "default": env.db(
        "FOUNDRY_APP_DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'app.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The portal usually runs on the same host, on another port: cookies do not tell ports apart, so
# the application's cookies must not be named like the portal's.
SESSION_COOKIE_NAME = "foundry_app_session"
CSRF_COOKIE_NAME = "foundry_app_csrftoken"

STATIC_URL = "static/"
USE_TZ = True
TIME_ZONE = "UTC"

AUTHENTICATION_BACKENDS = ["foundry_app.auth.PortalBackend"]
LOGIN_URL = "oidc_authentication_init"
LOGIN_REDIRECT_URL = "work"
# mozilla-django-oidc uses these two as paths, not URL names.
LOGIN_REDIRECT_URL_FAILURE = "/signed-out/"
LOGOUT_REDIRECT_URL = "/"

# --- OpenID Connect (mozilla-django-oidc) --------------------------------------------------
OIDC_ISSUER = env("FOUNDRY_APP_ISSUER", default="http://127.0.0.1:8000/o").rstrip("/")
OIDC_RP_CLIENT_ID = env("FOUNDRY_APP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("FOUNDRY_APP_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_OP_AUTHORIZATION_ENDPOINT = f"{OIDC_ISSUER}/authorize/"
OIDC_OP_TOKEN_ENDPOINT = f"{OIDC_ISSUER}/token/"
OIDC_OP_USER_ENDPOINT = f"{OIDC_ISSUER}/userinfo/"
OIDC_OP_JWKS_ENDPOINT = f"{OIDC_ISSUER}/.well-known/jwks.json"
OIDC_OP_END_SESSION_ENDPOINT = f"{OIDC_ISSUER}/logout/"
OIDC_USE_PKCE = True
# Kept for RP-initiated logout: the portal identifies the sign-in to end by its ID token.
OIDC_STORE_ID_TOKEN = True
OIDC_OP_LOGOUT_URL_METHOD = "foundry_app.auth.portal_logout_url"
# How often the application re-authenticates silently while the person works. Keep it well under
# the company's idle timeout at the portal (30 minutes by default): each one is activity there.
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env.int("FOUNDRY_APP_RENEW_SECONDS", default=300)
# The page's sign-in poll must not count as work, nor be answered with a redirect.
OIDC_EXEMPT_URLS = ["session_status", "backchannel_logout"]
OIDC_TIMEOUT = 10

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"foundry_app": {"handlers": ["console"], "level": "INFO"}},
}
