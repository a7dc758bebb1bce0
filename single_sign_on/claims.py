"""The claims that name a sign-in, the same in ID tokens, userinfo and logout tokens."""

from __future__ import annotations

from django.utils.crypto import salted_hmac


def session_id_claim(seat_session_id: int) -> str:
    """The `sid` claim: opaque and stable for one seat session, and not its database id.

    An HMAC of the id with SECRET_KEY, so nothing is stored and nothing about how many sessions
    exist leaks; a back-channel logout computes it again from the seat session it ends."""
    return salted_hmac("single_sign_on.sid", str(seat_session_id), algorithm="sha256").hexdigest()[
        :32
    ]


def subject_claim(user_id: int) -> str:
    """The `sub` claim: the user's id, as DOT writes it; the ID tokens and the logout tokens
    both take it from here (`SeatBoundValidator.get_claim_dict`)."""
    return str(user_id)
