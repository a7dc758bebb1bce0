from django.db import migrations

CATALOGUE = [("Single user", 1), ("3 users", 3), ("10 users", 10), ("25 users", 25)]


def create_catalogue(apps, schema_editor):
    LicensePackage = apps.get_model("sessions_seats", "LicensePackage")
    for name, seats in CATALOGUE:
        LicensePackage.objects.update_or_create(name=name, defaults={"seats": seats})


class Migration(migrations.Migration):
    dependencies = [("sessions_seats", "0001_initial")]

    # Reversing keeps the packages: entitlements may refer to them.
    operations = [migrations.RunPython(create_catalogue, migrations.RunPython.noop)]
