"""Company pages: usage columns, entitlements inline for account managers, current seat holders,
the idle timeout; an account manager can touch only their own companies."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company
from sessions_seats.models import Entitlement, LicensePackage

from ..factories import EntitlementFactory, LoginDenialFactory, PackageFactory, UserFactory, seated

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_company_changelist")


def change_url(company: Company) -> str:
    return reverse("admin:accounts_company_change", args=[company.pk])


def inline_form(company: Company, **entitlement) -> dict:
    """The company change form as posted, with one new entitlement row."""
    data = {
        "name": company.name,
        "slug": company.slug,
        "is_active": "on",
        "idle_timeout": "",
        "entitlements-TOTAL_FORMS": "1",
        "entitlements-INITIAL_FORMS": "0",
        "entitlements-MIN_NUM_FORMS": "0",
        "entitlements-MAX_NUM_FORMS": "1000",
        "entitlements-0-company": str(company.pk),
        "email_domains-TOTAL_FORMS": "0",
        "email_domains-INITIAL_FORMS": "0",
        "email_domains-MIN_NUM_FORMS": "0",
        "email_domains-MAX_NUM_FORMS": "1000",
    }
    data.update({f"entitlements-0-{key}": str(value) for key, value in entitlement.items()})
    return data


@pytest.fixture
def support_client(client, support_agent) -> Client:
    client.force_login(support_agent)
    return client


def test_changelist_shows_usage_and_denials_sortable(support_client, members, other_company):
    seated(members[0])
    seated(members[1])
    LoginDenialFactory.create_batch(4, user=members[2])
    LoginDenialFactory(user=members[3], at=timezone.now() - datetime.timedelta(days=40))

    response = support_client.get(CHANGELIST)
    rows = {c.name: c for c in response.context["cl"].result_list}

    acme = rows["Acme Foods"]
    assert (acme.seats_in_use, acme.capacity, acme.denials_30d) == (2, 3, 4)
    assert (rows["Globex"].seats_in_use, rows["Globex"].denials_30d) == (0, 0)
    assert "2 / 3" in response.content.decode()
    # Sorting by denials puts Acme (4) after Globex (0), then before it when descending.
    by_denials = [
        c.name for c in support_client.get(CHANGELIST, {"o": "5"}).context["cl"].result_list
    ]
    by_denials_desc = [
        c.name for c in support_client.get(CHANGELIST, {"o": "-5"}).context["cl"].result_list
    ]
    assert by_denials == ["Globex", "Acme Foods"]
    assert by_denials_desc == ["Acme Foods", "Globex"]
    by_use = [c.name for c in support_client.get(CHANGELIST, {"o": "-3"}).context["cl"].result_list]
    assert by_use == ["Acme Foods", "Globex"]


def test_change_page_shows_holders_entitlements_and_idle_timeout(support_client, company, members):
    company.idle_timeout = 45
    company.save()
    seated(members[0], idle=datetime.timedelta(minutes=12))

    page = support_client.get(change_url(company)).content.decode()

    assert "user1@acme.example" in page and "idle 12 min" in page
    assert "1 of 3 seats in use" in page
    assert "45 minutes" in page
    assert "3 users" in page  # the entitlement, shown read-only to support
    assert 'name="entitlements-0-quantity"' not in page


def test_support_cannot_change_a_company(support_client, company):
    response = support_client.post(change_url(company), {**inline_form(company), "name": "Renamed"})

    assert response.status_code == 403
    company.refresh_from_db()
    assert company.name == "Acme Foods"


def test_account_manager_assigns_a_package_inline(client, account_manager, company):
    client.force_login(account_manager)
    page = client.get(change_url(company)).content.decode()
    assert 'name="entitlements-TOTAL_FORMS"' in page
    ten = PackageFactory(seats=10)

    response = client.post(
        change_url(company),
        inline_form(company, package=ten.pk, quantity=2, starts_on=timezone.localdate()),
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    new = Entitlement.objects.get(company=company, package=ten)
    assert (new.quantity, new.assigned_by) == (2, account_manager)


def test_account_manager_cannot_hand_the_company_to_someone_else(client, account_manager, company):
    client.force_login(account_manager)
    other_staff = UserFactory(company=None, is_staff=True, email="x@foundry.example")

    client.post(change_url(company), {**inline_form(company), "account_manager": other_staff.pk})

    company.refresh_from_db()
    assert company.account_manager == account_manager


def test_bad_entitlement_input_is_refused_and_changes_nothing(client, account_manager, company):
    client.force_login(account_manager)
    before = Entitlement.objects.count()
    today = timezone.localdate()

    response = client.post(
        change_url(company),
        inline_form(
            company,
            package=LicensePackage.objects.get(seats=3).pk,
            quantity=0,
            starts_on=today,
            ends_on=today - datetime.timedelta(days=1),
        ),
    )

    assert response.status_code == 200
    assert Entitlement.objects.count() == before


def test_account_manager_sees_only_their_companies(client, account_manager, company, other_company):
    client.force_login(account_manager)

    listed = [c.name for c in client.get(CHANGELIST).context["cl"].result_list]

    assert listed == ["Acme Foods"]
    assert client.get(change_url(other_company)).status_code == 404


def test_tampered_entitlement_for_another_company_is_refused(
    client, account_manager, company, other_company
):
    client.force_login(account_manager)
    add = reverse("admin:sessions_seats_entitlement_add")
    package = LicensePackage.objects.get(seats=3)

    response = client.post(
        add,
        {
            "company": other_company.pk,
            "package": package.pk,
            "quantity": 5,
            "starts_on": "2020-01-01",
        },
    )

    assert response.status_code == 200  # the form again, with an error on company
    assert "company" in response.context["adminform"].form.errors
    assert not Entitlement.objects.filter(company=other_company, quantity=5).exists()
    # Their own company works through the same form.
    ok = client.post(
        add,
        {"company": company.pk, "package": package.pk, "quantity": 5, "starts_on": "2020-01-01"},
    )
    assert ok.status_code == 302
    assert Entitlement.objects.get(company=company, quantity=5).assigned_by == account_manager


def test_tampered_entitlement_of_another_company_cannot_be_changed(
    client, account_manager, other_company
):
    theirs = EntitlementFactory(company=other_company, quantity=1)
    client.force_login(account_manager)
    url = reverse("admin:sessions_seats_entitlement_change", args=[theirs.pk])

    assert client.get(url).status_code == 404
    response = client.post(
        url,
        {
            "company": other_company.pk,
            "package": theirs.package_id,
            "quantity": 9,
            "starts_on": "2020-01-01",
        },
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.quantity == 1


def test_company_autocomplete_lists_only_their_companies(
    client, account_manager, company, other_company
):
    client.force_login(account_manager)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "sessions_seats", "model_name": "entitlement", "field_name": "company"},
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Acme Foods"]
