"""Settings for every environment, read from the process environment (and `.env` if present).

Defaults are the zero-setup development profile (SQLite, a Celery broker that needs no server)
except DEBUG, which is off unless DJANGO_DEBUG=True says otherwise: `make` and the tests turn it on,
and production never has to remember to turn it off. Production sets DATABASE_URL,
CELERY_BROKER_URL, DJANGO_SECRET_KEY and friends; `.env.example` documents every variable.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from single_sign_on.pkce import pkce_required

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

# Runtime files of the embedded profile (SQLite database, broker folders, beat schedule).
VAR_DIR = Path(env("FOUNDRY_VAR_DIR", default=str(BASE_DIR / "var")))

# --- Core -----------------------------------------------------------------------------------
# Off unless asked for: a deployment that forgot the variable must not show tracebacks and
# settings to anyone.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The default key is only good for development; production must set DJANGO_SECRET_KEY.
_DEV_SECRET_KEY = "django-insecure-dev-only-change-me"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=_DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    # A known key signs sessions and password-reset tokens anyone could forge: refuse to start.
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY when DJANGO_DEBUG is False (for development: DJANGO_DEBUG=True, "
        "which `make` sets, or put it in .env)."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: `runserver` then serves static files through WhiteNoise too, as
    # production does, instead of Django's development handler.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "accounts",
    "sessions_seats",
    # Before support: the staff console replaces django-oauth-toolkit's Application admin.
    "oauth2_provider",
    "single_sign_on",
    "usage",
    "license_requests",
    "support",
    "portal",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before sessions and the seat middleware: fetching a
    # stylesheet is not activity and needs no database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that may answer instead of the view (CSRF failures, axes lockouts), so
    # those pages carry the policy too.
    "csp.middleware.CSPMiddleware",
    # Inside it: a sign-in for an application may end at that application (form-action).
    "single_sign_on.form_targets.FormTargetsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A company user's pages show times in their company's zone; staff keep the site's.
    "accounts.middleware.CompanyTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sessions_seats.middleware.SeatMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout flagged during the view into the response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "foundry_licensing.urls"
WSGI_APPLICATION = "foundry_licensing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Shared by the sign-in page and the portal's forms; `common` is not an app.
            "libraries": {"form_fields": "common.form_fields"},
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: BEGIN IMMEDIATE makes every transaction take the write lock up
    # front, which serialises seat claims the way select_for_update does on PostgreSQL.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": env.int("SQLITE_TIMEOUT_SECONDS", default=20)}
    )
    VAR_DIR.mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication and sessions ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Axes first: it refuses a locked-out email/ip pair before any password is checked. ModelBackend
# then finds users through UserManager.get_by_natural_key: email, any case.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Seats are reaped by idle time, not by cookie age; this only bounds how long a cookie may live.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SESSION_COOKIE_HTTPONLY = True

# --- Security (production turns these on from the environment) ------------------------------
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
_BEHIND_TLS_PROXY = env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
if _BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Brute force (django-axes) --------------------------------------------------------------
# An email/ip pair is locked after AXES_FAILURE_LIMIT failed sign-ins, for AXES_COOLOFF_MINUTES
# (counted from the last failure). Support unlocks early in the admin (Axes: access attempts).
# Locking the pair (not the email alone) keeps an attacker from locking a real user out from
# elsewhere. The lockout is decided before the password is checked, so it never claims a seat.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# One address trying many emails (password spraying) is locked too, after this many failures
# with any emails within the cool-off; higher than the pair's, as many people may share an
# address. Counted from axes' rows by sessions_seats.lockout.PairAndAddressHandler.
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
AXES_HANDLER = "sessions_seats.lockout.PairAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
# The sign-in form posts the email as `username`; emails match whatever their case.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "sessions_seats.lockout.username_of"
# REMOTE_ADDR, or behind a proxy the address it saw (see sessions_seats.lockout.client_ip).
AXES_CLIENT_IP_CALLABLE = "sessions_seats.lockout.client_ip"
# How many proxies of ours append to X-Forwarded-For; 0 (not behind a proxy): it is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if _BEHIND_TLS_PROXY else 0)
# The sign-in page again, saying why, with status 429.
AXES_LOCKOUT_CALLABLE = "sessions_seats.lockout.locked_out"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
# WhiteNoise serves them from the web process itself (no separate file server to configure).
STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves what `collectstatic` wrote (the Procfile's release step): content-hashed
# names browsers may cache for ever, compressed ahead of time. That storage cannot render a page
# before collectstatic has run, so development and the tests use the plain storage, and WhiteNoise
# finds each file where it lies (the apps' and the project's static folders) and picks up edits.
# Both WHITENOISE_ flags are set here, not left to follow DEBUG: the test runner turns DEBUG off,
# and the tests must still get the stylesheets without a collectstatic.
STATIC_MANIFEST = env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=not STATIC_MANIFEST)
WHITENOISE_AUTOREFRESH = env.bool("WHITENOISE_AUTOREFRESH", default=not STATIC_MANIFEST)

# --- Content-Security-Policy (django-csp) ---------------------------------------------------
# Scripts and styles come only from our own static files: no inline <script> or <style>, no
# style="" or on*="" attributes, so markup injected into a page can neither run nor restyle it.
# What the scripts need from the server travels in data-* attributes (or json_script blocks,
# which are data, never executed). The usage charts are inline SVG drawn with presentation
# attributes (fill=, font-size=), which style-src does not restrict. img-src also takes data:
# URIs, for small images embedded in stylesheets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL", default="Foundry licensing <no-reply@foundry.example>"
)

# --- Password emails (reset links and invitations) ------------------------------------------
# At most this many to one address, and asked for from one client address, per window, so the
# forms that send them cannot flood an inbox. Counted in the database
# (sessions_seats.email_limits): the limits hold across processes and hosts.
PASSWORD_EMAILS_PER_ADDRESS = env.int("PASSWORD_EMAILS_PER_ADDRESS", default=3)
PASSWORD_EMAILS_PER_IP = env.int("PASSWORD_EMAILS_PER_IP", default=10)
PASSWORD_EMAIL_WINDOW_MINUTES = env.int("PASSWORD_EMAIL_WINDOW_MINUTES", default=60)

# --- Seats (the license engine) -------------------------------------------------------------
# Minutes without activity after which a seat session is reaped; companies may override it.
SEAT_IDLE_TIMEOUT_MINUTES = env.int("SEAT_IDLE_TIMEOUT_MINUTES", default=30)
# How long before an idle sign-out the portal warns ("You will be signed out in 2:00").
SEAT_IDLE_WARNING_SECONDS = env.int("SEAT_IDLE_WARNING_SECONDS", default=120)
# Requests within this many seconds of the last recorded activity cost no database query.
SEAT_ACTIVITY_WINDOW_SECONDS = env.int("SEAT_ACTIVITY_WINDOW_SECONDS", default=60)
# How often beat runs the reaper, and how many seat sessions one reaper transaction ends.
SEAT_REAPER_INTERVAL_SECONDS = env.int("SEAT_REAPER_INTERVAL_SECONDS", default=60)
SEAT_REAPER_BATCH_SIZE = env.int("SEAT_REAPER_BATCH_SIZE", default=5000)
# The default countdown of support's "warn the user, then sign out" (1..60 minutes).
FORCE_LOGOUT_WARNING_MINUTES = env.int("FORCE_LOGOUT_WARNING_MINUTES", default=5)
# Named on the refusal page when a company has no account manager.
SUPPORT_CONTACT_NAME = env("SUPPORT_CONTACT_NAME", default="Foundry support")
SUPPORT_CONTACT_EMAIL = env("SUPPORT_CONTACT_EMAIL", default="support@foundry.example")

# --- Customer portal ------------------------------------------------------------------------
# How long the refusal page's proof of a checked password stays usable (free a seat, get notified).
PORTAL_SIGN_IN_PROOF_MAX_AGE_SECONDS = env.int("PORTAL_SIGN_IN_PROOF_MAX_AGE_SECONDS", default=300)
# Where the portal is reached from outside: links in emails are built on it.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# The longest period a usage report or seat ledger page accepts.
USAGE_REPORT_MAX_DAYS = env.int("USAGE_REPORT_MAX_DAYS", default=366)
# How often beat checks whether people waiting for a seat can be told one is free.
PORTAL_SEAT_WISH_INTERVAL_SECONDS = env.int("PORTAL_SEAT_WISH_INTERVAL_SECONDS", default=60)

# --- Single sign-on (the portal as an OpenID Connect provider, django-oauth-toolkit) ---------
# Apps sign people in through the portal; each app sign-in rides on the browser's seat session,
# so it takes no extra license (docs/DESIGN.md, "Single sign-on"). The ID tokens are signed with
# an RSA key from the environment: the PEM itself, or a file holding it. In development
# `make run` writes a throwaway key to var/ (`manage.py oidc_dev_key`), read here when DEBUG is on
# and nothing is configured. With no key at all the provider is off: its URLs are not mounted and
# a system check (single_sign_on.W001) says so on every command.
OIDC_DEV_KEY_FILE = VAR_DIR / "oidc-dev-key.pem"
_oidc_key_file = env("OIDC_RSA_PRIVATE_KEY_FILE", default="")
OIDC_RSA_PRIVATE_KEY = env("OIDC_RSA_PRIVATE_KEY", default="").replace("\\n", "\n")
if not OIDC_RSA_PRIVATE_KEY and _oidc_key_file:
    try:
        OIDC_RSA_PRIVATE_KEY = Path(_oidc_key_file).read_text()
    except OSError as error:
        # A key was asked for and cannot be read: starting without the provider would hide it.
        raise ImproperlyConfigured(f"OIDC_RSA_PRIVATE_KEY_FILE cannot be read: {error}") from error
if not OIDC_RSA_PRIVATE_KEY and DEBUG and OIDC_DEV_KEY_FILE.is_file():
    OIDC_RSA_PRIVATE_KEY = OIDC_DEV_KEY_FILE.read_text()
SINGLE_SIGN_ON_ENABLED = bool(OIDC_RSA_PRIVATE_KEY)
# Plain-http redirect URIs only in development (an app on http://127.0.0.1); production: https.
_OIDC_REDIRECT_SCHEMES = ["http", "https"] if DEBUG else ["https"]
# django-oauth-toolkit's own models (not swapped); named because migrations refer to them.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": SINGLE_SIGN_ON_ENABLED,
    "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    # A logout carrying an ID token of the person signed in here needs no confirmation; any other
    # asks first, so a stray link cannot sign someone out.
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    # Only this browser's app tokens end, with its seat session (single_sign_on.views): DOT's own
    # deletion would end the person's tokens on every device.
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "SCOPES": {
        "openid": "Sign you in",
        "email": "Your email address",
        "profile": "Your name, company and role",
    },
    "DEFAULT_SCOPES": ["openid"],
    "OAUTH2_VALIDATOR_CLASS": "single_sign_on.validators.SeatBoundValidator",
    # Public clients (no secret) must use PKCE; confidential ones may.
    "PKCE_REQUIRED": pkce_required,
    "ALLOWED_REDIRECT_URI_SCHEMES": _OIDC_REDIRECT_SCHEMES,
    "ALLOWED_SCHEMES": _OIDC_REDIRECT_SCHEMES,
    "ALLOW_URI_WILDCARDS": False,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OIDC_ACCESS_TOKEN_EXPIRE_SECONDS", default=600),
    "ID_TOKEN_EXPIRE_SECONDS": env.int("OIDC_ID_TOKEN_EXPIRE_SECONDS", default=600),
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    # RFC 9700 (the OAuth security best practice): every gate on.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not DEBUG,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when a seat session ends, each
# application signed in under it with a back-channel URI gets a logout token, POSTed by a Celery
# task. A failed attempt is tried again after RETRY_BASE seconds, then 3 times longer each time
# (10 s, 30 s, 90 s, 270 s), up to MAX_ATTEMPTS in all; then it is recorded as failed for support.
BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS = env.float("BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS", default=5.0)
BACKCHANNEL_LOGOUT_MAX_ATTEMPTS = env.int("BACKCHANNEL_LOGOUT_MAX_ATTEMPTS", default=5)
BACKCHANNEL_LOGOUT_RETRY_BASE_SECONDS = env.int("BACKCHANNEL_LOGOUT_RETRY_BASE_SECONDS", default=10)
# Hosts whose addresses may be private (an application inside the company network): any other
# target resolving to a private, loopback, link-local, multicast or reserved address is refused,
# so that a registered URI cannot make the portal reach its own network. Loopback is allowed
# when DEBUG is on.
BACKCHANNEL_LOGOUT_ALLOWED_HOSTS = env.list("BACKCHANNEL_LOGOUT_ALLOWED_HOSTS", default=[])
# How often beat sends again the deliveries left open past their due time (never queued because
# the broker was down, or lost with a worker), by the task
# single_sign_on.tasks.resend_stalled_backchannel_logouts.
BACKCHANNEL_LOGOUT_SWEEP_INTERVAL_SECONDS = env.int(
    "BACKCHANNEL_LOGOUT_SWEEP_INTERVAL_SECONDS", default=60
)

# --- Celery ---------------------------------------------------------------------------------
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem://")
    else {}
)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE = {
    "reap-idle-seats": {
        "task": "sessions_seats.tasks.reap_idle_seats",
        "schedule": float(SEAT_REAPER_INTERVAL_SECONDS),
        # A run that could not start before the next one is due is pointless: drop it.
        "options": {"expires": float(SEAT_REAPER_INTERVAL_SECONDS)},
    },
    "notify-seat-wishes": {
        "task": "portal.tasks.notify_seat_wishes",
        "schedule": float(PORTAL_SEAT_WISH_INTERVAL_SECONDS),
        "options": {"expires": float(PORTAL_SEAT_WISH_INTERVAL_SECONDS)},
    },
    "resend-stalled-backchannel-logouts": {
        "task": "single_sign_on.tasks.resend_stalled_backchannel_logouts",
        "schedule": float(BACKCHANNEL_LOGOUT_SWEEP_INTERVAL_SECONDS),
        "options": {"expires": float(BACKCHANNEL_LOGOUT_SWEEP_INTERVAL_SECONDS)},
    },
    # Mondays at 07:00 (CELERY_TIMEZONE): last week's refusals to account managers and the
    # company admins who opted in.
    "weekly-refusals-digest": {
        "task": "usage.tasks.send_weekly_digest",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
        "options": {"expires": 6 * 3600.0},
    },
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # Django's defaults give the "django" logger a console handler of its own (with DEBUG on),
    # beside the root's: every line printed twice. Its records reach the root's console instead.
    "loggers": {"django": {"handlers": ["mail_admins"], "propagate": True}},
}
