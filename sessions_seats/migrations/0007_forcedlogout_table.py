from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("sessions_seats", "0006_take_over_forcedlogout"),
        ("support", "0006_hand_over_models"),
    ]

    operations = [
        # Renames support_forcedlogout to sessions_seats_forcedlogout; the rows stay.
        migrations.AlterModelTable(name="forcedlogout", table=None),
    ]
