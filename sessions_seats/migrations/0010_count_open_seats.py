"""The database keeps `Company.seats_in_use` equal to the company's open seats.

Triggers on the seat table add one when an open seat is inserted, take one away when an open seat
is released or deleted, and move one when a seat changes company, whoever writes the row: the
claim and every release path, but also data fixes, fixtures and scripts. Counting in application
code would leave every such writer uncounted, and the CHECK constraint would then refuse the
release of its seats. Which transaction holds which lock first is the engine's concern
(`sessions_seats.releases`): the counter's update always finds its company row locked already.

SQLite rebuilds a table to alter it and drops its triggers on the way: a later migration that
alters the seat table there must create them again (the reaper's reconciliation would report the
drift, and `tests/sessions_seats/test_seat_counter.py` fails).
"""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION sessions_seats_count_open_seats() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            IF OLD.released_at IS NULL THEN
                UPDATE accounts_company SET seats_in_use = seats_in_use - 1
                WHERE id = OLD.company_id;
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF NEW.released_at IS NULL THEN
                UPDATE accounts_company SET seats_in_use = seats_in_use + 1
                WHERE id = NEW.company_id;
            END IF;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER seat_count_insert_delete AFTER INSERT OR DELETE ON sessions_seats_seat
    FOR EACH ROW EXECUTE FUNCTION sessions_seats_count_open_seats()
    """,
    """
    CREATE TRIGGER seat_count_update AFTER UPDATE OF released_at, company_id
    ON sessions_seats_seat FOR EACH ROW
    WHEN ((OLD.released_at IS NULL) IS DISTINCT FROM (NEW.released_at IS NULL)
          OR OLD.company_id IS DISTINCT FROM NEW.company_id)
    EXECUTE FUNCTION sessions_seats_count_open_seats()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS seat_count_update ON sessions_seats_seat",
    "DROP TRIGGER IF EXISTS seat_count_insert_delete ON sessions_seats_seat",
    "DROP FUNCTION IF EXISTS sessions_seats_count_open_seats()",
]

SQLITE = [
    """
    CREATE TRIGGER seat_count_insert AFTER INSERT ON sessions_seats_seat
    WHEN NEW.released_at IS NULL
    BEGIN
        UPDATE accounts_company SET seats_in_use = seats_in_use + 1 WHERE id = NEW.company_id;
    END
    """,
    """
    CREATE TRIGGER seat_count_delete AFTER DELETE ON sessions_seats_seat
    WHEN OLD.released_at IS NULL
    BEGIN
        UPDATE accounts_company SET seats_in_use = seats_in_use - 1 WHERE id = OLD.company_id;
    END
    """,
    """
    CREATE TRIGGER seat_count_update AFTER UPDATE OF released_at, company_id
    ON sessions_seats_seat
    WHEN (OLD.released_at IS NULL) <> (NEW.released_at IS NULL)
         OR OLD.company_id <> NEW.company_id
    BEGIN
        UPDATE accounts_company SET seats_in_use = seats_in_use - 1
        WHERE id = OLD.company_id AND OLD.released_at IS NULL;
        UPDATE accounts_company SET seats_in_use = seats_in_use + 1
        WHERE id = NEW.company_id AND NEW.released_at IS NULL;
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS seat_count_update",
    "DROP TRIGGER IF EXISTS seat_count_delete",
    "DROP TRIGGER IF EXISTS seat_count_insert",
]

# Every company's open seats, counted once; seat writers wait meanwhile (PostgreSQL), so no
# claim or release falls between the count and the triggers.
INITIALISE = """
    UPDATE accounts_company SET seats_in_use = (
        SELECT COUNT(*) FROM sessions_seats_seat
        WHERE sessions_seats_seat.company_id = accounts_company.id
        AND sessions_seats_seat.released_at IS NULL
    )
"""


def create_triggers(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("LOCK TABLE sessions_seats_seat IN SHARE MODE")
    for statement in POSTGRESQL if postgresql else SQLITE:
        schema_editor.execute(statement)
    schema_editor.execute(INITIALISE)


def drop_triggers(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_REVERSE if postgresql else SQLITE_REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_company_seats_in_use"),
        ("sessions_seats", "0009_password_email_quota"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
