"""The login-denials list shows the capacity and the seats in use each refusal happened under."""

import pytest
from django.urls import reverse

from ..factories import LoginDenialFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sessions_seats_logindenial_changelist")


def test_each_denial_shows_the_capacity_and_seats_in_use_of_its_moment(
    client, support_agent, members
):
    LoginDenialFactory(user=members[0], capacity=7, seats_in_use=6)
    client.force_login(support_agent)

    response = client.get(CHANGELIST)

    headers = [column["text"] for column in response.context["result_headers"]]
    assert headers[-2:] == ["capacity then", "seats in use then"]
    page = response.content.decode()
    assert '<td class="field-capacity_column">7</td>' in page
    assert '<td class="field-seats_in_use_column">6</td>' in page


def test_the_list_loads_the_stylesheet_that_keeps_those_columns_in_view(client, support_agent):
    client.force_login(support_agent)

    assert 'href="/static/css/admin.css"' in client.get(CHANGELIST).content.decode()
