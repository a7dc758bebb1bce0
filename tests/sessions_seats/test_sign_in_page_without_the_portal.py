"""The engine's sign-in page stands on its own: the refusal says why and whom to contact, and
what apps above the engine add comes only from the providers they register."""

import pytest
from django.test import Client

from sessions_seats import views
from sessions_seats.views import RefusalExtras

from ..conftest import sign_in

pytestmark = pytest.mark.django_db


def refused_page(members) -> str:
    for member in members[:3]:
        sign_in(Client(), member)
    response = sign_in(Client(), members[3])
    assert response.status_code == 403
    return response.content.decode()


def test_without_providers_the_refusal_names_the_contact_and_offers_nothing_else(
    members, account_manager, monkeypatch
):
    monkeypatch.setattr(views, "_refusal_extras", [])

    html = refused_page(members)

    assert "All licenses are in use" in html
    assert account_manager.email in html
    assert "/accounts/free-seat/" not in html
    assert "Email me when a seat frees up" not in html
    assert "Request more licenses" not in html


def test_a_registered_provider_adds_its_templates_and_context(members, monkeypatch):
    seen = []

    def provider(request, user, refusal):
        seen.append((user, refusal.seats_full))
        return RefusalExtras(
            context={"company_admins": []},
            actions=("portal/_ask_your_admins.html",),
        )

    monkeypatch.setattr(views, "_refusal_extras", [])
    views.add_refusal_extras(provider)
    views.add_refusal_extras(provider)  # registering twice adds it once

    html = refused_page(members)

    assert seen == [(members[3], True)]
    assert 'id="ask-your-admins"' in html
    assert "Your company has no active company admin." in html


def test_the_portal_registers_its_refusal_actions():
    from portal.refusal import refusal_extras

    assert refusal_extras in views._refusal_extras
