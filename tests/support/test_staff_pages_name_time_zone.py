"""Staff pages that show times say which time zone they are in: list columns name it in their
header, record pages in a note, and a scheduled sign-out's message after the time."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from sessions_seats.forced_logout import force_logout
from sessions_seats.models import LoginDenial

from ..factories import LicenseRequestFactory, LoginDenialFactory, seated

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["UTC", "Europe/Berlin"])
def zone(request, settings) -> str:
    settings.TIME_ZONE = request.param
    return request.param


def headers(response) -> list[str]:
    return [column["text"] for column in response.context["result_headers"]]


def test_lists_name_the_zone_in_their_time_columns(client, superuser, support_agent, members, zone):
    seated(members[0])
    force_logout(actor=support_agent, seats=[seated(members[1])], reason="audit")
    LoginDenialFactory(user=members[2])
    LicenseRequestFactory(company=members[0].company, requested_by=members[0])
    client.force_login(superuser)

    seats = headers(client.get(reverse("admin:sessions_seats_seat_changelist")))
    audit = headers(client.get(reverse("admin:sessions_seats_forcedlogout_changelist")))
    denials = headers(client.get(reverse("admin:sessions_seats_logindenial_changelist")))
    requests = headers(client.get(reverse("admin:license_requests_licenserequest_changelist")))

    assert f"signed in since ({zone})" in seats
    assert f"when ({zone})" in audit and f"warned at ({zone})" in audit
    assert f"refused at ({zone})" in denials
    assert f"created at ({zone})" in requests and f"updated at ({zone})" in requests


def test_record_pages_with_times_name_the_zone(client, superuser, support_agent, members, zone):
    seat = seated(members[0])
    [record] = force_logout(actor=support_agent, seats=[seated(members[1])], reason="audit")
    denial: LoginDenial = LoginDenialFactory(user=members[2])
    client.force_login(superuser)
    note = f"Times are in {zone}."

    for url in [
        reverse("admin:sessions_seats_seat_change", args=[seat.pk]),
        reverse("admin:sessions_seats_forcedlogout_change", args=[record.pk]),
        reverse("admin:sessions_seats_logindenial_change", args=[denial.pk]),
        reverse("admin:accounts_user_change", args=[members[0].pk]),
        reverse("admin:accounts_company_change", args=[members[0].company_id]),
    ]:
        assert note in client.get(url).content.decode(), url


def test_pages_without_times_say_nothing_of_zones(client, superuser):
    client.force_login(superuser)

    page = client.get(reverse("admin:sessions_seats_licensepackage_add")).content.decode()

    assert "Times are in" not in page


def test_a_scheduled_sign_out_names_the_zone_of_its_time(client, support_agent, members, zone):
    seat = seated(members[0])
    client.force_login(support_agent)

    response = client.post(
        reverse("admin:sessions_seats_seat_changelist"),
        {
            "action": "force_logout",
            "post": "yes",
            ACTION_CHECKBOX_NAME: [seat.pk],
            "reason": "Customer asked",
            "acknowledge": "on",
            "when": "warn",
            "delay_minutes": "5",
        },
        follow=True,
    )

    page = response.content.decode()
    assert f" {zone} (in 5 minutes)" in page
    assert "sign-out scheduled at " in page and f" {zone}</strong>" in page
