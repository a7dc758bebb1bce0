"""Filtering by many ids at once without a query of thousands of literals.

`field__in=[...]` writes one placeholder per id, which Django prepares and the database driver
parses one by one: for the reaper's batches of thousands of seat sessions, that cost more than
running the query. `among(ids)` is the same filter with the ids bound as one array on PostgreSQL,
and the plain list elsewhere.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import connection
from django.db.models.expressions import RawSQL


def among(ids: Collection[int]) -> list[int] | RawSQL:
    """The right-hand side of `field__in=` for these ids."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))
    return list(ids)
