"""Open redirect: the sign-in page follows `next=` only to this site."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

FOREIGN = [
    "https://evil.example/",
    "//evil.example/",
    "http://evil.example/accounts/login/",
    "https:/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    " https://evil.example",
]


def post_sign_in(client, user, next_url: str):
    return client.post(
        reverse("login"), {"username": user.email, "password": PASSWORD, "next": next_url}
    )


@pytest.mark.parametrize("target", FOREIGN)
def test_a_foreign_next_is_refused_and_the_user_lands_home(client, members, target):
    response = post_sign_in(client, members[0], target)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("target", FOREIGN)
def test_the_sign_in_page_does_not_carry_a_foreign_next(client, db, target):
    page = client.get(reverse("login"), {"next": target})

    assert page.context["next"] == ""


def test_a_local_next_is_followed(client, members):
    target = reverse("portal:my_sessions")

    response = post_sign_in(client, members[0], target)

    assert response["Location"] == target


def test_a_next_on_this_host_with_the_scheme_is_followed(client, members):
    response = post_sign_in(client, members[0], "http://testserver/my/sessions/")

    assert response["Location"] == "http://testserver/my/sessions/"
