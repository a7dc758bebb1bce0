"""A walk through every portal page, and the staff console pages support lives in, with the data
of a real company: long names and addresses, several devices, weeks of seat history, a license
request. The layout tests and the screenshots walk the same pages, so a page added here is both
checked and photographed.

Each walk sets up the seats it needs, opens its pages in one browser page and calls
`look(name, page)` on each; a name says which page and as whom."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Page, expect

from accounts.models import Company, User
from sessions_seats.models import ForcedLogout, LoginDenial, Seat

from ..factories import (
    PASSWORD,
    CompanyAdminFactory,
    CompanyEmailDomainFactory,
    CompanyFactory,
    EntitlementFactory,
    LicenseRequestFactory,
    LoginDenialFactory,
    PackageFactory,
    SeatSessionFactory,
    StaffFactory,
    UserFactory,
    past_seat,
    seated,
)
from .helpers import hold_seat, sign_in_with_the_form

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

Look = Callable[[str, Page], None]

# What people really sign in with: browsers the portal names ("Edge on Windows"), and clients it
# does not recognise, whose raw start is shown as one long word.
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "FoundryDesktopSynchronisationClient/12.4.1-enterprise (build 20241130; x86_64; Windows)",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
]
# IPv6: the longest addresses a device can sign in from.
LONG_IP = "2001:0db8:85a3:0000:0000:8a2e:0370:7334"
LONG_REASON = (
    "Requested by the finance department's month-end close team lead, ticket "
    "https://support.foundry.example/tickets/ACME-2024-11-30-000482913/escalation-history: the "
    "laptop was left signed in at the regional office over the weekend and nobody could reach "
    "its owner by phone or email."
)
COMPANY_NAME = "Acme Foods International Holdings"


def _email(name: str) -> str:
    local = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return local.lower().replace(" ", ".") + "@acme-foods-international.example"


@dataclass
class PortalData:
    """The people and history of one company, built by `realistic_company`."""

    company: Company
    admin: User
    member: User
    # They hold every seat when a walk needs the seats full.
    holders: list[User]
    deactivated: User
    others: list[User] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)

    def fill_every_seat(self) -> None:
        self.clients = [
            hold_seat(holder, idle_minutes=idle)
            for holder, idle in zip(self.holders, (95, 37, 0), strict=True)
        ]

    def free_every_seat(self) -> None:
        for client in self.clients:
            client.post(reverse("logout"))
        self.clients = []


def realistic_company() -> PortalData:
    company = CompanyFactory(name=COMPANY_NAME, slug="acme")
    EntitlementFactory(
        company=company,
        package=PackageFactory(seats=3),
        starts_on=timezone.localdate() - datetime.timedelta(days=60),
    )
    # The simulator compares with every package in the catalogue.
    for seats in (1, 5, 10, 25):
        PackageFactory(seats=seats)
    CompanyEmailDomainFactory(company=company, domain="acme-foods-international.example")
    admin = CompanyAdminFactory(
        company=company,
        full_name="Maximiliane Oberhauser-Lindqvist",
        email=_email("Maximiliane Oberhauser-Lindqvist"),
        last_login=timezone.now() - datetime.timedelta(days=1),
    )
    names = [
        "Christopher Montgomery-Wellington",
        "Anastasia Papadopoulou-Richardson",
        "Bartholomew Featherstonehaugh",
        "Guadalupe Fernández de Castro",
        "Nguyen Thi Minh Khai",
        "Oluwaseun Adebayo-Okonkwo",
        "Siddharth Venkataraman",
        "Wilhelmina Vandenberghe",
        "Jean-Baptiste Delacroix-Moreau",
        "Ingrid Kristiansdottir",
        "Rosalind Abernathy-Castellanos",
        "Thaddeus Worthington-Smythe",
        "Priyanka Raghunathan",
        "Ekaterina Volkonskaya",
        "Mateus Gonçalves Albuquerque",
        "Fionnuala Ní Bhriain",
        "Konstantinos Athanasopoulos",
        "Marguerite Beauchamp-Lefebvre",
        "Sven-Erik Gustafsson",
        "Zhang Wei Long",
        "Aurelio Buendía Iguarán",
    ]
    # Everyone has signed in before but the two newest, who are still "Invited".
    yesterday = timezone.now() - datetime.timedelta(days=1)
    people = [
        UserFactory(
            company=company,
            full_name=name,
            email=_email(name),
            last_login=None if name in names[-3:-1] else yesterday,
        )
        for name in names
    ]
    deactivated = people.pop()
    deactivated.is_active = False
    deactivated.deactivated_at = timezone.now() - datetime.timedelta(days=3)
    deactivated.deactivated_by = admin
    deactivated.save()
    data = PortalData(
        company=company,
        admin=admin,
        member=people[0],
        holders=people[1:4],
        deactivated=deactivated,
        others=people[4:],
    )
    _history(data)
    LicenseRequestFactory(
        requested_by=admin,
        package=PackageFactory(seats=10),
        quantity=2,
        note="Our month-end close team grows from 3 to 12 people in January; "
        "we keep hitting the limit on the last working day of every month.",
        merged_count=2,
    )
    return data


def _history(data: PortalData) -> None:
    """Three weeks of seats, refusals and forced sign-outs: enough for several ledger pages."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    people = [data.admin, data.member, *data.holders, *data.others]
    for day in range(1, 22):
        morning = now - datetime.timedelta(days=day, hours=now.hour - 8)
        for n, person in enumerate(people[:4]):
            reason = "forced" if (day + n) % 7 == 0 else ("idle" if n % 2 else "logout")
            seat = past_seat(
                person,
                claimed_at=morning + datetime.timedelta(minutes=17 * n),
                hours=3 + n,
                reason=reason,
                idle_minutes=20 if reason == "idle" else 0,
            )
            seat.sessions.update(user_agent=USER_AGENTS[n % len(USER_AGENTS)], ip=LONG_IP)
            if reason == "forced":
                ForcedLogout.objects.create(
                    at=seat.released_at,
                    actor=data.admin,
                    actor_email=data.admin.email,
                    actor_role=ForcedLogout.ActorRole.COMPANY_ADMIN,
                    target=person,
                    target_email=person.email,
                    company=data.company,
                    company_name=data.company.name,
                    reason=LONG_REASON,
                    sessions_ended=1,
                )
        if day % 3 == 0:
            for person in people[4:7]:
                LoginDenialFactory(
                    user=person,
                    at=morning + datetime.timedelta(hours=2),
                    capacity=3,
                    seats_in_use=3,
                    reason=LoginDenial.Reason.SEATS_FULL,
                )


