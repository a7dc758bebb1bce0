"""A hot statement is planned once per connection, never risks a caller's transaction, and still
runs where prepared statements do not last (a proxy pooling server connections per transaction)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from common import prepared_statements
from common.prepared_statements import execute_prepared

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

STATEMENT = "SELECT %s::int + %s::int, %s::text"


def run(*params: object) -> tuple[object, ...]:
    with connection.cursor() as cursor:
        execute_prepared(cursor, STATEMENT, params)
        return cursor.fetchone()


def prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_is_prepared_once_per_connection_and_run_with_each_call_values():
    assert run(1, 2, "a") == (3, "a")
    assert run(40, 2, "it's") == (42, "it's")

    [prepared] = prepared_here()
    assert "$1::int + $2::int, $3::text" in prepared

    connection.close()  # a new server connection prepares it again
    assert run(2, 2, None) == (4, None)
    assert len(prepared_here()) == 1


def test_inside_a_transaction_the_statement_runs_as_it_is():
    with transaction.atomic():
        assert run(1, 1, "x") == (2, "x")
        assert prepared_here() == []


def test_a_connection_that_loses_its_prepared_statements_still_gets_its_rows_and_stops_preparing():
    assert run(1, 2, "a") == (3, "a")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a pooling proxy's server reset does

    assert run(5, 5, "b") == (10, "b")
    assert run(6, 6, "c") == (12, "c")
    assert prepared_here() == []
    assert prepared_statements._prepared[connection.connection] is None


def test_only_plain_placeholders_are_numbered():
    with pytest.raises(ValueError):
        prepared_statements._numbered("SELECT %(name)s")
    assert prepared_statements._numbered("SELECT %s, %s") == "SELECT $1, $2"
