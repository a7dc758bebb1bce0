from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("usage", "0001_initial"),
        ("support", "0006_hand_over_models"),
    ]

    operations = [
        # Renames support_digestsubscription to usage_digestsubscription; the rows stay.
        migrations.AlterModelTable(name="digestsubscription", table=None),
    ]
