"""The staff roles as groups. Permissions are frozen here, as they were when the roles were made."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT = "Support"
ACCOUNT_MANAGERS = "Account managers"

ROLES = {
    # Support sees every company and may force a logout; it changes no license data.
    SUPPORT: [
        "accounts.view_company",
        "accounts.view_user",
        "sessions_seats.view_licensepackage",
        "sessions_seats.view_entitlement",
        "sessions_seats.view_seat",
        "sessions_seats.view_seatsession",
        "sessions_seats.view_logindenial",
        "support.view_forcedlogout",
        "support.force_logout",
        "support.view_all_companies",
    ],
    # Account managers sell packages to their own companies (the admin scopes them to those).
    # No deleting entitlements: a package that ended gets an end date and stays as history.
    ACCOUNT_MANAGERS: [
        "accounts.view_company",
        "accounts.change_company",
        "sessions_seats.view_licensepackage",
        "sessions_seats.view_entitlement",
        "sessions_seats.add_entitlement",
        "sessions_seats.change_entitlement",
        "sessions_seats.view_seat",
        "sessions_seats.view_seatsession",
        "sessions_seats.view_logindenial",
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally made after `migrate` ends; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("support", "0002_warned_at_and_company_scope"),
        ("accounts", "0001_initial"),
        ("sessions_seats", "0003_seat_logout_scheduled_at"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
