"""One reaper batch on PostgreSQL as three set-based statements (docs/DESIGN.md rules 2, 5 and 7).

`end_next_batch` makes the same changes as `releases.end_sessions`, with the same locks in the
same order, to the next batch of one kind's candidates (`reaper` says which sessions each kind
ends). Arrays are bound as one parameter and the rows changed are read back from
`UPDATE … RETURNING`, instead of IN lists of thousands of literals and checks in Python. In one
transaction:

1. The next candidates after the keyset cursor are read and locked in id order, skipping those
   another transaction holds, up to the batch's size; they are ended and their Django sessions
   deleted. The statement returns the last candidate it read (the cursor), the ended sessions,
   their seats, and the seats' companies.
2. The rows of those companies are locked, in id order (FOR NO KEY UPDATE, like every claim and
   release: `releases` explains the order).
3. The seats of the batch that have no open session left are released, with the batch's reason.
4. `signals.seat_sessions_ended` is sent once the transaction commits.

Reading the candidates inside the statement that ends them saves a round trip and a second look-up
of every row per batch: ending the rows by tuple id then costs about what a whole-table UPDATE of
them does, and what a batch adds is reading and locking its candidates and checking its seats.

Why each guarantee holds:

- **Each session ends once, and only if it is a candidate when it is locked.** Statement 1 ends
  only rows it locked itself (`FOR UPDATE … SKIP LOCKED`): a row another reaper, a log-out or a
  forced logout is ending is locked by it and skipped; once that one commits, the row is no longer
  open. A row changed and committed since the statement began is read again at its newest version
  and its condition checked again before it is locked, so a session active meanwhile is no longer
  idle and stays open. The size limit counts only the rows locked, so a batch behind another
  reaper is still full, and the cursor moves past the rows it skipped. A session is never waited
  for, so session locks take no part in any wait cycle.
- **A seat is released exactly when its last session ends.** Statement 3 releases a seat only if
  no open session of it remains, and only if it is still open (`release_reason = ''`, which
  PostgreSQL checks again on the newest row version should the seat be locked meanwhile). Its
  snapshot is taken when it starts, after statement 2 holds the company locks, and every
  transaction that adds a session to a seat (a claim joining it) holds its company's lock from
  before the insert until it commits. So a join either committed before statement 3 starts, and
  statement 3 sees its session and keeps the seat, or waits for statement 2's lock until this
  transaction commits and then finds the seat released and claims a new one. This is why
  statement 2 must be a statement of its own: a single statement that waited for a company lock
  would still read with the snapshot taken before the wait, and miss the session of the join it
  waited for. Two reapers ending the last two sessions of one seat are ordered by the same
  company lock: the first sees the other's session still open and keeps the seat, the second
  sees both ended and releases it, with its own session's reason.
- **No deadlock.** Companies are locked before seats (the counter's triggers of migrations 0010
  and 0012 update the company row when a seat is released, and find it locked already), all of a
  batch's companies in one statement in id order, with `releases.lock_companies` as every other
  release does. Statement 3 updates seats while holding every company concerned; the only
  writers of a seat that do not take its company first (the forced-logout countdown) wait for
  nothing else.
- **Counters stay right.** The release is an UPDATE of `released_at`, which the triggers count.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from common.id_sets import id_array

from . import django_sessions
from .models import SeatSession
from .releases import Ended, lock_companies
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
_END_NEXT_BATCH = """
    WITH picked (id, row_version, company_id) AS ({candidates}),
    ended AS (
        UPDATE sessions_seats_seatsession AS ss
        SET ended_at = %s, end_reason = %s, ended_by_id = NULL
        WHERE ss.ctid = ANY(ARRAY(SELECT row_version FROM picked)) AND ss.end_reason = ''
        RETURNING ss.id, ss.session_key, ss.seat_id
    ){delete_django_sessions}
    SELECT
        (SELECT max(id) FROM picked),
        ARRAY(SELECT id FROM ended ORDER BY id),
        {session_keys},
        ARRAY(SELECT DISTINCT seat_id FROM ended ORDER BY seat_id),
        ARRAY(SELECT DISTINCT company_id FROM picked ORDER BY company_id)
