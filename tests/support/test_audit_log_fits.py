"""The audit log's list fits a laptop: who did it with their role, whom with their company, and
the reason cut short; who requested it, how many sessions ended and the whole reason are on the
record."""

import pytest
from django.urls import reverse

from sessions_seats.forced_logout import force_logout

from ..factories import seated

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sessions_seats_forcedlogout_changelist")
LONG_REASON = (
    "The laptop was left signed in at the regional office over the weekend; ticket ACME-4821."
)


@pytest.fixture
def record(support_agent, members):
    [made] = force_logout(
        actor=support_agent,
        seats=[seated(members[0], devices=2)],
        reason=LONG_REASON,
        requested_by="Alex Admin, ticket ACME-4821",
    )
    return made


def test_the_list_merges_actor_and_role_target_and_company(client, support_agent, record):
    client.force_login(support_agent)

    page = client.get(CHANGELIST).content.decode()

    assert "support@foundry.example<br><small>Support</small>" in page
    assert "user1@acme.example<br><small>Acme Foods</small>" in page
    headers = [column["text"] for column in client.get(CHANGELIST).context["result_headers"]]
    assert "requested by" not in headers and "sessions ended" not in headers
    assert "Alex Admin" not in page


def test_the_list_cuts_long_reasons_and_keeps_them_whole_in_the_title(
    client, support_agent, record
):
    client.force_login(support_agent)

    page = client.get(CHANGELIST).content.decode()

    assert "The laptop was left signed in at the re…" in page
    assert f'title="{LONG_REASON}"' in page
    assert page.count(LONG_REASON) == 1


def test_a_short_reason_is_shown_as_it_is(client, support_agent, members):
    force_logout(actor=support_agent, seats=[seated(members[1])], reason="Stuck seat")
    client.force_login(support_agent)

    page = client.get(CHANGELIST).content.decode()

    assert ">Stuck seat<" in page and "Stuck seat…" not in page


def test_the_record_shows_the_whole_reason_who_requested_it_and_the_sessions_ended(
    client, support_agent, record
):
    client.force_login(support_agent)

    page = client.get(
        reverse("admin:sessions_seats_forcedlogout_change", args=[record.pk])
    ).content.decode()

    assert LONG_REASON in page
    assert "Alex Admin, ticket ACME-4821" in page
    assert 'class="form-row field-sessions_ended"' in page
