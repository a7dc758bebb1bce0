"""Support lifts brute-force lockouts: it may read django-axes' access attempts and delete them
(deleting a locked email/ip pair's, or address's, attempts lets it sign in again). Before this
only superusers could. Account managers get nothing here: lockouts are not a license matter."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {"Support": ["view_accessattempt", "delete_accessattempt"]}


def grant(apps, schema_editor):
    # Permissions are normally made after `migrate` ends; the grants need them now.
    app_config = apps.get_app_config("axes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="axes", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="axes", codename__in=codenames)
            )


class Migration(migrations.Migration):

    dependencies = [
        ("support", "0006_hand_over_models"),
        ("axes", "0010_accessattemptexpiration"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
