"""The engine's one outward seam: apps above it learn which seat sessions ended, and why.

`end_sessions` ends every seat session (docs/DESIGN.md rule 5), so a receiver of
`seat_sessions_ended` hears of every ending, whatever its reason. The engine imports nothing
above it (the import-linter layers); single sign-on connects a receiver in its AppConfig.ready.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# Sent with sender=SeatSession and keyword arguments:
#   session_ids: list[int], the seat sessions this call ended (never empty);
#   reason: str, their EndReason; ended_at: datetime, the end time recorded on them.
seat_sessions_ended = Signal()


def announce_ended(
    sender: type, session_ids: Sequence[int], reason: str, ended_at: datetime.datetime
) -> None:
    """Send `seat_sessions_ended` once the ending commits; nothing if it rolls back.

    Called inside the ending's transaction. With no receiver connected this costs nothing, not
    even a closure on the commit hooks. Receivers run after the commit, outside it: one that
    fails is logged and cannot undo the ending, nor keep the other receivers from running.
    """
    if not seat_sessions_ended.has_listeners(sender):
        return
    ids = list(session_ids)

    def send() -> None:
        for receiver, outcome in seat_sessions_ended.send_robust(
            sender, session_ids=ids, reason=reason, ended_at=ended_at
        ):
            if isinstance(outcome, Exception):
                logger.error(
                    "Receiver %r of seat_sessions_ended failed for %d sessions",
                    receiver,
                    len(ids),
                    exc_info=outcome,
                )

    transaction.on_commit(send)
