"""Who reaches which admin page and action: anonymous, company member, company admin, support,
the company's account manager, another account manager, superuser (docs/DESIGN.md rule 9)."""

from dataclasses import dataclass

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from accounts.models import Company, User
from sessions_seats.forced_logout import force_logout
from sessions_seats.models import ForcedLogout, Seat, SeatSession

from ..conftest import sign_in
from ..factories import LoginDenialFactory, UserFactory, seated

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "company_admin", "support", "own_am", "other_am", "superuser"]
OK, LOGIN, DENIED, MISSING = 200, "login", 403, 404


@dataclass
class World:
    company: Company
    member: User
    seat: Seat
    record: ForcedLogout


@pytest.fixture
def world(company, members, support_agent) -> World:
    seat = seated(members[1], devices=2)
    [record] = force_logout(actor=support_agent, seats=[seated(members[2])], reason="audit me")
    LoginDenialFactory(user=members[3])
    return World(company=company, member=members[1], seat=seat, record=record)


@pytest.fixture
def as_role(
    request, world, members, support_agent, account_manager, other_account_manager, superuser
):
    def make(role: str) -> Client:
        client = Client()
        if role == "member":
            sign_in(client, members[0])
        elif role == "company_admin":
            sign_in(client, UserFactory(company=world.company, role="admin"))
        elif role != "anonymous":
            staff = {
                "support": support_agent,
                "own_am": account_manager,
                "other_am": other_account_manager,
                "superuser": superuser,
            }[role]
            client.force_login(staff)
        return client

    return make


def pages(w: World) -> dict[str, str]:
    seat_id, company_id = w.seat.pk, w.company.pk
    entitlement_id = w.company.entitlements.get().pk
    denial_id = w.company.login_denials.get().pk
    return {
        "index": reverse("admin:index"),
        "company list": reverse("admin:accounts_company_changelist"),
        "company change": reverse("admin:accounts_company_change", args=[company_id]),
        "company history": reverse("admin:accounts_company_history", args=[company_id]),
        "company add": reverse("admin:accounts_company_add"),
        "company delete": reverse("admin:accounts_company_delete", args=[company_id]),
        "user list": reverse("admin:accounts_user_changelist"),
        "user change": reverse("admin:accounts_user_change", args=[w.member.pk]),
        "seat list": reverse("admin:sessions_seats_seat_changelist"),
        "seat change": reverse("admin:sessions_seats_seat_change", args=[seat_id]),
        "force logout page": reverse("admin:sessions_seats_seat_force_logout")
        + f"?user={w.member.pk}",
        "entitlement list": reverse("admin:sessions_seats_entitlement_changelist"),
        "entitlement change": reverse(
            "admin:sessions_seats_entitlement_change", args=[entitlement_id]
        ),
        "entitlement add": reverse("admin:sessions_seats_entitlement_add"),
        "entitlement delete": reverse(
            "admin:sessions_seats_entitlement_delete", args=[entitlement_id]
        ),
        "denial list": reverse("admin:sessions_seats_logindenial_changelist"),
        "denial change": reverse("admin:sessions_seats_logindenial_change", args=[denial_id]),
        "package list": reverse("admin:sessions_seats_licensepackage_changelist"),
        "audit list": reverse("admin:sessions_seats_forcedlogout_changelist"),
        "audit change": reverse("admin:sessions_seats_forcedlogout_change", args=[w.record.pk]),
        "audit add": reverse("admin:sessions_seats_forcedlogout_add"),
        "audit delete": reverse("admin:sessions_seats_forcedlogout_delete", args=[w.record.pk]),
        "audit csv": reverse("admin:sessions_seats_forcedlogout_export"),
        "company autocomplete": reverse("admin:autocomplete")
        + "?app_label=sessions_seats&model_name=entitlement&field_name=company",
    }


