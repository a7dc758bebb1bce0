from django.db import migrations, models


class AddIndexWithoutLocking(migrations.AddIndex):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, so that sign-ins keep claiming seats while a
    large seat table is indexed; a plain index elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(model, self.index, concurrently=True)
        else:
            schema_editor.remove_index(model, self.index)


class Migration(migrations.Migration):
    # CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("sessions_seats", "0003_seat_logout_scheduled_at")]

    operations = [
        AddIndexWithoutLocking(
            model_name="seat",
            index=models.Index(fields=["company", "claimed_at"], name="seat_company_claimed"),
        ),
        AddIndexWithoutLocking(
            model_name="seat",
            index=models.Index(fields=["company", "released_at"], name="seat_company_released"),
        ),
    ]
