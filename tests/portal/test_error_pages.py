"""No dead ends: a refused page, a missing page and a server error each answer in the portal's
look, say what happened and offer a way home; the staff console keeps Django's plain answers."""

import pytest
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse

from ..conftest import sign_in
from ..factories import StaffFactory

STYLESHEET = '<link rel="stylesheet" href="/static/css/portal.css">'
HOME_LINK = '<a class="button" href="/">Go to the home page</a>'


@pytest.fixture
def member_client(members) -> Client:
    client = Client()
    assert sign_in(client, members[0]).status_code == 302
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["portal:users", "portal:usage", "portal:ledger"])
def test_a_member_opening_an_admin_page_gets_the_styled_403_with_a_way_home(member_client, name):
    response = member_client.get(reverse(name))

    page = response.content.decode()
    assert response.status_code == 403
    assert STYLESHEET in page
    assert "You cannot open this page" in page
    assert "Only company admins can open this page." in page
    assert "You are signed in as user1@acme.example." in page
    assert HOME_LINK in page
    assert "403 Forbidden" not in page


@pytest.mark.django_db
def test_the_403_page_says_why_a_staff_member_cannot_request_licenses(company):
    client = Client()
    client.force_login(StaffFactory())

    response = client.get(reverse("portal:license_request"))

    assert response.status_code == 403
    assert "Staff do not buy licenses." in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_address_gets_the_styled_404_naming_it(member_client, settings):
    assert settings.DEBUG is False  # the debug page would answer instead

    response = member_client.get("/no/such/page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert STYLESHEET in page
    assert "Page not found" in page
    assert "There is no page at <code>/no/such/page/</code>" in page
    assert HOME_LINK in page


@pytest.mark.django_db
def test_a_signed_out_visitor_gets_the_styled_404_too():
    response = Client().get("/no/such/page/")

    assert response.status_code == 404
    assert HOME_LINK in response.content.decode()


def test_the_500_page_renders_in_the_portal_look_without_a_database_or_context():
    # No django_db mark: any query would fail this test.
    handler = get_resolver().resolve_error_handler(500)

    response = handler(RequestFactory().get("/licenses/usage/"))

    page = response.content.decode()
    assert response.status_code == 500
    assert STYLESHEET in page
    assert "Something went wrong on our side" in page
    assert HOME_LINK in page


@pytest.mark.django_db
def test_a_view_that_fails_answers_with_the_styled_500(member_client, monkeypatch):
    from portal.views import home

    def broken(*args, **kwargs):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(home, "render", broken)
    member_client.raise_request_exception = False

    response = member_client.get(reverse("home"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_the_staff_console_keeps_djangos_own_404(superuser):
    client = Client()
    client.force_login(superuser)

    response = client.get("/admin/no/such/page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Not Found</h1>" in page
    assert STYLESHEET not in page


@pytest.mark.django_db
def test_the_staff_console_keeps_djangos_own_403(account_manager):
    client = Client()
    client.force_login(account_manager)

    response = client.get(reverse("admin:auth_group_add"))

    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>403 Forbidden</h1>" in page
    assert STYLESHEET not in page