# Columns: support, own_am, other_am, superuser. Company users and anonymous: always LOGIN.
MATRIX = {
    "index": (OK, OK, OK, OK),
    "company list": (OK, OK, OK, OK),
    "company change": (OK, OK, MISSING, OK),
    "company history": (OK, OK, MISSING, OK),
    "company add": (DENIED, DENIED, DENIED, OK),
    "company delete": (DENIED, DENIED, MISSING, OK),
    "user list": (OK, DENIED, DENIED, OK),
    "user change": (OK, DENIED, MISSING, OK),
    "seat list": (OK, OK, OK, OK),
    "seat change": (OK, OK, MISSING, OK),
    "force logout page": (OK, DENIED, DENIED, OK),
    "entitlement list": (OK, OK, OK, OK),
    "entitlement change": (OK, OK, MISSING, OK),
    "entitlement add": (DENIED, OK, OK, OK),
    "entitlement delete": (DENIED, DENIED, MISSING, OK),
    "denial list": (OK, OK, OK, OK),
    "denial change": (OK, OK, MISSING, OK),
    "package list": (OK, OK, OK, OK),
    "audit list": (OK, DENIED, DENIED, OK),
    "audit change": (OK, DENIED, MISSING, OK),
    "audit add": (DENIED, DENIED, DENIED, DENIED),
    "audit delete": (DENIED, DENIED, MISSING, DENIED),
    "audit csv": (OK, DENIED, DENIED, OK),
    "company autocomplete": (OK, OK, OK, OK),
}
STAFF_COLUMNS = ["support", "own_am", "other_am", "superuser"]


def expected(page: str, role: str):
    if role not in STAFF_COLUMNS:
        return LOGIN
    return MATRIX[page][STAFF_COLUMNS.index(role)]


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_page_for_every_role(as_role, world, role):
    client = as_role(role)
    got = {}
    for page, url in pages(world).items():
        response = client.get(url)
        if response.status_code == 302 and "login" in response["Location"]:
            got[page] = LOGIN
        else:
            got[page] = response.status_code
    assert got == {page: expected(page, role) for page in MATRIX}


def test_matrix_covers_every_page(world):
    assert set(pages(world)) == set(MATRIX)


@pytest.mark.parametrize(
    ("role", "signs_out"),
    [
        ("anonymous", False),
        ("member", False),
        ("company_admin", False),
        ("support", True),
        ("own_am", False),
        ("other_am", False),
        ("superuser", True),
    ],
)
def test_force_logout_action_for_every_role(as_role, world, role, signs_out):
    client = as_role(role)
    changelist = reverse("admin:sessions_seats_seat_changelist")
    selection = {"action": "force_logout", ACTION_CHECKBOX_NAME: [world.seat.pk]}

    first = client.post(changelist, selection)
    client.post(
        changelist,
        {
            **selection,
            "post": "yes",
            "reason": "matrix",
            "acknowledge": "on",
            "when": "now",
            "delay_minutes": "5",
        },
    )

    # Only those who may act ever see the confirmation page.
    shows_confirmation = first.status_code == 200 and b"unsaved work" in first.content
    assert shows_confirmation is signs_out
    still_open = SeatSession.objects.filter(seat=world.seat, ended_at__isnull=True).count()
    assert still_open == (0 if signs_out else 2)
    assert ForcedLogout.objects.filter(reason="matrix").exists() is signs_out


@pytest.mark.parametrize(
    ("role", "may_change"), [("own_am", True), ("other_am", False), ("support", False)]
)
def test_company_change_post_for_staff_roles(as_role, world, role, may_change):
    client = as_role(role)
    url = reverse("admin:accounts_company_change", args=[world.company.pk])

    response = client.post(
        url,
        {
            "name": "Acme Renamed",
            "slug": "acme",
            "is_active": "on",
            "entitlements-TOTAL_FORMS": "0",
            "entitlements-INITIAL_FORMS": "0",
            "entitlements-MIN_NUM_FORMS": "0",
            "entitlements-MAX_NUM_FORMS": "1000",
            "email_domains-TOTAL_FORMS": "0",
            "email_domains-INITIAL_FORMS": "0",
            "email_domains-MIN_NUM_FORMS": "0",
            "email_domains-MAX_NUM_FORMS": "1000",
        },
    )

    world.company.refresh_from_db()
    assert (world.company.name == "Acme Renamed") is may_change
    assert response.status_code == (302 if may_change else {"other_am": 404, "support": 403}[role])
