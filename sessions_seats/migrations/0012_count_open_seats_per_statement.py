"""On PostgreSQL, releasing seats updates the seat counter once per statement, not once per seat.

A reaper batch releases thousands of seats of a few companies in one UPDATE. Counted per row,
that was one UPDATE of a company's row per seat, each making a new version of the same row inside
one transaction, which every later update of that row walks past: the counter was most of the
release's cost, and grew faster than the batch. Counted per statement, the trigger reads the
statement's changed rows (transition tables) and updates each company's row once, by the net
change of its open seats. Deletes are counted the same way.

Inserts keep migration 0010's row trigger: a claim inserts one seat, and for one row the
statement trigger's extra work (the transition table, the grouping) costs more than it saves.

The companies are locked in id order before they are updated, the order of every claim and
release (`sessions_seats.releases`), so two writers that bypass the engine cannot deadlock on the
counters either; the engine's own writers hold those locks already.

Transition tables cannot be combined with a column list (`UPDATE OF released_at, company_id`), so
the update trigger fires for every UPDATE of the seat table, and finds nothing to count in those
that change neither column. SQLite has no statement triggers and keeps migration 0010's.
"""

import importlib

from django.db import migrations

ROW_TRIGGERS = importlib.import_module("sessions_seats.migrations.0010_count_open_seats")

_OPENED = "SELECT company_id, 1 AS delta FROM new_seats WHERE released_at IS NULL"
_CLOSED = "SELECT company_id, -1 AS delta FROM old_seats WHERE released_at IS NULL"


def _function(name: str, changes: str) -> str:
    """A trigger function adding each company's net change of open seats to its counter."""
    return f"""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM accounts_company
        WHERE id IN (SELECT company_id FROM ({changes}) AS changes)
        ORDER BY id FOR NO KEY UPDATE;
        UPDATE accounts_company AS company SET seats_in_use = company.seats_in_use + net.delta
        FROM (
            SELECT company_id, sum(delta) AS delta FROM ({changes}) AS changes
            GROUP BY company_id HAVING sum(delta) <> 0
        ) AS net
        WHERE company.id = net.company_id;
        RETURN NULL;
    END
    $$
    """


POSTGRESQL = [
    # 0010's triggers go; its function stays, for the row trigger on inserts.
    "DROP TRIGGER IF EXISTS seat_count_update ON sessions_seats_seat",
    "DROP TRIGGER IF EXISTS seat_count_insert_delete ON sessions_seats_seat",
    # Written to run again over a half-migrated database: a failed test database reset is one.
    "DROP TRIGGER IF EXISTS seat_count_insert ON sessions_seats_seat",
    "DROP TRIGGER IF EXISTS seat_count_delete ON sessions_seats_seat",
    _function("sessions_seats_count_deleted_seats", _CLOSED),
    _function("sessions_seats_count_updated_seats", f"{_OPENED} UNION ALL {_CLOSED}"),
    """
    CREATE TRIGGER seat_count_insert AFTER INSERT ON sessions_seats_seat
    FOR EACH ROW EXECUTE FUNCTION sessions_seats_count_open_seats()
    """,
    """
    CREATE TRIGGER seat_count_delete AFTER DELETE ON sessions_seats_seat
    REFERENCING OLD TABLE AS old_seats
    FOR EACH STATEMENT EXECUTE FUNCTION sessions_seats_count_deleted_seats()
    """,
    """
    CREATE TRIGGER seat_count_update AFTER UPDATE ON sessions_seats_seat
    REFERENCING OLD TABLE AS old_seats NEW TABLE AS new_seats
    FOR EACH STATEMENT EXECUTE FUNCTION sessions_seats_count_updated_seats()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS seat_count_update ON sessions_seats_seat",
    "DROP TRIGGER IF EXISTS seat_count_delete ON sessions_seats_seat",
    "DROP TRIGGER IF EXISTS seat_count_insert ON sessions_seats_seat",
    "DROP FUNCTION IF EXISTS sessions_seats_count_updated_seats()",
    "DROP FUNCTION IF EXISTS sessions_seats_count_deleted_seats()",
    *ROW_TRIGGERS.POSTGRESQL,
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        # Seat writers wait while the triggers change, so none is counted twice or not at all.
        schema_editor.execute("LOCK TABLE sessions_seats_seat IN SHARE MODE")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("sessions_seats", "0011_reaper_index_review")]

    operations = [migrations.RunPython(_run(POSTGRESQL), _run(POSTGRESQL_REVERSE))]
