"""Existing companies get the email domains their users already use, so their admins can go on
adding people there now that an admin may add addresses in the company's domains only.

A domain is given to a company only when every account at it belongs to that one company: a
domain shared by two companies (or by a company and someone of none) is left for staff to
assign, as is any domain a Foundry staff account uses (admins must never add accounts there).
Domains already assigned are left as they are.
"""

from collections import defaultdict

from django.db import migrations


def _domain_of(email):
    return email.rpartition("@")[2].strip().lower()


def assign_used_domains(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    CompanyEmailDomain = apps.get_model("accounts", "CompanyEmailDomain")

    companies_of = defaultdict(set)  # domain -> company ids of its accounts (None: no company)
    staff_domains = set()
    for email, company_id, is_staff, is_superuser in User.objects.values_list(
        "email", "company_id", "is_staff", "is_superuser"
    ).iterator():
        domain = _domain_of(email)
        if is_staff or is_superuser:
            staff_domains.add(domain)
        companies_of[domain].add(company_id)

    assigned = set(CompanyEmailDomain.objects.values_list("domain", flat=True))
    new = []
    for domain in sorted(companies_of):
        company_ids = companies_of[domain]
        if len(company_ids) != 1 or domain in staff_domains or domain in assigned:
            continue
        (company_id,) = company_ids
        if company_id is not None and "." in domain:
            new.append(CompanyEmailDomain(company_id=company_id, domain=domain))
    CompanyEmailDomain.objects.bulk_create(new)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_email_domains_and_deactivation_audit"),
    ]

    # Going back keeps the domains: staff may have relied on them since.
    operations = [migrations.RunPython(assign_used_domains, migrations.RunPython.noop)]
