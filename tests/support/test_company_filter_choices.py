"""The company filter lists companies only: no "-" choice for a missing company."""

import pytest
from django.urls import reverse

from sessions_seats.forced_logout import force_logout

from ..factories import UserFactory, seated

pytestmark = pytest.mark.django_db


def company_choices(response) -> list[str]:
    [spec] = [spec for spec in response.context["cl"].filter_specs if spec.field_path == "company"]
    return [choice["display"] for choice in spec.choices(response.context["cl"])]


@pytest.mark.parametrize(
    "changelist",
    ["admin:sessions_seats_forcedlogout_changelist", "admin:accounts_user_changelist"],
)
def test_lists_whose_company_may_be_empty_offer_no_dash(
    client, superuser, support_agent, members, other_company, changelist
):
    force_logout(actor=support_agent, seats=[seated(members[0])], reason="one")
    force_logout(
        actor=support_agent, seats=[seated(UserFactory(company=other_company))], reason="two"
    )
    client.force_login(superuser)

    choices = company_choices(client.get(reverse(changelist)))

    assert choices == ["All", "Acme Foods", "Globex"]