def more_devices(user: User) -> None:
    """Sign `user`, already signed in at the browser, in from the other devices too."""
    seat = Seat.objects.open().get(user=user)
    for n, agent in enumerate(USER_AGENTS):
        at = timezone.now() - datetime.timedelta(hours=n + 1)
        SeatSessionFactory(seat=seat, user_agent=agent, ip=LONG_IP, started_at=at, last_activity=at)


def _goto(page: Page, base_url: str, path: str) -> None:
    page.goto(f"{base_url}{path}")


# --- The walks --------------------------------------------------------------------------------


def signed_out_pages(page: Page, base_url: str, data: PortalData, look: Look) -> None:
    _goto(page, base_url, reverse("login"))
    look("sign-in", page)
    page.get_by_label("Email").fill(data.member.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    look("sign-in with a wrong password", page)
    _goto(page, base_url, reverse("password_reset"))
    look("password reset", page)
    page.get_by_label("Email").fill(data.member.email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    look("password reset: email sent", page)
    uid = urlsafe_base64_encode(force_bytes(data.member.pk))
    token = default_token_generator.make_token(data.member)
    _goto(page, base_url, reverse("password_reset_confirm", args=[uid, token]))
    look("password reset: choose a password", page)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password confirmation").fill("different")
    page.get_by_role("button", name="Set password").click()
    look("password reset: choose a password, with errors", page)
    _goto(page, base_url, reverse("password_reset_confirm", args=[uid, "expired-token"]))
    look("password reset: expired link", page)
    _goto(page, base_url, reverse("password_reset_complete"))
    look("password reset: done", page)


def refusal_pages(page: Page, base_url: str, data: PortalData, look: Look) -> None:
    """Every seat taken: what a member and then a company admin are shown, and the admin's next
    steps from there."""
    data.fill_every_seat()
    sign_in_with_the_form(page, base_url, data.member.email)
    expect(page.get_by_role("heading", name="All licenses are in use")).to_be_visible()
    look("refusal page (member)", page)

    sign_in_with_the_form(page, base_url, data.admin.email)
    expect(page.get_by_role("heading", name="Who holds the seats")).to_be_visible()
    look("refusal page (company admin)", page)
    page.get_by_role("button", name="Free the selected seat…").click()
    look("refusal page: free a seat (company admin)", page)
    page.get_by_role("button", name="out and sign me in").click()
    look("refusal page: free a seat, with errors (company admin)", page)

    sign_in_with_the_form(page, base_url, data.admin.email)
    page.get_by_role("button", name="Request more licenses").click()
    expect(page.get_by_role("heading", name="Request more licenses")).to_be_visible()
    look("refusal page: request more licenses (company admin)", page)
    data.free_every_seat()


def member_pages(page: Page, base_url: str, data: PortalData, look: Look) -> None:
    sign_in_with_the_form(page, base_url, data.member.email)
    expect(page.get_by_text("1 of 3 seats in use")).to_be_visible()
    more_devices(data.member)
    for name, path in [
        ("home (member)", reverse("home")),
        ("My sessions (member)", reverse("portal:my_sessions")),
        ("request more licenses (member)", reverse("portal:license_request")),
        # Company admins' pages answer members with a refusal, which must fit as well.
        ("usage report, not allowed (member)", reverse("portal:usage")),
        ("Users and Roles, not allowed (member)", reverse("portal:users")),
    ]:
        _goto(page, base_url, path)
        look(name, page)
    _goto(page, base_url, reverse("home"))
    page.locator("#user-menu > summary").click()
    look("account menu open (member)", page)


def company_admin_pages(page: Page, base_url: str, data: PortalData, look: Look) -> None:
    seated(data.holders[0], devices=2, idle=datetime.timedelta(minutes=42))
    sign_in_with_the_form(page, base_url, data.admin.email)
    expect(page.get_by_text("2 of 3 seats in use")).to_be_visible()
    more_devices(data.admin)
    for name, path in [
        ("home (company admin)", reverse("home")),
        ("My sessions (company admin)", reverse("portal:my_sessions")),
        ("usage report and simulator (company admin)", reverse("portal:usage")),
        ("seat ledger (company admin)", reverse("portal:ledger")),
        ("seat ledger, page 2 (company admin)", reverse("portal:ledger") + "?page=2"),
        (
            "seat ledger, oldest first, past the last page (company admin)",
            reverse("portal:ledger") + "?order=oldest&page=999",
        ),
        (
            "seat ledger, nothing in the period (company admin)",
            reverse("portal:ledger") + "?start=2001-01-01&end=2001-01-31",
        ),
        ("request more licenses (company admin)", reverse("portal:license_request")),
        ("license requests (company admin)", reverse("portal:license_requests")),
        ("Users and Roles (company admin)", reverse("portal:users")),
        ("Users and Roles, page 2 (company admin)", reverse("portal:users") + "?page=2"),
        (
            "Users and Roles: signed in now (company admin)",
            reverse("portal:users") + "?show=signed_in",
        ),
        ("Users and Roles: invited (company admin)", reverse("portal:users") + "?show=invited"),
        (
            "Users and Roles: deactivated, nobody found (company admin)",
            reverse("portal:users") + "?show=deactivated&q=nobody-at-all",
        ),
        (
            "Users and Roles: sign out a member (company admin)",
            reverse("portal:user_sign_out", args=[data.holders[0].pk]),
        ),
        ("Users and Roles: add a user (company admin)", reverse("portal:user_add")),
        (
            "Users and Roles: a member holding a seat (company admin)",
            reverse("portal:user", args=[data.holders[0].pk]),
        ),
        (
            "Users and Roles: a deactivated member (company admin)",
            reverse("portal:user", args=[data.deactivated.pk]),
        ),
        (
            "Users and Roles: themselves (company admin)",
            reverse("portal:user", args=[data.admin.pk]),
        ),
    ]:
        _goto(page, base_url, path)
        look(name, page)
    _goto(page, base_url, reverse("portal:ledger"))
    page.get_by_label("Person").select_option(str(data.holders[0].pk))
    page.get_by_role("button", name="Show").click()
    look("seat ledger, one person (company admin)", page)
    _goto(page, base_url, reverse("portal:user_sign_out", args=[data.holders[0].pk]))
    page.get_by_role("button", name=f"Sign {data.holders[0].full_name} out").click()
    look("Users and Roles: sign out a member, with errors (company admin)", page)
    _goto(page, base_url, reverse("portal:user_add"))
    page.get_by_label("Email").fill("somebody.with.a.very.long.address@another-company.example")
    page.get_by_role("button", name="Add user and send email").click()
    look("Users and Roles: add a user, with errors (company admin)", page)
    _goto(page, base_url, reverse("portal:license_request"))
    page.get_by_label("Quantity").fill("")
    page.get_by_role("button", name="Send the request").click()
    look("request more licenses, with errors (company admin)", page)


PORTAL_WALKS: dict[str, Callable[[Page, str, PortalData, Look], None]] = {
    "signed out": signed_out_pages,
    "refused": refusal_pages,
    "member": member_pages,
    "company admin": company_admin_pages,
}


# --- The staff console --------------------------------------------------------------------------


def support_group() -> Group:
    """The Support group with what support may do in the console; a transactional test's flush
    empties the one its migration made."""
    group, _ = Group.objects.get_or_create(name="Support")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "view_company",
                "view_user",
                "view_seat",
                "view_seatsession",
                "view_logindenial",
                "view_forcedlogout",
                "force_logout",
                "view_all_companies",
            ]
        )
    )
    return group


