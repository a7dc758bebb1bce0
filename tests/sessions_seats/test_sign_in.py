"""Sign-in claims a seat, joins the user's seat from another device, or is refused clearly."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from sessions_seats.models import LoginDenial, Seat, SeatSession

from ..conftest import sign_in
from ..factories import CompanyFactory, EntitlementFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_claims_a_seat_bound_to_the_new_session(client, members):
    response = sign_in(client, members[0], HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 302
    assert response.url == reverse("home")
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)
    seat_session = seat.sessions.get()
    assert seat_session.session_key == client.session.session_key
    assert seat_session.ip == "10.1.2.3"
    assert seat_session.user_agent == "Firefox/140"
    assert seat_session.ended_at is None


def test_email_is_matched_whatever_its_case(client, members):
    response = client.post(
        reverse("login"),
        {"username": "USER1@Acme.Example", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert Seat.objects.filter(user=members[0], released_at__isnull=True).exists()


def test_second_device_joins_the_same_seat(members):
    first, second = Client(), Client()
    sign_in(first, members[0])
    sign_in(second, members[0])

    seat = Seat.objects.get(user=members[0])
    assert seat.released_at is None
    assert seat.sessions.filter(ended_at__isnull=True).count() == 2
    assert Seat.objects.filter(released_at__isnull=True).count() == 1


def test_second_device_is_let_in_even_when_all_seats_are_taken(members):
    for member in members[:3]:
        sign_in(Client(), member)

    response = sign_in(Client(), members[0])

    assert response.status_code == 302
    assert Seat.objects.filter(released_at__isnull=True).count() == 3


def test_sign_in_is_refused_when_all_seats_are_taken(members):
    for member in members[:3]:
        assert sign_in(Client(), member).status_code == 302
    refused = Client()

    response = sign_in(refused, members[3])

    assert response.status_code == 403
    page = response.content.decode()
    assert "All 3 concurrent licenses of Acme Foods are in use" in page
    assert "Do you have enough licenses?" in page
    assert "your account manager" in page
    assert "Avery Morgan" in page
    manager_email = members[0].company.account_manager.email
    assert f'href="mailto:{manager_email}"' in page
    # No session was created for the refused browser, and the refusal is on record.
    assert "_auth_user_id" not in refused.session
    assert not Seat.objects.filter(user=members[3]).exists()
    denial = LoginDenial.objects.get()
    assert (denial.user, denial.company) == (members[3], members[3].company)
    assert (denial.reason, denial.capacity, denial.seats_in_use) == ("seats_full", 3, 3)


def test_refusal_names_support_when_the_company_has_no_account_manager(settings):
    settings.SUPPORT_CONTACT_EMAIL = "help@foundry.example"
    company = CompanyFactory(account_manager=None)
    EntitlementFactory(company=company, package__seats=1)
    holder, refused = UserFactory.create_batch(2, company=company)
    sign_in(Client(), holder)

    page = sign_in(Client(), refused).content.decode()

    assert "All 1 concurrent licenses" in page
    assert "help@foundry.example" in page
    assert "your account manager" not in page


def test_company_without_a_valid_license_cannot_sign_in(client):
    user = UserFactory(company=CompanyFactory())

    response = sign_in(client, user)

    assert response.status_code == 403
    assert "has no license valid today" in response.content.decode()
    assert not Seat.objects.exists()
    assert LoginDenial.objects.get().reason == LoginDenial.Reason.NO_LICENSE


def test_inactive_company_cannot_sign_in(client, company, members):
    company.is_active = False
    company.save()

    response = sign_in(client, members[0])

    assert response.status_code == 403
    assert "The account of Acme Foods is inactive" in response.content.decode()
    assert not Seat.objects.exists()
    assert LoginDenial.objects.get().reason == LoginDenial.Reason.COMPANY_INACTIVE


def test_wrong_password_is_refused_without_a_seat_or_denial(client, members):
    response = sign_in(client, members[0], password="wrong")

    assert response.status_code == 200
    assert "Please enter a correct email and password" in response.content.decode()
    assert not Seat.objects.exists()
    assert not LoginDenial.objects.exists()


def test_unknown_email_is_refused_with_the_same_message(client, company):
    response = client.post(
        reverse("login"), {"username": "nobody@acme.example", "password": "whatever"}
    )

    assert response.status_code == 200
    assert "Please enter a correct email and password" in response.content.decode()
    assert not SeatSession.objects.exists()


def test_malformed_email_is_reported_on_the_field(client, company):
    response = client.post(reverse("login"), {"username": "not-an-email", "password": "x"})

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()


def test_deactivated_user_cannot_sign_in(client, members):
    members[0].is_active = False
    members[0].save()

    response = sign_in(client, members[0])

    assert response.status_code == 200
    assert not Seat.objects.exists()


def test_staff_sign_in_without_taking_a_seat(client, company, members):
    for member in members[:3]:
        sign_in(Client(), member)
    staff = StaffFactory()

    response = sign_in(client, staff)

    assert response.status_code == 302
    assert not Seat.objects.filter(user=staff).exists()
    assert client.get(reverse("home")).status_code == 200


def test_sign_in_rotates_the_session_key(client, members):
    client.get(reverse("login"))
    client.cookies["sessionid"] = "attackerchosenkey0000000000000000"
    sign_in(client, members[0])

    assert client.session.session_key != "attackerchosenkey0000000000000000"
    assert SeatSession.objects.get().session_key == client.session.session_key


def test_a_signed_in_browser_posting_the_form_again_is_sent_home_on_its_seat(client, members):
    sign_in(client, members[0])

    response = sign_in(client, members[1])

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert SeatSession.objects.filter(ended_at__isnull=True).count() == 1
    assert not Seat.objects.filter(user=members[1]).exists()


def test_signed_in_home_shows_the_seat_count(client, members):
    sign_in(client, members[0])
    sign_in(Client(), members[1])

    page = client.get(reverse("home")).content.decode()

    assert "1 of 3 seats in use" not in page
    assert "2 of 3 seats in use" in page
    assert "Acme Foods" in page
    assert members[0].email in page


def test_anonymous_home_redirects_to_sign_in(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_sign_in_page_labels_the_field_email(client, db):
    page = client.get(reverse("login")).content.decode()

    assert '<label for="id_username">Email</label>' in page
    assert 'type="email"' in page


def test_company_user_model_flags(members):
    assert members[0].takes_seat
    assert not StaffFactory().takes_seat
    assert User.objects.get_by_natural_key(" USER1@acme.example ") == members[0]
