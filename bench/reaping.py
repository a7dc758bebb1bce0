"""Reaping N idle seat sessions against the floor of the same row changes, the reaper's peak memory
at two sizes, and how long a sign-in waits for a company the reaper is releasing seats of.

- `reap_vs_update_floor_ratio`: the reaper against plain `QuerySet.update()` / `.delete()`
  statements making the same changes to another N idle sessions (end the sessions, release their
  seats, delete their Django sessions), in the same run. Nothing can do those writes faster: it is
  what keeping history costs.
- `reap_vs_clearsessions_ratio`: against Django's `clearsessions` deleting N expired sessions, for
  reference (a DELETE of rows nothing refers to).
- `reap_sign_in_wait_ms_max`: in one more run of the reaper at N, a probe takes the company row
  lock a sign-in takes first (`services._claim`), on the company the reaper is working on, again
  and again; the longest wait is what a sign-in joining a seat of a batch waits at most. That run
  is timed too (`reap_seconds_beside_sign_ins`), but not compared with the floor, which runs alone.

Each measured run is a child process of its own (`run.py --child reap|floor|clearsessions`), so
its peak RSS is its own and not the seeding's; Django is set up and the connection opened before
the baseline is read, so what grows is what the work itself needs. On PostgreSQL every child starts
after a VACUUM ANALYZE, so no run pays for the dead rows of the one before.

The floor and the reaper at N run five times each, alternately, every run on a fresh copy of one
database seeded once (`common.copy_of`): both start from the same rows, pages and statistics, and
the ratio is of the medians. A single pair of runs on a shared machine moved it by a fifth either
way.

`python bench/run.py --reap-only --n 100000` runs these figures alone.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .common import (
    BENCH_DB_ENV,
    log,
    make_company,
    make_users,
    password_hash,
    vacuum_analyze,
)
from .reaping_instruments import CompanyLockProbe, RssSampler

USERS_PER_COMPANY = 1000
CHUNK = 5000
# Runs of the floor and of the reaper at N, alternately.
ROUNDS = 5
# The slug prefix of the companies seeded for the run a child measures.
SEEDED_COMPANIES_ENV = "FOUNDRY_BENCH_SEEDED_COMPANIES"
# "1": the reaper child probes the company lock as sign-ins would (PostgreSQL only).
PROBE_ENV = "FOUNDRY_BENCH_PROBE_SIGN_INS"


def _session_blob() -> str:
    from django.contrib.sessions.backends.db import SessionStore

    # Every bench session may carry the same payload: the store keys rows by session_key only.
    return SessionStore().encode({"_bench": True})


def seed_idle_sessions(n: int, tag: str) -> None:
    """n company users, each signed in on one device and idle for two hours."""
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from sessions_seats.models import Seat, SeatSession

    now = timezone.now()
    idle_since = now - datetime.timedelta(hours=2)
    live_until = now + datetime.timedelta(days=1)
    blob = _session_blob()
    hashed = password_hash()
    done = 0
    company_no = 0
    while done < n:
        size = min(USERS_PER_COMPANY, n - done)
        with transaction.atomic():
            company = make_company(f"bench-{tag}-{company_no}", size)
            users = make_users(company, size, tag, hashed)
            seats = Seat.objects.bulk_create(
                [Seat(company=company, user=u, claimed_at=idle_since) for u in users],
                batch_size=CHUNK,
            )
            keys = [secrets.token_hex(16) for _ in seats]
            Session.objects.bulk_create(
                [Session(session_key=k, session_data=blob, expire_date=live_until) for k in keys],
                batch_size=CHUNK,
            )
            SeatSession.objects.bulk_create(
                [
                    SeatSession(
                        seat=seat,
                        session_key=key,
                        started_at=idle_since,
                        last_activity=idle_since,
                        ip="127.0.0.1",
                        user_agent="bench",
                    )
                    for seat, key in zip(seats, keys, strict=True)
                ],
                batch_size=CHUNK,
            )
        done += size
        company_no += 1
        if done % 20_000 == 0 or done == n:
            log(f"  seeded {done:,} / {n:,} idle seat sessions")


def seed_expired_sessions(n: int) -> None:
    """n Django sessions past their expiry date: what `clearsessions` deletes."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    expired = timezone.now() - datetime.timedelta(hours=1)
    blob = _session_blob()
    for start in range(0, n, CHUNK):
        Session.objects.bulk_create(
            [
                Session(session_key=secrets.token_hex(16), session_data=blob, expire_date=expired)
                for _ in range(min(CHUNK, n - start))
            ]
        )
    log(f"  seeded {n:,} expired Django sessions")


