"""The forced-logout audit moves from the staff console (`support`) to the engine that writes it.

State only: the model is declared here on its existing table, rows untouched. `support` 0006 then
forgets it and hands over its content type and permissions; 0007 renames the table.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("sessions_seats", "0005_seatsession_ended_by"),
        ("support", "0005_upgrade_request_permissions"),
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ForcedLogout",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ("actor_email", models.EmailField(max_length=254)),
                        ("actor_role", models.CharField(choices=[("support", "Support"), ("company_admin", "Company admin")], max_length=20)),
                        ("target_email", models.EmailField(max_length=254)),
                        ("company_name", models.CharField(max_length=200)),
                        ("reason", models.TextField()),
                        ("requested_by", models.CharField(blank=True, help_text="Who asked for it, if someone did.", max_length=200)),
                        ("sessions_ended", models.PositiveIntegerField()),
                        ("warned_at", models.DateTimeField(blank=True, help_text="When the user was shown a countdown before being signed out; empty: at once.", null=True)),
                        ("actor", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("company", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="forced_logouts", to="accounts.company")),
                        ("target", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="forced_logouts", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "ordering": ["-at"],
                        "permissions": [("force_logout", "Can force users to log out")],
                        "db_table": "support_forcedlogout",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
