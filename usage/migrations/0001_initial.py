"""The weekly digest's subscriptions move out of the staff console (`support`).

State only: the model is declared on its existing table, rows untouched. `support` 0006 forgets
it and hands over its content type and permissions; 0002 renames the table.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("support", "0005_upgrade_request_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DigestSubscription",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="digest_subscription", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"db_table": "support_digestsubscription"},
                ),
            ],
            database_operations=[],
        ),
    ]
