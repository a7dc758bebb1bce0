"""One name: the upgrade request becomes the license request, on tables of this app's own."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("license_requests", "0001_initial"),
        ("support", "0006_hand_over_models"),
        ("sessions_seats", "0005_seatsession_ended_by"),
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables keep their names through the rename (db_table is set), then take this app's.
        migrations.RenameModel(old_name="UpgradeRequest", new_name="LicenseRequest"),
        migrations.AlterModelTable(name="licenserequest", table=None),
        migrations.AlterField(
            model_name="licenserequest",
            name="requesters",
            field=models.ManyToManyField(blank=True, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
    ]
