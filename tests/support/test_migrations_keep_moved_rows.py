"""Moving the staff console's models to their apps keeps rows, content types and permissions."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db(transaction=True)

# A database as it stood before the move. `accounts` 0002 is part of the move: it is left out on
# purpose, as it was in production (the permission it declares came later, by the hand-over).
BEFORE_THE_MOVE = [
    ("accounts", "0001_initial"),
    ("sessions_seats", "0005_seatsession_ended_by"),
    ("support", "0005_upgrade_request_permissions"),
    ("portal", "0001_initial"),
    ("admin", "0003_logentry_add_action_flag_choices"),
    ("sessions", "0001_initial"),
]
# Rolling back also forgets the apps that the move created.
BACK_BEFORE_THE_MOVE = [*BEFORE_THE_MOVE, ("license_requests", None), ("usage", None)]
AFTER_THE_MOVE = [
    ("accounts", "0002_company_view_all_companies"),
    ("sessions_seats", "0007_forcedlogout_table"),
    ("license_requests", "0003_licenserequest_names"),
    ("usage", "0002_digestsubscription_table"),
    ("support", "0006_hand_over_models"),
    ("portal", "0001_initial"),
]

OLD_TABLES = {
    "support_forcedlogout",
    "support_upgraderequest",
    "support_upgraderequest_requesters",
    "support_digestsubscription",
}
NEW_TABLES = {
    "sessions_seats_forcedlogout",
    "license_requests_licenserequest",
    "license_requests_licenserequest_requesters",
    "usage_digestsubscription",
}

# Permission codename before the move → (app_label, model, codename) after it.
PERMISSION_MOVES = {
    "force_logout": ("sessions_seats", "forcedlogout", "force_logout"),
    "view_forcedlogout": ("sessions_seats", "forcedlogout", "view_forcedlogout"),
    "view_all_companies": ("accounts", "company", "view_all_companies"),
    "view_upgraderequest": ("license_requests", "licenserequest", "view_licenserequest"),
    "change_upgraderequest": ("license_requests", "licenserequest", "change_licenserequest"),
    "view_digestsubscription": ("usage", "digestsubscription", "view_digestsubscription"),
}
# Model before the move → (app_label, model) after it.
CONTENT_TYPE_MOVES = {
    "forcedlogout": ("sessions_seats", "forcedlogout"),
    "upgraderequest": ("license_requests", "licenserequest"),
    "digestsubscription": ("usage", "digestsubscription"),
}
GROUPS = ("Support", "Account managers")
WARNED_AT = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)


def _seed(apps) -> dict:
    """Records of every moved model, made with the models of before the move; their ids."""
    Company = apps.get_model("accounts", "Company")
    User = apps.get_model("accounts", "User")
    LicensePackage = apps.get_model("sessions_seats", "LicensePackage")
    Entitlement = apps.get_model("sessions_seats", "Entitlement")
    ForcedLogout = apps.get_model("support", "ForcedLogout")
    UpgradeRequest = apps.get_model("support", "UpgradeRequest")
    DigestSubscription = apps.get_model("support", "DigestSubscription")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    LogEntry = apps.get_model("admin", "LogEntry")

    staff = User.objects.create(email="am@foundry.example", full_name="Ann Manager", is_staff=True)
    company = Company.objects.create(name="Acme Foods", slug="acme", account_manager=staff)
    admin = User.objects.create(
        email="admin@acme.example", full_name="Ada Admin", company=company, role="admin"
    )
    member = User.objects.create(
        email="member@acme.example", full_name="Max Member", company=company
    )
    package = LicensePackage.objects.get(name="3 users")  # from the catalogue migration
    entitlement = Entitlement.objects.create(
        company=company, package=package, quantity=2, assigned_by=staff
    )
    forced_logout = ForcedLogout.objects.create(
        actor=staff,
        actor_email=staff.email,
        actor_role="support",
        target=member,
        target_email=member.email,
        company=company,
        company_name=company.name,
        reason="Laptop stolen",
        requested_by="Ada Admin",
        sessions_ended=2,
        warned_at=WARNED_AT,
    )
    request = UpgradeRequest.objects.create(
        company=company,
        requested_by=admin,
        package=package,
        quantity=2,
        note="Two more teams start in May.",
        status="fulfilled",
        merged_count=1,
        fulfilled_by=entitlement,
        decided_by=staff,
        decision_note="Done.",
    )
    request.requesters.set([admin, member])
    subscription = DigestSubscription.objects.create(user=admin)

    permissions = {
        codename: Permission.objects.get(content_type__app_label="support", codename=codename).pk
        for codename in PERMISSION_MOVES
    }
    staff.user_permissions.add(permissions["change_upgraderequest"])
    staff.groups.add(*Group.objects.filter(name__in=GROUPS))
    request_type = ContentType.objects.get(app_label="support", model="upgraderequest")
    log_entry = LogEntry.objects.create(
        user=staff,
        content_type=request_type,
        object_id=str(request.pk),
        object_repr="2 × 3 users for Acme Foods",
        action_flag=2,
        change_message="Fulfilled",
    )
    return {
        "staff": staff.pk,
        "company": company.pk,
        "admin": admin.pk,
        "member": member.pk,
        "package": package.pk,
        "entitlement": entitlement.pk,
        "forced_logout": forced_logout.pk,
        "request": request.pk,
        "subscription": subscription.pk,
        "log_entry": log_entry.pk,
        "permissions": permissions,
        "content_types": {
            model: ContentType.objects.get(app_label="support", model=model).pk
            for model in CONTENT_TYPE_MOVES
        },
    }


def _group_permissions(apps) -> dict[str, set[int]]:
    Group = apps.get_model("auth", "Group")
    return {
        group.name: set(group.permissions.values_list("pk", flat=True))
        for group in Group.objects.filter(name__in=GROUPS)
    }


def _permission_names(apps, ids) -> set[tuple[str, str, str]]:
    Permission = apps.get_model("auth", "Permission")
    return set(
        Permission.objects.filter(pk__in=ids).values_list(
            "content_type__app_label", "content_type__model", "codename"
        )
    )


def _content_type(apps, pk: int) -> tuple[str, str]:
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.values_list("app_label", "model").get(pk=pk)


def _constraint_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


def _start_before_the_move(migrator):
    # A clean database up to the users, then only what existed before the move: the plan of
    # `apply_initial_migration` alone would also take `accounts` 0002 and `usage` 0001.
    migrator.apply_initial_migration([("accounts", "0001_initial")])
    old_state = migrator.apply_tested_migration(BEFORE_THE_MOVE)
    applied = set(MigrationRecorder(connection).applied_migrations())
    assert not {key for key in applied if key[0] in {"usage", "license_requests"}}
    assert ("sessions_seats", "0006_take_over_forcedlogout") not in applied
    assert ("accounts", "0002_company_view_all_companies") not in applied
    assert set(connection.introspection.table_names()) >= OLD_TABLES
    return old_state


def test_moved_records_keep_their_ids_and_values(migrator):
    old_state = _start_before_the_move(migrator)
    ids = _seed(old_state.apps)

    new_state = migrator.apply_tested_migration(AFTER_THE_MOVE)
    apps = new_state.apps

    record = apps.get_model("sessions_seats", "ForcedLogout").objects.get(pk=ids["forced_logout"])
    assert (record.actor_id, record.target_id, record.company_id) == (
        ids["staff"],
        ids["member"],
        ids["company"],
    )
    assert (record.reason, record.actor_role, record.company_name) == (
        "Laptop stolen",
        "support",
        "Acme Foods",
    )
    assert (record.actor_email, record.target_email) == (
        "am@foundry.example",
        "member@acme.example",
    )
    assert (record.requested_by, record.sessions_ended, record.warned_at) == (
        "Ada Admin",
        2,
        WARNED_AT,
    )

    request = apps.get_model("license_requests", "LicenseRequest").objects.get(pk=ids["request"])
    assert (request.status, request.quantity, request.note, request.merged_count) == (
        "fulfilled",
        2,
        "Two more teams start in May.",
        1,
    )
    assert (request.package_id, request.company_id, request.requested_by_id) == (
        ids["package"],
        ids["company"],
        ids["admin"],
    )
    assert (request.fulfilled_by_id, request.decided_by_id, request.decision_note) == (
        ids["entitlement"],
        ids["staff"],
        "Done.",
    )
    assert set(request.requesters.values_list("pk", flat=True)) == {ids["admin"], ids["member"]}

    subscription = apps.get_model("usage", "DigestSubscription").objects.get(pk=ids["subscription"])
    assert subscription.user_id == ids["admin"]

    tables = set(connection.introspection.table_names())
    assert not OLD_TABLES & tables
    assert tables >= NEW_TABLES


def test_moved_permissions_keep_their_ids_groups_and_users(migrator):
    old_state = _start_before_the_move(migrator)
    ids = _seed(old_state.apps)
    groups_before = _group_permissions(old_state.apps)
    permissions = ids["permissions"]
    assert {permissions["force_logout"], permissions["view_all_companies"]} <= groups_before[
        "Support"
    ]
    assert {permissions["view_upgraderequest"], permissions["change_upgraderequest"]} <= (
        groups_before["Account managers"]
    )

    new_state = migrator.apply_tested_migration(AFTER_THE_MOVE)
    apps = new_state.apps
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")

    for codename, moved in PERMISSION_MOVES.items():
        assert _permission_names(apps, [permissions[codename]]) == {moved}, codename
        assert Permission.objects.filter(codename=moved[2]).count() == 1, moved
    for model, (app_label, new_model) in CONTENT_TYPE_MOVES.items():
        assert _content_type(apps, ids["content_types"][model]) == (
            app_label,
            new_model,
        )
    assert not ContentType.objects.filter(app_label="support", model__in=CONTENT_TYPE_MOVES)
    assert not Permission.objects.filter(codename__endswith="_upgraderequest")

    assert _group_permissions(apps) == groups_before
    staff = apps.get_model("accounts", "User").objects.get(pk=ids["staff"])
    assert set(staff.user_permissions.values_list("pk", flat=True)) == {
        permissions["change_upgraderequest"]
    }
    log_entry = apps.get_model("admin", "LogEntry").objects.get(pk=ids["log_entry"])
    assert _content_type(apps, log_entry.content_type_id) == ("license_requests", "licenserequest")


def test_license_request_index_and_constraints_take_the_new_names(migrator):
    _start_before_the_move(migrator)
    migrator.apply_tested_migration(AFTER_THE_MOVE)

    names = _constraint_names("license_requests_licenserequest")
    assert {
        "licenserequest_queue",
        "licenserequest_one_open_per_company",
        "licenserequest_quantity_at_least_one",
    } <= names
    assert not {name for name in names if name.startswith("upgraderequest_")}


def test_migrating_back_gives_the_staff_console_its_records_and_permissions(migrator):
    old_state = _start_before_the_move(migrator)
    ids = _seed(old_state.apps)
    groups_before = _group_permissions(old_state.apps)
    names_before = _permission_names(old_state.apps, ids["permissions"].values())
    migrator.apply_tested_migration(AFTER_THE_MOVE)

    back_state = migrator.apply_tested_migration(BACK_BEFORE_THE_MOVE)
    apps = back_state.apps
    Permission = apps.get_model("auth", "Permission")

    tables = set(connection.introspection.table_names())
    assert tables >= OLD_TABLES
    assert not NEW_TABLES & tables
    for model, content_type in ids["content_types"].items():
        assert _content_type(apps, content_type) == ("support", model)
    assert _permission_names(apps, ids["permissions"].values()) == names_before
    assert not Permission.objects.filter(codename__endswith="_licenserequest")
    assert _group_permissions(apps) == groups_before

    request = apps.get_model("support", "UpgradeRequest").objects.get(pk=ids["request"])
    assert set(request.requesters.values_list("pk", flat=True)) == {ids["admin"], ids["member"]}
    record = apps.get_model("support", "ForcedLogout").objects.get(pk=ids["forced_logout"])
    assert record.reason == "Laptop stolen"
    subscription = apps.get_model("support", "DigestSubscription").objects.get(
        pk=ids["subscription"]
    )
    assert subscription.user_id == ids["admin"]
