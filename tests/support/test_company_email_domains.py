"""Companies' email domains, where their admins may add people: account managers set them on the
company page for their own companies, support reads them; they are validated; existing
companies got the domains their people already use."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Company, CompanyEmailDomain

from ..factories import CompanyEmailDomainFactory, CompanyFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def change_url(company: Company) -> str:
    return reverse("admin:accounts_company_change", args=[company.pk])


def company_form(company: Company, *new_domains: str) -> dict:
    """The company change form as posted, adding `new_domains` and no entitlement."""
    existing = list(company.email_domains.all())
    data = {
        "name": company.name,
        "slug": company.slug,
        "is_active": "on",
        "idle_timeout": "",
        "entitlements-TOTAL_FORMS": "0",
        "entitlements-INITIAL_FORMS": "0",
        "entitlements-MIN_NUM_FORMS": "0",
        "entitlements-MAX_NUM_FORMS": "1000",
        "email_domains-TOTAL_FORMS": str(len(existing) + len(new_domains)),
        "email_domains-INITIAL_FORMS": str(len(existing)),
        "email_domains-MIN_NUM_FORMS": "0",
        "email_domains-MAX_NUM_FORMS": "1000",
    }
    for n, domain in enumerate(existing):
        data |= {
            f"email_domains-{n}-id": str(domain.pk),
            f"email_domains-{n}-company": str(company.pk),
            f"email_domains-{n}-domain": domain.domain,
        }
    for n, domain in enumerate(new_domains, start=len(existing)):
        data |= {f"email_domains-{n}-company": str(company.pk), f"email_domains-{n}-domain": domain}
    return data


def domains_of(company: Company) -> list[str]:
    return list(company.email_domains.values_list("domain", flat=True))


def test_an_account_manager_adds_a_domain_on_the_company_page(client, account_manager, company):
    client.force_login(account_manager)
    page = client.get(change_url(company)).content.decode()
    assert 'name="email_domains-TOTAL_FORMS"' in page and "acme.example" in page

    response = client.post(change_url(company), company_form(company, " @Acme-Foods.EXAMPLE "))

    assert response.status_code == 302, response.context and response.context["errors"]
    assert domains_of(company) == ["acme-foods.example", "acme.example"]


@pytest.mark.parametrize(
    ("domain", "error"),
    [
        ("not a domain", "Enter a domain such as acme.example."),
        ("localhost", "Enter a domain such as acme.example."),
        ("someone@acme-foods.example", "Enter a domain such as acme.example."),
        ("FOUNDRY.example", "Foundry staff use this domain: it cannot be a company&#x27;s."),
        ("globex.example", "Another company already has this email domain."),
    ],
)
def test_bad_domains_are_refused_on_the_company_page(
    client, account_manager, company, other_company, domain, error
):
    StaffFactory(email="sam@foundry.example")
    client.force_login(account_manager)

    response = client.post(change_url(company), company_form(company, domain))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert domains_of(company) == ["acme.example"]


def test_one_domain_twice_in_one_save_is_refused(client, account_manager, company):
    client.force_login(account_manager)

    response = client.post(
        change_url(company), company_form(company, "acme-foods.example", "ACME-FOODS.example")
    )

    assert response.status_code == 200
    assert domains_of(company) == ["acme.example"]


def test_support_reads_the_domains_but_cannot_change_them(client, support_agent, company):
    client.force_login(support_agent)

    page = client.get(change_url(company)).content.decode()
    response = client.post(change_url(company), company_form(company, "acme-foods.example"))

    assert "acme.example" in page
    assert 'name="email_domains-0-domain"' not in page  # shown as text, not a field
    assert response.status_code == 403
    assert domains_of(company) == ["acme.example"]


def test_another_account_manager_cannot_reach_the_domains(client, other_account_manager, company):
    client.force_login(other_account_manager)

    response = client.post(change_url(company), company_form(company, "acme-foods.example"))

    assert response.status_code == 404
    assert domains_of(company) == ["acme.example"]


def test_the_model_refuses_a_staff_domain_whatever_its_case():
    StaffFactory(email="sam@foundry.example")
    domain = CompanyEmailDomain(company=CompanyFactory(), domain="Foundry.Example")

    with pytest.raises(ValidationError) as refused:
        domain.full_clean()

    assert refused.value.message_dict == {
        "domain": ["Foundry staff use this domain: it cannot be a company's."]
    }


# --- The data migration: existing companies keep adding people where they already have them --


def assign_used_domains() -> None:
    module = import_module("accounts.migrations.0004_existing_email_domains")
    module.assign_used_domains(apps, None)


def test_existing_companies_get_the_domains_only_their_people_use():
    acme, globex, initech = CompanyFactory(), CompanyFactory(), CompanyFactory()
    UserFactory(company=acme, email="a@acme.example")
    UserFactory(company=acme, email="b@acme.example")
    UserFactory(company=acme, email="c@acme-foods.example")
    # Shared by two companies: neither gets it.
    UserFactory(company=acme, email="x@contractors.example")
    UserFactory(company=globex, email="y@contractors.example")
    # Used by Foundry staff too (someone moved to a customer kept their address): never.
    UserFactory(company=initech, email="z@foundry.example")
    StaffFactory(email="sam@foundry.example")
    # Already assigned: left as it is.
    CompanyEmailDomainFactory(company=globex, domain="globex.example")
    UserFactory(company=initech, email="w@globex.example")

    assign_used_domains()
    assign_used_domains()  # running it again changes nothing

    assert dict(CompanyEmailDomain.objects.values_list("domain", "company")) == {
        "acme.example": acme.pk,
        "acme-foods.example": acme.pk,
        "globex.example": globex.pk,
    }


def test_the_demo_company_adds_people_at_acme_example():
    call_command("seed_demo")
    call_command("seed_demo")

    assert domains_of(Company.objects.get(slug="acme")) == ["acme.example"]
