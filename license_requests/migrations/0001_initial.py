"""License requests move out of the staff console (`support`), still named UpgradeRequest here.

State only: the model is declared on its existing tables, rows untouched. `support` 0006 forgets
it and hands over its content type and permissions; 0002 renames it.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("sessions_seats", "0004_usage_indexes"),
        ("support", "0005_upgrade_request_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="UpgradeRequest",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("quantity", models.PositiveIntegerField(default=1, help_text="How many of that package.")),
                        ("note", models.TextField(blank=True)),
                        ("status", models.CharField(choices=[("open", "Open"), ("fulfilled", "Fulfilled"), ("declined", "Declined")], default="open", max_length=10)),
                        ("merged_count", models.PositiveIntegerField(default=0)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("decision_note", models.TextField(blank=True)),
                        ("company", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="upgrade_requests", to="accounts.company")),
                        ("decided_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("fulfilled_by", models.ForeignKey(blank=True, help_text="The entitlement assigned to answer this request.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="sessions_seats.entitlement")),
                        ("package", models.ForeignKey(help_text="The package wanted.", on_delete=django.db.models.deletion.PROTECT, related_name="+", to="sessions_seats.licensepackage")),
                        ("requested_by", models.ForeignKey(help_text="Who asked first.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="upgrade_requests", to=settings.AUTH_USER_MODEL)),
                        ("requesters", models.ManyToManyField(blank=True, db_table="support_upgraderequest_requesters", related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "ordering": ["-created_at"],
                        "db_table": "support_upgraderequest",
                        "indexes": [models.Index(fields=["status", "created_at"], name="upgraderequest_queue")],
                        "constraints": [
                            models.UniqueConstraint(condition=models.Q(("status", "open")), fields=("company",), name="upgraderequest_one_open_per_company", violation_error_message="This company already has an open request."),
                            models.CheckConstraint(condition=models.Q(("quantity__gte", 1)), name="upgraderequest_quantity_at_least_one", violation_error_message="The quantity must be at least 1."),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
