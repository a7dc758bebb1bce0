"""The staff roles' rights on companies' email domains (where company admins may add people):
account managers set them for their own companies (the admin scopes them to those), support
reads every company's."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Support": ["view_companyemaildomain"],
    "Account managers": [
        "view_companyemaildomain",
        "add_companyemaildomain",
        "change_companyemaildomain",
        "delete_companyemaildomain",
    ],
}


def grant(apps, schema_editor):
    # Permissions are normally made after `migrate` ends; the grants need them now.
    app_config = apps.get_app_config("accounts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="accounts", codename__in=codenames
                )
            )


class Migration(migrations.Migration):

    dependencies = [
        ("support", "0007_support_lifts_lockouts"),
        ("accounts", "0004_existing_email_domains"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
