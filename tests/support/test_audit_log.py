"""The forced-logout audit log in the admin: read-only for everyone, filters, search, CSV."""

import csv
import io

import pytest
from django.urls import reverse

from sessions_seats.forced_logout import force_logout
from sessions_seats.models import ForcedLogout

from ..factories import UserFactory, seated

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sessions_seats_forcedlogout_changelist")
EXPORT = reverse("admin:sessions_seats_forcedlogout_export")


@pytest.fixture
def records(support_agent, members, other_company) -> list[ForcedLogout]:
    globex = UserFactory(company=other_company, email="wile@globex.example")
    made = force_logout(
        actor=support_agent, seats=[seated(members[0])], reason="Stuck seat", requested_by="Alex"
    )
    made += force_logout(
        actor=support_agent, seats=[seated(globex)], reason='=HYPERLINK("x") lost laptop'
    )
    return made


def rows_of(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("who", ["support_agent", "superuser"])
def test_nobody_can_add_change_or_delete(client, request, records, who):
    client.force_login(request.getfixturevalue(who))
    record = records[0]
    change = reverse("admin:sessions_seats_forcedlogout_change", args=[record.pk])

    assert client.get(CHANGELIST).status_code == 200
    assert client.get(reverse("admin:sessions_seats_forcedlogout_add")).status_code == 403
    assert (
        client.get(
            reverse("admin:sessions_seats_forcedlogout_delete", args=[record.pk])
        ).status_code
        == 403
    )
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change, {"reason": "rewritten"}).status_code == 403
    delete_selected = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    )
    assert delete_selected.status_code in (200, 302)
    assert ForcedLogout.objects.get(pk=record.pk).reason == "Stuck seat"
    assert ForcedLogout.objects.count() == 2


def test_filters_and_search(client, support_agent, records, other_company):
    client.force_login(support_agent)

    def listed(**params) -> set[str]:
        return {r.target_email for r in client.get(CHANGELIST, params).context["cl"].result_list}

    assert listed() == {"user1@acme.example", "wile@globex.example"}
    assert listed(q="laptop") == {"wile@globex.example"}
    assert listed(q="Alex") == {"user1@acme.example"}
    assert listed(company__id__exact=other_company.pk) == {"wile@globex.example"}
    assert listed(actor_role__exact="company_admin") == set()


def test_csv_export_follows_the_filters_and_defuses_formulas(client, support_agent, records):
    client.force_login(support_agent)

    everything = client.get(EXPORT)
    laptop = client.get(EXPORT, {"q": "laptop"})

    assert everything["Content-Type"].startswith("text/csv")
    assert "attachment" in everything["Content-Disposition"]
    rows = rows_of(everything)
    assert {r["user"] for r in rows} == {"user1@acme.example", "wile@globex.example"}
    [row] = rows_of(laptop)
    assert row["signed out by"] == "support@foundry.example"
    assert row["reason"].startswith("'=HYPERLINK")
    assert row["sessions ended"] == "1"
    body = b"".join(client.get(EXPORT).streaming_content).decode()
    assert all(line.startswith('"') for line in body.splitlines())
    assert "Export CSV" in client.get(CHANGELIST).content.decode()


def test_csv_export_action_on_selected_rows(client, support_agent, records):
    client.force_login(support_agent)

    response = client.post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [records[0].pk]}
    )

    assert [r["user"] for r in rows_of(response)] == ["user1@acme.example"]


def test_account_manager_cannot_read_the_audit_log(client, account_manager, records):
    client.force_login(account_manager)

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(EXPORT).status_code == 403


@pytest.mark.parametrize(
    "query", [{"at__gte": "notadate"}, {"at__year": "abc"}, {"company__id__exact": "x"}]
)
def test_csv_export_with_an_invalid_filter_says_so(client, support_agent, records, query):
    client.force_login(support_agent)

    response = client.get(EXPORT, query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith("Invalid filters:")
