"""The claim on PostgreSQL as one statement: the company's lock is held for one round trip.

`claim` makes the same reads and writes as the ORM's claim (`services._claim_locked`), in the same
order, as data-modifying CTEs of a single statement. Outside a transaction (every sign-in but the
refusal page's) the statement is its own transaction, so the lock is taken, used and released
by the commit inside one round trip, and no Python runs while it is held.

1. `company` locks the company's row (FOR NO KEY UPDATE) and reads its capacity and counter.
2. `person` locks the user's row, skipping it when another transaction holds it (a deactivation or
   a move in progress), and reads their company and whether the account is active.
3. `held` locks the user's open seat.
4. `facts` joins the three and says whether the claim is admitted: the SQL spelling of
   `claim_rules.decide` returning Join or ClaimNew.
5. `new_seat` inserts a seat when admitted and the user holds none; `new_session` inserts the seat
   session on the seat held or new, when admitted.

Why it is correct:

- **Order.** Each of steps 2 and 3 is gated by a scalar subquery on the step before it (an
  InitPlan, evaluated before the step reads any row), so the company is locked first, then the
  user, then the seat, the order every claim and release uses (`releases`). No Python runs
  between them and the commit.
- **Fresh figures despite an old snapshot.** A single statement reads with the snapshot taken
  when it started, possibly long before the company's lock was granted. Rows it locks are read
  again at their newest version once the lock is granted, and their conditions checked again:
  the counter (`seats_in_use`, kept on the company's row by the triggers of migration 0010), the
  user's company and `is_active`, and whether the seat held is still open. A seat released while
  this statement waited drops out of `held`.
- **What the snapshot can miss** is a seat that the previous holder of the lock inserted for this
  same user (their other device signing in at the same moment). The insert of a new seat then
  conflicts with it on `seat_one_open_per_user`, which sees every committed row: ON CONFLICT DO
  NOTHING inserts neither the seat nor its session, and the caller starts again with a fresh
  snapshot, which joins it. A refusal for full seats could have missed it too: the caller looks
  for an open seat of the user once more before it believes the refusal.
- **No seat without its session.** Both inserts are one statement: both or neither commit.
- **Counters stay right.** The seat's insert fires the counter's trigger, which updates the
  company's row this statement holds locked.

Capacity is read with the same SQL as everywhere: `selectors.capacity_expression`, compiled once a
day per process (compiling an ORM query costs about as long as running this one). The statement is
planned once per database connection (`common.prepared_statements`).
"""

from __future__ import annotations

import datetime
import functools
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from accounts.models import Company
from accounts.time_zones import site_today
from common.prepared_statements import execute_prepared

from .claim_rules import Seen
from .selectors import capacity_expression

# A company id no row has, compiled into the company query and replaced by the real one.
_NO_COMPANY = -1

_STATEMENT = """
WITH company AS MATERIALIZED (
    {company_query} FOR NO KEY UPDATE
),
locked AS MATERIALIZED (
    SELECT clock_timestamp() - statement_timestamp() AS waited FROM company
),
person AS MATERIALIZED (
    SELECT u.company_id, u.is_active FROM accounts_user u
    WHERE u.id = %s AND (SELECT count(*) FROM locked) > 0
    FOR NO KEY UPDATE OF u {skip_locked}
),
held AS MATERIALIZED (
    SELECT s.id, s.company_id FROM sessions_seats_seat s
    WHERE s.user_id = %s AND s.released_at IS NULL AND (SELECT count(*) FROM person) > 0
    FOR UPDATE OF s
),
facts AS MATERIALIZED (
    SELECT company.*, locked.waited,
        person.company_id AS user_company_id, person.is_active AS user_is_active,
        held.id AS held_seat_id, held.company_id AS held_company_id,
        COALESCE(
            person.is_active AND person.company_id = company.id
            AND (held.id IS NULL OR held.company_id = company.id)
            AND company.is_active AND company.capacity_now > 0
            AND (held.id IS NOT NULL OR company.seats_in_use < company.capacity_now),
            FALSE
        ) AS admitted
    FROM company CROSS JOIN locked LEFT JOIN person ON TRUE LEFT JOIN held ON TRUE
),
new_seat AS (
    INSERT INTO sessions_seats_seat
        (company_id, user_id, claimed_at, released_at, release_reason, logout_scheduled_at)
    SELECT facts.id, %s::bigint, %s::timestamptz + facts.waited, NULL, '', NULL FROM facts
    WHERE facts.admitted AND facts.held_seat_id IS NULL
    ON CONFLICT (user_id) WHERE released_at IS NULL DO NOTHING
    RETURNING id
),
new_session AS (
    INSERT INTO sessions_seats_seatsession
        (seat_id, session_key, started_at, last_activity, ended_at, end_reason, ended_by_id,
         ip, user_agent)
    SELECT COALESCE(facts.held_seat_id, new_seat.id), %s::varchar, %s::timestamptz + facts.waited,
        %s::timestamptz + facts.waited, NULL, '', NULL, %s::inet, %s::varchar
    FROM facts LEFT JOIN new_seat ON TRUE
    WHERE facts.admitted AND COALESCE(facts.held_seat_id, new_seat.id) IS NOT NULL
    RETURNING id, seat_id, started_at
)
SELECT {company_columns}, facts.capacity_now, facts.user_company_id, facts.user_is_active,
    facts.held_seat_id, facts.held_company_id, facts.admitted, EXTRACT(EPOCH FROM facts.waited),
    new_session.id, new_session.seat_id, new_session.started_at{durability}
FROM facts LEFT JOIN new_session ON TRUE
"""


