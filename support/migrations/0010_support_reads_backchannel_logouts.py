"""Support reads back-channel logouts in the staff console, to follow up with an application that
was not told someone signed out. Account managers get nothing here, as for the rest of single
sign-on (migration 0009)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {"Support": {"single_sign_on": ["view_backchanneldelivery"]}}


def _permissions(apps, app_label, codenames):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)


def grant(apps, schema_editor):
    # Permissions are normally made after `migrate` ends; the grant needs them now.
    app_config = apps.get_app_config("single_sign_on")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    for name, by_app in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codenames in by_app.items():
            group.permissions.add(*_permissions(apps, app_label, codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, by_app in GRANTS.items():
        for group in Group.objects.filter(name=name):
            for app_label, codenames in by_app.items():
                group.permissions.remove(*_permissions(apps, app_label, codenames))


class Migration(migrations.Migration):

    dependencies = [
        ("support", "0009_support_reads_single_sign_on"),
        ("single_sign_on", "0002_backchannel_delivery"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