def busy_console(data: PortalData) -> User:
    """Seats held across companies from many devices, and an audit log of long reasons; returns
    a support agent."""
    agent = StaffFactory(
        email="samantha.supportington-fairweather@foundry.example",
        full_name="Samantha Supportington-Fairweather",
    )
    agent.groups.add(support_group())
    other = CompanyFactory(name="Globex Corporation Research & Development Division Europe")
    EntitlementFactory(company=other, package=PackageFactory(seats=25))
    for n, person in enumerate([data.admin, data.member, data.holders[0]]):
        seat = seated(person, devices=1, idle=datetime.timedelta(minutes=13 * n))
        seat.sessions.update(user_agent=USER_AGENTS[n], ip=LONG_IP)
    for n in range(12):
        person = UserFactory(
            company=other,
            full_name=f"Alexandrina Featherstone-Whittington {n}",
            email=f"alexandrina.featherstone-whittington.{n}@globex-research-development.example",
        )
        seat = seated(person, devices=1 + n % 3, idle=datetime.timedelta(minutes=7 * n))
        seat.sessions.update(user_agent=USER_AGENTS[n % len(USER_AGENTS)], ip=LONG_IP)
        ForcedLogout.objects.create(
            at=timezone.now() - datetime.timedelta(hours=n),
            actor=agent,
            actor_email=agent.email,
            actor_role=ForcedLogout.ActorRole.SUPPORT,
            target=person,
            target_email=person.email,
            company=other,
            company_name=other.name,
            reason=LONG_REASON if n % 2 else LONG_REASON.replace(" ", "-"),
            requested_by="Bartholomew Featherstonehaugh, Head of IT Operations (EMEA)",
            sessions_ended=1 + n % 3,
            warned_at=timezone.now() - datetime.timedelta(hours=n, minutes=5) if n % 3 else None,
        )
    return agent


def staff_console_pages(page: Page, base_url: str, data: PortalData, look: Look) -> None:
    """Support's seat list and audit log; a laptop's screen is their size."""
    agent = busy_console(data)
    _goto(page, base_url, reverse("admin:login"))
    page.locator("#id_username").fill(agent.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    for name, path in [
        ("staff console: seats (support)", reverse("admin:sessions_seats_seat_changelist")),
        (
            "staff console: forced-logout audit log (support)",
            reverse("admin:sessions_seats_forcedlogout_changelist"),
        ),
    ]:
        _goto(page, base_url, path)
        look(name, page)
