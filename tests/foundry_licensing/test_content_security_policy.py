"""Every page carries a strict Content-Security-Policy, and nothing in the pages needs more: no
inline script or style, no style or on* attributes; their stylesheets and scripts are static
files, served by the web process itself (WhiteNoise)."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ..conftest import sign_in
from ..factories import LoginDenialFactory, past_seat

pytestmark = pytest.mark.django_db


class PageParts(HTMLParser):
    """What a policy without 'unsafe-inline' would block, and the static files the page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.static_urls: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if name == "style" or (name.startswith("on") and name.isalpha()):
                self.inline.append(f"<{tag} {name}={value!r}>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.inline.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script":
            self._script = named
            if named.get("src"):
                self.static_urls.append(named["src"])
        if tag == "link" and named.get("rel") == "stylesheet":
            self.static_urls.append(named["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        # json_script's <script type="application/json"> is data the browser never runs.
        script = self._script
        if script is not None and data.strip() and script.get("type") != "application/json":
            self.inline.append(f"<script>{data.strip()[:80]}")


def _usage_data(company, members) -> None:
    """A busy day two days ago, so the report draws its charts with points and bars."""
    nine = timezone.now().replace(hour=9, minute=0) - datetime.timedelta(days=2)
    for member in members[:3]:
        past_seat(member, claimed_at=nine, hours=3, idle_minutes=20)
    LoginDenialFactory(user=members[3], at=nine + datetime.timedelta(minutes=90))


# name: (who signs in, the page); the fixtures named make the people.
PAGES = {
    "sign-in": (None, lambda company: reverse("login")),
    "home, member": ("members", lambda company: reverse("home")),
    "users and roles": ("company_admin", lambda company: reverse("portal:users")),
    "usage report": ("company_admin", lambda company: reverse("portal:usage")),
    "staff console": ("superuser", lambda company: reverse("admin:index")),
    "staff usage report": (
        "superuser",
        lambda company: reverse("admin:accounts_company_usage", args=[company.pk]),
    ),
}


@pytest.fixture(params=PAGES, ids=list(PAGES))
def rendered(request, company, members):
    """(client, response) of the page, signed in as the person it is for."""
    who, url = PAGES[request.param]
    _usage_data(company, members)
    client = Client()
    if who is not None:
        person = request.getfixturevalue(who)
        person = person[0] if isinstance(person, list) else person
        assert sign_in(client, person).status_code == 302
    response = client.get(url(company))
    assert response.status_code == 200
    return client, response


def test_the_policy_allows_only_our_own_scripts_and_styles(rendered):
    _, response = rendered
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))

    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["default-src"] == directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == directives["frame-ancestors"] == "'none'"


def test_the_page_has_nothing_inline_and_its_static_files_are_served(rendered):
    client, response = rendered
    parts = PageParts()
    parts.feed(response.content.decode())

    assert parts.inline == []
    assert parts.static_urls
    # Tests run without collectstatic: settings keep the plain storage and let WhiteNoise find the
    # files in the apps' and the project's static folders, so this is the production path
    # (WhiteNoise in the web process) minus the hashed names. Django's own static view would
    # serve nothing here, since the test runner turns DEBUG off.
    for url in parts.static_urls:
        served = client.get(url)
        assert served.status_code == 200, url
        assert b"".join(served.streaming_content), url


def test_a_csrf_failure_page_is_styled_without_inline_css_and_says_what_to_do():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": "a@b.example", "password": "x"})

    assert response.status_code == 403
    assert "Content-Security-Policy" in response.headers
    parts = PageParts()
    parts.feed(response.content.decode())
    assert parts.inline == []
    assert parts.static_urls
    assert "Please try again" in response.content.decode()
