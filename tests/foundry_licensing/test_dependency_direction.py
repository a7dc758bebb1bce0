"""Dependencies point one way, for URL names and templates too (docs/DESIGN.md): an app reverses
only URL names served by itself or by the layers below it, and includes only their templates.
Python imports are checked by import-linter (`make lint`); a URL name or a template path is a
string that no import graph sees, so this test reads them from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]

# Lower number, lower layer. Apps of one layer are independent of each other.
LAYER = {
    "common": 0,
    "accounts": 1,
    "sessions_seats": 2,
    "usage": 3,
    "license_requests": 3,
    "portal": 4,
    "support": 4,
    "foundry_licensing": 5,
}
APPS = [app for app in LAYER if app != "foundry_licensing"]

# Project templates by folder; the staff console owns the admin's templates. `base.html` is the
# project's frame, which every page extends: it belongs to the top layer, like the root URLconf.
TEMPLATE_OWNER = {
    "registration": "sessions_seats",
    "sessions_seats": "sessions_seats",
    "usage": "usage",
    "license_requests": "license_requests",
    "portal": "portal",
    "admin": "support",
}
FRAME = "base.html"

PYTHON_URL_NAME = re.compile(r"""\b(?:reverse|reverse_lazy|redirect)\(\s*["']([\w:-]+)["']""")
TEMPLATE_URL_NAME = re.compile(r"""{%\s*url\s+["']([\w:-]+)["']""")
TEMPLATE_REFERENCE = re.compile(r"""{%\s*(?:include|extends)\s+["']([\w/.-]+)["']""")


def url_name_owners() -> dict[str, str]:
    """Every URL name, namespaced, with the app whose URLconf declares it."""
    owners: dict[str, str] = {}

    def walk(patterns: list, namespace: str, owner: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                # include("app.urls") holds the module; include((patterns, ns)) a plain list.
                module = getattr(pattern.urlconf_name, "__name__", None)
                inner_owner = module.split(".")[0] if module else owner
                if pattern.namespace == "admin":
                    inner_owner = "support"  # the staff console registers every admin page
                walk(pattern.url_patterns, inner, inner_owner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                owners[f"{namespace}{pattern.name}"] = owner

    walk(get_resolver().url_patterns, "", "foundry_licensing")
    return owners


def template_owner(name: str) -> str:
    folder = name.split("/")[0] if "/" in name else ""
    return TEMPLATE_OWNER.get(folder, "foundry_licensing")


def may_depend(user: str, used: str) -> bool:
    return user == used or LAYER[used] < LAYER[user]


def python_references() -> list[tuple[str, str, str]]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for name in PYTHON_URL_NAME.findall(path.read_text()):
                found.append((app, str(path.relative_to(ROOT)), name))
    return found


def template_files() -> list[Path]:
    return sorted(
        path for path in (ROOT / "templates").rglob("*") if path.suffix in (".html", ".txt")
    )


def test_the_scan_finds_references_in_every_layer():
    """Guards the test itself: a pattern that matched nothing would prove nothing."""
    users = {app for app, _, _ in python_references()}
    assert {"sessions_seats", "portal", "support"} <= users
    owners = url_name_owners()
    assert owners["login"] == "sessions_seats"
    assert owners["portal:usage"] == "portal"
    assert owners["admin:accounts_company_usage"] == "support"


def test_python_reverses_only_url_names_of_its_own_layer_or_below():
    owners = url_name_owners()
    wrong = [
        f"{where} reverses {name!r} ({owners[name]})"
        for app, where, name in python_references()
        if name in owners and not may_depend(app, owners[name])
    ]
    unknown = [f"{where}: {name!r}" for _, where, name in python_references() if name not in owners]
    assert wrong == []
    assert unknown == []


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_link_and_include_only_their_layer_or_below(path: Path):
    name = str(path.relative_to(ROOT / "templates"))
    if name == FRAME:
        return
    owner = template_owner(name)
    text = path.read_text()
    owners = url_name_owners()
    wrong = [
        f"links to {url!r} ({owners.get(url, 'unknown')})"
        for url in TEMPLATE_URL_NAME.findall(text)
        if url not in owners or not may_depend(owner, owners[url])
    ]
    wrong += [
        f"uses template {used!r} ({template_owner(used)})"
        for used in TEMPLATE_REFERENCE.findall(text)
        if used != FRAME
        and not used.startswith("admin/base")
        and not may_depend(owner, template_owner(used))
    ]
    assert wrong == [], f"{name} ({owner})"
