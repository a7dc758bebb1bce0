"""Indexes nothing reads, dropped: each one is written again whenever the reaper ends a session
or releases a seat, because those updates change a column of a partial index's condition.

- `Seat.company`'s own index: every query by company (the ledger, the usage report, the counter's
  reconciliation, admin lists) is served by `seat_company_claimed`, `seat_company_released` or
  `seat_open_by_company`, which all lead with `company_id`.
- `SeatSession.ended_by`'s index becomes partial: only deleting a user looks rows up by it, and
  only the few sessions someone forced out have it set. The reaper's endings no longer write it.
- The `varchar_pattern_ops` copy of `SeatSession.session_key` (PostgreSQL only): it serves
  `LIKE 'prefix%'`, and nothing searches keys by prefix; the unique index stays for equality.

The first two are dropped by name with DROP INDEX, not by altering the fields: on SQLite, altering
a field rebuilds the seat table and drops the seat counter's triggers (migration 0010).
"""

from django.db import migrations, models
from django.db.models import Q

SEAT_COMPANY_INDEX = "sessions_seats_seat_company_id_8066b5c6"
SESSION_ENDED_BY_INDEX = "sessions_seats_seatsession_ended_by_id_fce0fe1f"
SESSION_KEY_LIKE_INDEX = "sessions_seats_seatsession_session_key_9c4f166c_like"


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {SESSION_KEY_LIKE_INDEX}")


def create_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {SESSION_KEY_LIKE_INDEX} "
            "ON sessions_seats_seatsession (session_key varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_company_seats_in_use"),
        ("sessions_seats", "0010_count_open_seats"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="seat",
                    name="company",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="seats",
                        to="accounts.company",
                    ),
                ),
                migrations.AlterField(
                    model_name="seatsession",
                    name="ended_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text=(
                            "The person who ended it, when someone forced it (support or a "
                            "company admin)."
                        ),
                        null=True,
                        on_delete=models.deletion.SET_NULL,
                        related_name="+",
                        to="accounts.user",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {SEAT_COMPANY_INDEX}",
                    f"CREATE INDEX {SEAT_COMPANY_INDEX} ON sessions_seats_seat (company_id)",
                ),
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {SESSION_ENDED_BY_INDEX}",
                    f"CREATE INDEX {SESSION_ENDED_BY_INDEX} "
                    "ON sessions_seats_seatsession (ended_by_id)",
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="seatsession",
            index=models.Index(
                fields=["ended_by"],
                condition=Q(ended_by__isnull=False),
                name="seatsession_ended_by",
            ),
        ),
        migrations.RunPython(drop_like_index, create_like_index),
    ]