@dataclass(frozen=True)
class Claimed:
    """What the statement read, and the seat session it inserted (None when not admitted, or when
    the new seat conflicted with one the statement could not see)."""

    seen: Seen
    admitted: bool
    seat_session_id: int | None
    seat_id: int | None
    started_at: datetime.datetime | None
    # How long the company's lock was held, measured around the round trip less the wait.
    lock_hold_seconds: float


@functools.lru_cache(maxsize=2)
def _company_query(day: datetime.date) -> tuple[str, tuple[object, ...], tuple[str, ...]]:
    """The company query's SQL with its parameters but the company's id (the last), and the
    attribute names of the columns it selects before `capacity_now`."""
    query = (
        Company.objects.annotate(capacity_now=capacity_expression(day))
        .filter(pk=_NO_COMPANY)
        .order_by()
        .query
    )
    sql, params = query.get_compiler(using=connection.alias).as_sql()
    if params[-1] != _NO_COMPANY:
        raise RuntimeError("The company's id is no longer the company query's last parameter.")
    fields = tuple(field.attname for field in Company._meta.concrete_fields)
    return sql, tuple(params[:-1]), fields


@functools.lru_cache(maxsize=8)
def _statement(company_sql: str, *, skip_locked: bool, durable: bool) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"facts.{quote(str(field.column))}" for field in Company._meta.concrete_fields
    )
    return _STATEMENT.format(
        company_query=company_sql,
        company_columns=columns,
        skip_locked="SKIP LOCKED" if skip_locked else "",
        # The statement commits by itself: waiting there for the WAL to reach the disk would be
        # most of the lock's hold. The response's session save commits durably moments later
        # and flushes this commit with it; should the server crash in between, the browser's
        # session (saved durably before) names no seat session and is signed out on its next
        # request (docs/DESIGN.md rule 4).
        durability="" if durable else ", set_config('synchronous_commit', 'off', true)",
    )


def claim(
    *,
    company_id: int,
    user_id: int,
    session_key: str,
    ip: str | None,
    user_agent: str,
    skip_locked: bool,
) -> Claimed:
    """Run the claim's statement; raises Company.DoesNotExist if the company has gone.

    Outside a transaction it commits by itself. Inside one (`skip_locked` False: the caller holds
    locks already and cannot back off), it waits for the user's row instead of skipping it.
    """
    company_sql, company_params, fields = _company_query(site_today())
    in_transaction = connection.in_atomic_block
    sql = _statement(company_sql, skip_locked=skip_locked, durable=in_transaction)
    now = timezone.now()
    params: list[Any] = [
        *company_params,
        company_id,
        user_id,  # person
        user_id,  # held
        user_id,  # new_seat
        now,
        session_key,  # new_session
        now,
        now,
        ip,
        user_agent,
    ]
    with connection.cursor() as cursor:
        started = time.perf_counter()
        execute_prepared(cursor, sql, params)
        row = cursor.fetchone()
        finished = time.perf_counter()
    if row is None:
        raise Company.DoesNotExist(f"No company with id {company_id}.")
    n = len(fields)
    company = Company.from_db(connection.alias, list(fields), row[:n])
    (
        capacity,
        user_company_id,
        user_is_active,
        held_seat_id,
        held_company_id,
        admitted,
        waited,
        seat_session_id,
        seat_id,
        started_at,
    ) = row[n : n + 10]
    user_row = None if user_is_active is None else (user_company_id, user_is_active)
    held = None if held_seat_id is None else (held_seat_id, held_company_id)
    return Claimed(
        seen=Seen(company=company, capacity=capacity, user_row=user_row, held_seat=held),
        admitted=admitted,
        seat_session_id=seat_session_id,
        seat_id=seat_id,
        started_at=started_at,
        lock_hold_seconds=max(0.0, (finished - started) - float(waited)),
    )
