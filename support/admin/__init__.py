"""The staff console: every model's admin, with tenancy, lives here (DESIGN.md: support → seats →
accounts), so the engine and the accounts app stay free of staff rules."""

from . import audit, companies, seats, upgrades, users  # noqa: F401  (importing registers the admins)
