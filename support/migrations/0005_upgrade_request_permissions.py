"""The staff roles' rights on license requests: account managers answer their companies'
requests, support reads every company's (it changes no license data)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Support": ["view_upgraderequest"],
    "Account managers": ["view_upgraderequest", "change_upgraderequest"],
}


def grant(apps, schema_editor):
    # Permissions are normally made after `migrate` ends; the grants need them now.
    app_config = apps.get_app_config("support")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="support", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="support", codename__in=codenames
                )
            )


class Migration(migrations.Migration):

    dependencies = [
        ("support", "0004_upgrade_requests_and_digest"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
