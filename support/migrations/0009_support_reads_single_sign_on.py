"""Support reads single sign-on in the staff console: the registered applications (with their
settings) and the app sign-ins. Only superusers change or delete applications; account managers
get nothing here: which applications exist is not a license matter of their companies."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Support": {
        "oauth2_provider": ["view_application"],
        "single_sign_on": ["view_appsettings", "view_appsession"],
    }
}


def _permissions(apps, app_label, codenames):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)


def grant(apps, schema_editor):
    # Permissions are normally made after `migrate` ends; the grants need them now.
    for app_label in ("oauth2_provider", "single_sign_on"):
        app_config = apps.get_app_config(app_label)
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
        ("support", "0008_company_email_domain_rights"),
        ("single_sign_on", "0001_initial"),
        ("oauth2_provider", "0022_refreshtoken_token_family_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
