"""The admin pages of companies and users are part of the staff console: see `support.admin`.

They live there because they need the license engine (seats in use, force logout) and the staff
roles, and `accounts` depends on neither.
"""
