"""The request type of pages that only signed-in people reach."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind `login_required` (or a stricter check, or the admin site): `user` is a
    signed-in user, never `AnonymousUser`. Only an annotation; Django builds the request."""

    user: User


def signed_in_user(request: HttpRequest) -> User:
    """`request.user` where the caller has already checked that someone is signed in."""
    user = request.user
    assert isinstance(user, User), "only for requests of a signed-in user"
    return user