"""

# Only where the session table is the whole store; other stores are asked key by key, as
# `end_sessions` does. PostgreSQL runs a data-modifying WITH to completion even when nothing
# reads it. The keys come through a subquery, whose size the planner does not guess: given an
# array, it scans the whole session table once per batch rather than probe its index per key.
_DELETE_DJANGO_SESSIONS = f""",
    gone AS (
        DELETE FROM {Session._meta.db_table}
        WHERE session_key = ANY(ARRAY(SELECT session_key FROM ended))
    )"""

# The batch ends the rows it locked by their tuple id (`ctid`), without looking each up again by
# primary key. No other transaction can change a row this statement holds locked, so the id still
# points at it; `end_reason = ''` is checked all the same, and RETURNING says what really ended.
_ROW_VERSION = RawSQL(f'"{SeatSession._meta.db_table}".ctid', ())

# OFFSET 0 keeps the NOT EXISTS a subquery probed once per seat (through the seat's index on
# seat sessions) instead of an anti-join over every open session.
_RELEASE_EMPTIED_SEATS = """
    WITH released AS (
        UPDATE sessions_seats_seat AS seat
        SET released_at = %(now)s, release_reason = %(reason)s
        WHERE seat.id = ANY(%(ids)s::bigint[]) AND seat.release_reason = ''
        AND NOT EXISTS (
            SELECT 1 FROM sessions_seats_seatsession AS ss
            WHERE ss.seat_id = seat.id AND ss.ended_at IS NULL
            OFFSET 0
        )
        RETURNING seat.id
    )
    SELECT ARRAY(SELECT id FROM released ORDER BY id)
"""


@dataclass(frozen=True)
class Batch:
    """One batch's changes, and the keyset cursor: the next batch reads candidates after it."""

    last_read: int
    ended: Ended


def end_next_batch(
    candidates: QuerySet[SeatSession],
    *,
    after: int,
    size: int,
    reason: str,
    now: datetime.datetime,
) -> Batch | None:
    """End up to `size` of these candidate sessions with ids above `after` (skipping those
    another transaction holds), delete their Django sessions and release the seats they leave
    empty: what `end_sessions` does, in three statements whatever the batch's size. None once no
    candidate is left after `after`."""
    plain_table = django_sessions.is_plain_table_store()
    with transaction.atomic(), connection.cursor() as cursor:
        picked_sql, picked_params = _locked_candidates(candidates, after, size)
        cursor.execute(
            _END_NEXT_BATCH.format(
                candidates=picked_sql,
                delete_django_sessions=_DELETE_DJANGO_SESSIONS if plain_table else "",
                # Deleted by the statement already, or to be deleted from the store.
                session_keys="NULL" if plain_table else "ARRAY(SELECT session_key FROM ended)",
            ),
            [*picked_params, now, reason],
        )
        last_read, ended_ids, session_keys, seats, companies = cursor.fetchone()
        if last_read is None:
            return None
        if not ended_ids:
            return Batch(last_read, Ended([], []))
        if not plain_table:
            django_sessions.delete_sessions(session_keys)
        lock_companies(companies)
        cursor.execute(
            _RELEASE_EMPTIED_SEATS, {"ids": id_array(seats), "now": now, "reason": reason}
        )
        (released,) = cursor.fetchone()
        announce_ended(SeatSession, ended_ids, reason, now)
    return Batch(last_read, Ended(ended_ids, released))


def _locked_candidates(
    candidates: QuerySet[SeatSession], after: int, size: int
) -> tuple[str, tuple[Any, ...]]:
    """The candidates' SQL as the statement's first step: the next `size` after `after`, in id
    order, each with its seat's company, locked unless another transaction holds them. Compiled
    from the kind's own queryset, so each kind's rule keeps its one home."""
    batch = (
        candidates.filter(pk__gt=after)
        .order_by("pk")
        .select_for_update(skip_locked=True, of=("self",))
        .annotate(row_version=_ROW_VERSION)
        .values_list("pk", "row_version", "seat__company_id")[:size]
    )
    return batch.query.get_compiler(using=batch.db).as_sql()