def analyze() -> None:
    """Fresh planner statistics after bulk loads, as autovacuum would have them in production."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- Children ----------------------------------------------------------------------------------


def child_reap() -> dict[str, float]:
    from django.db import connection

    from accounts.models import Company
    from sessions_seats import reaper
    from sessions_seats.models import SeatSession

    # Set up, connected and with the models' code paths warm before the baseline is read.
    open_before = SeatSession.objects.filter(ended_at__isnull=True).count()
    # Only the seeded companies: a company of an earlier part of the run keeps its seats, and a
    # probe waiting for them to go would never reach the companies the reaper works on.
    seeded = os.environ[SEEDED_COMPANIES_ENV]
    companies = list(
        Company.objects.filter(seats_in_use__gt=0, slug__startswith=seeded)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    probing = connection.vendor == "postgresql" and os.environ.get(PROBE_ENV) == "1"
    connection.ensure_connection()
    gc.collect()
    probe = CompanyLockProbe(companies if probing else [])
    with RssSampler() as rss, probe:
        start = time.perf_counter()
        report = reaper.reap_idle_seats()
        seconds = time.perf_counter() - start
    left_sessions, left_seats = _left_open(seeded)
    return {
        "seconds": seconds,
        "rss_growth_mb": rss.growth_mb,
        "lock_wait_ms_max": probe.max_ms if probing else None,
        "lock_probes": len(probe.waits),
        "ended": report.total_sessions,
        "idle": report.sessions.get("idle", 0),
        "seats_released": report.seats_released,
        "open_before": open_before,
        "left_sessions": left_sessions,
        "left_seats": left_seats,
    }


def _left_open(slug_prefix: str) -> tuple[int, int]:
    """Sessions and seats of the seeded companies still open."""
    from sessions_seats.models import Seat, SeatSession

    sessions = SeatSession.objects.open().filter(seat__company__slug__startswith=slug_prefix)
    seats = Seat.objects.open().filter(company__slug__startswith=slug_prefix)
    return sessions.count(), seats.count()


def child_floor() -> dict[str, float]:
    """The reaper's row changes for every open seat session, as plain whole-set statements: the
    sessions end, their seats are released, their Django sessions are deleted. No batches, no
    locks, no checks: what the schema's writes cost, with the seat counter's triggers."""
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from sessions_seats.models import EndReason, Seat, SeatSession

    # Only the companies seeded for it: other parts of the run leave seats of their own open.
    seeded = os.environ[SEEDED_COMPANIES_ENV]
    open_sessions = SeatSession.objects.filter(
        ended_at__isnull=True, seat__company__slug__startswith=seeded
    )
    before = open_sessions.count()
    now = timezone.now()
    start = time.perf_counter()
    with transaction.atomic():
        Session.objects.filter(session_key__in=open_sessions.values("session_key")).delete()
        ended = open_sessions.update(ended_at=now, end_reason=EndReason.IDLE)
        released = Seat.objects.filter(
            released_at__isnull=True, company__slug__startswith=seeded
        ).update(released_at=now, release_reason=EndReason.IDLE)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "ended": ended, "released": released, "open_before": before}


def child_clearsessions() -> dict[str, float]:
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.utils import timezone

    expired = Session.objects.filter(expire_date__lt=timezone.now())
    before = expired.count()
    start = time.perf_counter()
    call_command("clearsessions")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "deleted": before - expired.count()}


CHILDREN = {"reap": child_reap, "floor": child_floor, "clearsessions": child_clearsessions}


def run_child(kind: str, **env: str) -> dict[str, float]:
    """Run one measurement in a fresh interpreter on the bench database; its JSON result."""
    run_py = Path(__file__).resolve().parent / "run.py"
    result = subprocess.run(
        [sys.executable, str(run_py), "--child", kind],
        env={**os.environ, BENCH_DB_ENV: os.environ[BENCH_DB_ENV], **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"child {kind} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _reap(
    size: int, tag: str, database_url: str | None = None, probe: bool = False
) -> dict[str, float]:
    """One reaper child on `size` idle sessions of the companies "bench-<tag>-<k>", seeded
    already; on a copy of the bench database when `database_url` says so."""
    env = {SEEDED_COMPANIES_ENV: f"bench-{tag}-", PROBE_ENV: "1" if probe else "0"}
    if database_url:
        env[BENCH_DB_ENV] = database_url
    run = run_child("reap", **env)
    wait = run["lock_wait_ms_max"]
    log(
        f"  reaper: ended {run['ended']:,} in {run['seconds']:.2f} s, peak RSS "
        f"+{run['rss_growth_mb']:.1f} MB; left open: {run['left_sessions']} sessions, "
        f"{run['left_seats']} seats"
        + (f"; sign-in lock wait max {wait:.1f} ms ({run['lock_probes']} probes)" if wait else "")
    )
    if run["idle"] != size or run["left_sessions"] or run["left_seats"]:
        raise RuntimeError(f"the reaper left work undone at {size}: {run}")
    return run


def _floor(n: int, tag: str, database_url: str) -> dict[str, float]:
    floor = run_child(
        "floor", **{BENCH_DB_ENV: database_url, SEEDED_COMPANIES_ENV: f"bench-{tag}-"}
    )
    log(
        f"  floor: ended {floor['ended']:,}, released {floor['released']:,} in {floor['seconds']:.2f} s"
    )
    if floor["ended"] != n or floor["released"] != n:
        raise RuntimeError(f"the floor changed other rows than the {n} seeded: {floor}")
    return floor


def _floor_and_reap(
    n: int, vendor: str
) -> tuple[list[dict[str, float]], list[dict[str, float]], dict[str, float] | None]:
    """ROUNDS runs of the floor and of the reaper, alternately, each on a fresh copy of one
    database holding n idle sessions; then, on PostgreSQL, one run of the reaper beside
    sign-ins."""
    from .common import copy_of

    tag = f"s{n}"
    log(
        f"floor (plain update()/delete()) and reaper at {n:,} idle sessions: {ROUNDS} runs each, "
        "alternately, each on a fresh copy of one seeded database"
    )
    seed_idle_sessions(n, tag)
    vacuum_analyze()
    seeded = os.environ[BENCH_DB_ENV]
    floors, reaps = [], []
    for _ in range(ROUNDS):
        with copy_of(seeded) as copy:
            floors.append(_floor(n, tag, copy))
        with copy_of(seeded) as copy:
            reaps.append(_reap(n, tag, copy))
    if vendor == "postgresql":
        log("  and once more beside sign-ins probing the company lock")
        with copy_of(seeded) as copy:
            beside_sign_ins = _reap(n, tag, copy, probe=True)
    else:
        beside_sign_ins = None
    # The bench database itself still holds them open: ended here, untimed, so that no later
    # figure of the run meets them.
    os.environ[SEEDED_COMPANIES_ENV] = f"bench-{tag}-"
    child_floor()
    return floors, reaps, beside_sign_ins


def measure(n: int, small: int, vendor: str) -> dict[str, object]:
    """Reap `small` idle sessions (a child), then the floor and the reaper at `n`, then
    clearsessions on `n` expired."""
    from django.contrib.sessions.models import Session

    from .common import size_label

    log(f"reaper at {small:,} idle sessions")
    seed_idle_sessions(small, f"r{small}")
    vacuum_analyze()
    little = _reap(small, f"r{small}")
    floors, reaps, beside_sign_ins = _floor_and_reap(n, vendor)

    log(f"clearsessions at {n:,} expired sessions")
    Session.objects.all().delete()
    seed_expired_sessions(n)
    vacuum_analyze()
    clear = run_child("clearsessions")
    log(f"  deleted {clear['deleted']:,} in {clear['seconds']:.2f} s")
    if clear["deleted"] != n:
        raise RuntimeError(f"clearsessions deleted {clear['deleted']} of {n}")

    reap_seconds = statistics.median(run["seconds"] for run in reaps)
    floor_seconds = statistics.median(run["seconds"] for run in floors)
    big_memory = max(run["rss_growth_mb"] for run in reaps)
    return {
        "reap_seconds": round(reap_seconds, 3),
        "update_floor_seconds": round(floor_seconds, 3),
        "reap_vs_update_floor_ratio": round(reap_seconds / floor_seconds, 2),
        "reap_seconds_runs": [round(run["seconds"], 3) for run in reaps],
        "update_floor_seconds_runs": [round(run["seconds"], 3) for run in floors],
        "clearsessions_seconds": round(clear["seconds"], 3),
        "reap_vs_clearsessions_ratio": round(reap_seconds / clear["seconds"], 2),
        "reap_sign_in_wait_ms_max": (
            round(beside_sign_ins["lock_wait_ms_max"], 1) if beside_sign_ins else None
        ),
        "reap_seconds_beside_sign_ins": (
            round(beside_sign_ins["seconds"], 3) if beside_sign_ins else None
        ),
        f"reap_peak_memory_mb_{size_label(small)}": round(little["rss_growth_mb"], 2),
        f"reap_peak_memory_mb_{size_label(n)}": round(big_memory, 2),
        "reap_memory_ratio": round(max(big_memory, 1.0) / max(little["rss_growth_mb"], 1.0), 2),
    }
