"""Users and Roles narrows the list to who is signed in now, the admins, the invited who never
signed in, or the deactivated; with the search and across pages, and says so when nobody is."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User

from ..conftest import sign_in
from ..factories import CompanyAdminFactory, UserFactory, seated
from .test_portal_users import row_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(company, company_admin) -> dict[str, User]:
    """One of each: signed in now, a second admin, invited (never signed in), deactivated, and a
    member who signed in before but not now."""
    before = timezone.now() - datetime.timedelta(days=2)
    people = {
        "signed_in": UserFactory(company=company, email="sid@acme.example", last_login=before),
        "other_admin": CompanyAdminFactory(
            company=company, email="ada@acme.example", last_login=before
        ),
        "invited": UserFactory(company=company, email="ivy@acme.example"),
        "deactivated": UserFactory(company=company, email="dee@acme.example", last_login=before),
        "away": UserFactory(company=company, email="abe@acme.example", last_login=before),
    }
    seated(people["signed_in"])
    account_services.deactivate(actor=company_admin, user=people["deactivated"])
    return people


def emails_listed(client: Client, **params: str) -> set[str]:
    page = client.get(reverse("portal:users"), params).content.decode()
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return set(re.findall(r'class="muted breakable">([^<]+@[^<]+)</small>', table))


def test_each_filter_lists_only_its_people(admin_client, company_admin, people):
    assert emails_listed(admin_client, show="signed_in") == {
        people["signed_in"].email,
        company_admin.email,
    }
    assert emails_listed(admin_client, show="admins") == {
        people["other_admin"].email,
        company_admin.email,
    }
    assert emails_listed(admin_client, show="invited") == {people["invited"].email}
    assert emails_listed(admin_client, show="deactivated") == {people["deactivated"].email}
    assert len(emails_listed(admin_client)) == 6


def test_a_deactivated_invitee_is_deactivated_not_invited(admin_client, company_admin, people):
    never = UserFactory(company=people["invited"].company, email="nev@acme.example")
    account_services.deactivate(actor=company_admin, user=never)

    assert never.email not in emails_listed(admin_client, show="invited")
    assert never.email in emails_listed(admin_client, show="deactivated")


def test_someone_who_never_signed_in_shows_as_invited_not_active(admin_client, people):
    page = admin_client.get(reverse("portal:users")).content.decode()
    detail = admin_client.get(reverse("portal:user", args=[people["invited"].pk])).content.decode()

    invited = row_of(page, people["invited"].email)
    assert "Invited" in invited and "Never signed in" in invited
    assert '<span class="badge">Active</span>' not in invited
    assert '<span class="badge">Active</span>' in row_of(page, people["away"].email)
    assert '<span class="badge invited">Invited</span>' in detail


def test_signing_in_for_the_first_time_ends_being_invited(admin_client, people):
    assert sign_in(Client(), people["invited"]).status_code == 302

    assert people["invited"].email not in emails_listed(admin_client, show="invited")
    assert people["invited"].email in emails_listed(admin_client, show="signed_in")


def test_a_filter_combines_with_the_search(admin_client, company, people):
    UserFactory(company=company, email="ivan@acme.example", full_name="Ivan Newcomer")

    assert emails_listed(admin_client, show="invited", q="iv") == {
        "ivy@acme.example",
        "ivan@acme.example",
    }
    assert emails_listed(admin_client, show="invited", q="newcomer") == {"ivan@acme.example"}
    assert emails_listed(admin_client, show="signed_in", q="newcomer") == set()


def test_filter_and_search_keep_their_values_across_pages(admin_client, company):
    UserFactory.create_batch(25, company=company, full_name="Pat Example")
    UserFactory.create_batch(3, company=company, full_name="Pat Other", is_active=False)

    first = admin_client.get(reverse("portal:users"), {"show": "invited", "q": "Example"})
    page = first.content.decode()
    second = admin_client.get(
        reverse("portal:users"), {"show": "invited", "q": "Example", "page": 2}
    ).content.decode()

    assert "25 users of Acme Foods · Invited matching “Example”" in page
    assert 'href="?show=invited&amp;q=Example&amp;page=2">Next</a>' in page
    assert "Page 2 of 2" in second
    assert 'href="?show=invited&amp;q=Example&amp;page=1">Previous</a>' in second
    # Searching again keeps the filter; choosing another filter keeps the search, from page 1.
    assert '<input type="hidden" name="show" value="invited">' in second
    assert 'href="?show=deactivated&amp;q=Example">Deactivated</a>' in second
    assert 'href="?q=Example">Everyone</a>' in second
    assert re.search(r'href="\?show=invited&amp;q=Example"\s+aria-current="page">Invited<', second)


@pytest.mark.parametrize(
    ("show", "empty"),
    [
        ("signed_in", "No one signed in right now matches “zz”."),
        ("invited", "No invited user matches “zz”."),
        ("deactivated", "No deactivated user matches “zz”."),
        ("admins", "No admin matches “zz”."),
        ("", "Nobody matches “zz”."),
    ],
)
def test_a_search_that_finds_nobody_says_so_for_its_filter(admin_client, people, show, empty):
    page = admin_client.get(reverse("portal:users"), {"show": show, "q": "zz"}).content.decode()

    assert empty in page


@pytest.mark.parametrize(
    ("show", "empty"),
    [
        (
            "invited",
            "No one is waiting to sign in for the first time: everyone invited has signed in.",
        ),
        ("deactivated", "No one is deactivated: everyone can sign in."),
    ],
)
def test_an_empty_filter_says_why_nobody_is_listed(admin_client, members, show, empty):
    User.objects.filter(company=members[0].company).update(last_login=timezone.now())

    page = admin_client.get(reverse("portal:users"), {"show": show}).content.decode()

    assert empty in page


def test_an_unknown_filter_lists_everyone_and_keeps_the_search(admin_client, people):
    assert emails_listed(admin_client, show="bogus") == emails_listed(admin_client)
    assert emails_listed(admin_client, show="bogus", q="ivy") == {"ivy@acme.example"}


def test_the_current_filter_is_marked_for_everyone(admin_client):
    page = admin_client.get(reverse("portal:users"), {"show": "admins"}).content.decode()

    assert re.search(r'aria-current="page">Admins</a>', page)
    assert page.count('aria-current="page"') == 1
