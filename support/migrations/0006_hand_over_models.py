"""The staff console keeps no records of its own any more: its three models move to the apps that
own them (docs/DESIGN.md, layout). Rows stay where they are (the new apps rename the tables); here
the state forgets them, and their content types and permissions follow them, so groups, users and
admin log entries keep pointing at the same rows.

- ForcedLogout → sessions_seats (the engine writes the audit with the forced logout)
- UpgradeRequest → license_requests, renamed LicenseRequest there (codenames follow)
- DigestSubscription → usage (the weekly digest)
- the "view_all_companies" permission (tenancy) → accounts.Company
"""

from django.db import migrations

LICENSE_REQUEST_RENAMES = {
    f"{action}_upgraderequest": (f"{action}_licenserequest", f"Can {action} license request")
    for action in ("add", "change", "delete", "view")
}

MOVES = [
    (("support", "forcedlogout"), ("sessions_seats", "forcedlogout"), {}),
    (("support", "upgraderequest"), ("license_requests", "licenserequest"), LICENSE_REQUEST_RENAMES),
    (("support", "digestsubscription"), ("usage", "digestsubscription"), {}),
]


def _adopt(Permission, permission, content_type, codename, name):
    """Give `permission` to `content_type` as `codename`; merged into an existing one if there."""
    twin = (
        Permission.objects.filter(content_type=content_type, codename=codename)
        .exclude(pk=permission.pk)
        .first()
    )
    if twin is None:
        permission.content_type = content_type
        permission.codename = codename
        permission.name = name
        permission.save()
        return
    twin.group_set.add(*permission.group_set.all())
    twin.user_set.add(*permission.user_set.all())
    permission.delete()


def _move(apps, old, new, renames):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    source = ContentType.objects.filter(app_label=old[0], model=old[1]).first()
    if source is None:
        return  # nothing made yet: permissions are created for the new model after migrate
    target = ContentType.objects.filter(app_label=new[0], model=new[1]).first()
    if target is None:
        source.app_label, source.model = new
        source.save()
        target = source
    for permission in list(Permission.objects.filter(content_type__in={source.pk, target.pk})):
        codename, name = renames.get(permission.codename, (permission.codename, permission.name))
        _adopt(Permission, permission, target, codename, name)
    if target.pk != source.pk:
        source.delete()


def _move_permission(apps, codename, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label=old[0], content_type__model=old[1], codename=codename
    ).first()
    if permission is None:
        return
    target, _ = ContentType.objects.get_or_create(app_label=new[0], model=new[1])
    _adopt(Permission, permission, target, codename, permission.name)


def hand_over(apps, schema_editor):
    _move_permission(apps, "view_all_companies", ("support", "forcedlogout"), ("accounts", "company"))
    for old, new, renames in MOVES:
        _move(apps, old, new, renames)


def take_back(apps, schema_editor):
    for old, new, renames in MOVES:
        back = {new_codename: (old_codename, name.replace("license request", "upgrade request"))
                for old_codename, (new_codename, name) in renames.items()}
        _move(apps, new, old, back)
    _move_permission(apps, "view_all_companies", ("accounts", "company"), ("support", "forcedlogout"))


class Migration(migrations.Migration):

    dependencies = [
        ("support", "0005_upgrade_request_permissions"),
        ("sessions_seats", "0006_take_over_forcedlogout"),
        ("license_requests", "0001_initial"),
        ("usage", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ForcedLogout"),
                migrations.DeleteModel(name="UpgradeRequest"),
                migrations.DeleteModel(name="DigestSubscription"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(hand_over, take_back),
    ]
