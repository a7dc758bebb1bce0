"""Links to pages named by what they show rather than by who serves them, and absolute links for
emails.

Emails are built low in the stack (license requests, the weekly digest) but link to pages served
higher up (the portal, the staff console), and the portal links staff to their console. Reversing
those apps' URL names there would point the dependencies the wrong way, so the app that serves a
page registers it under a plain name in its `AppConfig.ready()`, and the sender asks for it by
that name. A page nobody serves (its app is not installed) has no link: the email or page leaves
it out rather than point at nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings

PathBuilder = Callable[..., str]

_pages: dict[str, PathBuilder] = {}


def absolute_url(path: str) -> str:
    """`path` on the site's public address (PORTAL_BASE_URL), never on a request's Host header."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def public_site() -> tuple[str, bool]:
    """The public address as the `domain` (host, and any path of the address) and `use_https` of
    Django's password emails. Never the request's Host header: the sender of a request chooses
    it, and a password link sent to a host they own would hand them the token."""
    address = urlsplit(settings.PORTAL_BASE_URL)
    return address.netloc + address.path.rstrip("/"), address.scheme == "https"


def register_pages(pages: dict[str, PathBuilder]) -> None:
    """Declare pages this app serves: a name and a function of the page's arguments to its path."""
    _pages.update(pages)


def page_path(name: str, *args: object, query: dict[str, str] | None = None) -> str | None:
    """The path of a registered page (for a link on a page), or None when no app serves it."""
    build = _pages.get(name)
    if build is None:
        return None
    return build(*args) + (f"?{urlencode(query)}" if query else "")


def page_url(name: str, *args: object, query: dict[str, str] | None = None) -> str | None:
    """The absolute URL of a registered page (for an email), or None when no app serves it."""
    path = page_path(name, *args, query=query)
    return None if path is None else absolute_url(path)
