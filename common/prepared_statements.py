"""Running a hot statement as a PostgreSQL prepared statement: planned once per connection.

Planning the claim's statement costs about as long as running it. `execute_prepared` prepares it
the first time a connection runs it (`PREPARE`, named after a hash of its text, so changed code
gets a new name) and then only sends `EXECUTE name(values)`, through Django's cursor like any
query (logging, test capture and execute wrappers still see it).

It falls back to running the statement as it is:
- inside a transaction, where a failure would abort the caller's work, so nothing is risked;
- for good on a connection where a prepared statement went missing, as behind a proxy that pools
  server connections per transaction (PgBouncer's transaction mode): the statement is run as it is
  at once, and that connection stops preparing.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import weakref
from collections.abc import Sequence
from typing import Any

from django.db import ProgrammingError
from django.db.backends.utils import CursorWrapper

# Per server connection (Django opens a new one after closing): the names prepared on it, or None
# where preparing proved not to work.
_prepared: weakref.WeakKeyDictionary[Any, set[str] | None] = weakref.WeakKeyDictionary()

_PLACEHOLDER = re.compile(r"%s")
# SQLSTATE invalid_sql_statement_name: EXECUTE of a name this server connection does not know.
_UNKNOWN_STATEMENT = "26000"


def execute_prepared(cursor: CursorWrapper, sql: str, params: Sequence[Any]) -> None:
    """Run `sql` (with `%s` placeholders) with `params`, prepared once per connection when it can
    be; the rows are then read from `cursor` as usual. Only for PostgreSQL."""
    database = cursor.db
    names = _prepared.setdefault(database.connection, set())
    if names is None or database.in_atomic_block:
        cursor.execute(sql, params)
        return
    name = f"stmt_{hashlib.sha256(sql.encode()).hexdigest()[:20]}"
    if name not in names:
        cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")
        names.add(name)
    try:
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
    except ProgrammingError as error:
        if getattr(error.__cause__, "sqlstate", None) != _UNKNOWN_STATEMENT:
            raise
        _prepared[database.connection] = None
        cursor.execute(sql, params)


def _numbered(sql: str) -> str:
    """`%s` placeholders as PostgreSQL's `$1`, `$2`, …"""
    if "%%" in sql or "%(" in sql:
        raise ValueError("Only plain %s placeholders can be numbered.")
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", sql)
