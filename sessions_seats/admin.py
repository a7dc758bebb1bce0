"""The admin pages of packages, entitlements, seats and denials are part of the staff console:
see `support.admin`, which adds the staff roles' tenancy and the force-logout action."""
