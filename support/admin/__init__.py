"""The staff console: every model's admin, with tenancy, lives here (docs/DESIGN.md: support
depends on the apps below it, never the reverse), so they stay free of staff rules."""

from . import audit, companies, license_requests, seats, single_sign_on, users  # noqa: F401  (importing registers the admins)
