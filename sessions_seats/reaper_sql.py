"""One reaper batch on PostgreSQL as a few set-based statements (docs/DESIGN.md rules 2, 5 and 7).

`end_batch` makes the same changes as `releases.end_sessions` for the reaper's batches, with the
same locks in the same order, but with arrays bound as one parameter (`= ANY(%s)`) and the rows
changed read back from `UPDATE … RETURNING`, instead of IN lists of thousands of literals and
checks in Python. In one transaction:

1. The batch's open sessions are locked, skipping those another transaction holds, and ended;
   the statement returns their keys, seats and the seats' companies.
2. Their Django sessions are deleted from the store.
3. The rows of those companies are locked, in id order (FOR NO KEY UPDATE, like every claim and
   release: `releases` explains the order).
4. The seats of the batch that have no open session left are released, with the batch's reason.
5. `signals.seat_sessions_ended` is sent once the transaction commits.

Why each guarantee holds:

- **Each session ends once.** Statement 1 updates only rows it locked itself with
  `FOR UPDATE SKIP LOCKED` and found open: a row another reaper (or a log-out, a forced logout) is
  ending is locked by it and skipped; once that one commits, the row is no longer open. A session
  is never waited for, so session locks take no part in any wait cycle.
- **A seat is released exactly when its last session ends.** Statement 4 releases a seat only if
  no open session of it remains, and only if it is still open (`released_at IS NULL`, which
  PostgreSQL checks again on the newest row version should the seat be locked meanwhile). Its
  snapshot is taken when it starts, after statement 3 holds the company locks, and every
  transaction that adds a session to a seat (a claim joining it) holds its company's lock from
  before the insert until it commits. So a join either committed before statement 4 starts, and
  statement 4 sees its session and keeps the seat, or waits for statement 3's lock until this
  transaction commits and then finds the seat released and claims a new one. This is why
  statement 3 must be a statement of its own: a single statement that waited for a company lock
  would still read with the snapshot taken before the wait, and miss the session of the join it
  waited for. Two reapers ending the last two sessions of one seat are ordered by the same
  company lock: the first sees the other's session still open and keeps the seat, the second
  sees both ended and releases it, with its own session's reason.
- **No deadlock.** Companies are locked before seats (the counter's triggers of migration 0010
  update the company row when a seat is released, and find it locked already), all of a batch's
  companies in one statement in id order, as `releases._lock_companies_of` does for every other
  release. Statement 4 updates seats while holding every company concerned; the only writers of
  a seat that do not take its company first (the forced-logout countdown) wait for nothing else.
- **Counters stay right.** The release is an UPDATE of `released_at`, which the triggers count.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction

from . import django_sessions
from .models import SeatSession
from .releases import Ended
from .signals import announce_ended

# "Still open" is written `end_reason = ''` and `release_reason = ''`, which the check constraints
# `seatsession_end_has_reason` and `seat_release_has_reason` make equivalent to `ended_at IS NULL`
# and `released_at IS NULL`. Written the usual way, the planner intersects the batch's primary
# keys with the partial index of every open row, and reads that whole index once per batch.
#
# Every statement reaches the batch's rows through primary keys, one probe per row: joined the
# usual way (`FROM picked, seat`, `NOT EXISTS (...)`), the planner hashes the whole session table
# once per batch, so each batch cost more the more sessions the table held, history included.
# `= ANY(ARRAY(...))` and the subqueries below keep it to the batch.
_END_SESSIONS = """
    WITH picked AS (
        SELECT id FROM sessions_seats_seatsession
        WHERE id = ANY(%(ids)s::bigint[]) AND end_reason = ''
        ORDER BY id
        FOR UPDATE SKIP LOCKED
    )
    UPDATE sessions_seats_seatsession AS ss
    SET ended_at = %(now)s, end_reason = %(reason)s, ended_by_id = NULL
    WHERE ss.id = ANY(ARRAY(SELECT id FROM picked)) AND ss.end_reason = ''
    RETURNING ss.id, ss.session_key, ss.seat_id,
        (SELECT seat.company_id FROM sessions_seats_seat AS seat WHERE seat.id = ss.seat_id)
"""

_LOCK_COMPANIES = """
    SELECT id FROM accounts_company WHERE id = ANY(%(ids)s::bigint[])
    ORDER BY id FOR NO KEY UPDATE
"""

# OFFSET 0 keeps the NOT EXISTS a subquery probed once per seat (through the seat's index on
# seat sessions) instead of an anti-join over every open session.
_RELEASE_EMPTIED_SEATS = """
    UPDATE sessions_seats_seat AS seat
    SET released_at = %(now)s, release_reason = %(reason)s
    WHERE seat.id = ANY(%(ids)s::bigint[]) AND seat.release_reason = ''
    AND NOT EXISTS (
        SELECT 1 FROM sessions_seats_seatsession AS ss
        WHERE ss.seat_id = seat.id AND ss.ended_at IS NULL
        OFFSET 0
    )
    RETURNING seat.id
"""

_DB_SESSION_ENGINE = "django.contrib.sessions.backends.db"


def end_batch(session_ids: Sequence[int], reason: str, now: datetime.datetime) -> Ended:
    """End these seat sessions (those still open and not held by another transaction), delete
    their Django sessions and release the seats they leave empty: what `end_sessions` does, in
    four statements whatever the batch's size."""
    if not session_ids:
        return Ended([], [])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_END_SESSIONS, {"ids": list(session_ids), "now": now, "reason": reason})
        rows = cursor.fetchall()
        if not rows:
            return Ended([], [])
        ended_ids = sorted(row[0] for row in rows)
        _delete_django_sessions(cursor, [row[1] for row in rows])
        companies = sorted({row[3] for row in rows})
        cursor.execute(_LOCK_COMPANIES, {"ids": companies})
        cursor.fetchall()
        seats = sorted({row[2] for row in rows})
        cursor.execute(_RELEASE_EMPTIED_SEATS, {"ids": seats, "now": now, "reason": reason})
        released = sorted(row[0] for row in cursor.fetchall())
        announce_ended(SeatSession, ended_ids, reason, now)
    return Ended(ended_ids, released)


def _delete_django_sessions(cursor, session_keys: list[str]) -> None:
    # The plain database store keeps nothing outside its table: one DELETE is the same as a
    # delete() per key. Any other store is asked key by key, as `end_sessions` does. The keys
    # come through a subquery, whose size the planner does not guess: given the array itself,
    # it scans the whole session table once per batch rather than probe its index per key.
    if settings.SESSION_ENGINE == _DB_SESSION_ENGINE:
        cursor.execute(
            f"DELETE FROM {Session._meta.db_table} "
            "WHERE session_key = ANY(ARRAY(SELECT unnest(%s::varchar[])))",
            [session_keys],
        )
    else:
        django_sessions.delete_sessions(session_keys)
