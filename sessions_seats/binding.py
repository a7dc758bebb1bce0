"""How a browser's Django session names its seat session: the keys this engine keeps there.

Read on every request by the middleware, so they live in the session itself (no query): which
seat session this browser is, and when its activity was last written (docs/DESIGN.md rule 6).
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import SessionBase

SEAT_SESSION_ID = "_seat_session_id"
SEAT_TOUCHED_AT = "_seat_touched_at"


def bind(session: SessionBase, seat_session_id: int, touched_at: float) -> None:
    """Mark this Django session as the browser of seat session `seat_session_id`."""
    session[SEAT_SESSION_ID] = seat_session_id
    session[SEAT_TOUCHED_AT] = touched_at


def seat_session_id_of(session: SessionBase) -> int | None:
    return session.get(SEAT_SESSION_ID)
