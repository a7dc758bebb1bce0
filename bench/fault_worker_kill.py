"""Fault: SIGKILL the Celery worker in the middle of a reap, restart it, reap again.

    DATABASE_URL=postgres://... python bench/fault_worker_kill.py [--sessions 20000]

Starts its own redis-server (a free loopback port) and works in its own database (DATABASE_URL's
name + `_faults`, dropped at the end). Passes when every idle session ends exactly once (those
ended before the kill keep their end time), every seat is released exactly when its last session
ends, and every ended session's Django session is gone. Exits 1 on FAIL.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, loadkit

NAME = "worker killed mid-reap"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200, help="reaper batch size in the worker")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return loadkit.skip(NAME, "set DATABASE_URL=postgres://... (this test is for PostgreSQL)")

    verdict = loadkit.Verdict(NAME)
    database = common.create_bench_database(keep=args.keep, suffix="_faults")
    with loadkit.workspace(keep=args.keep) as folder:
        procs = loadkit.Processes(folder)
        try:
            redis_port = loadkit.free_port()
            loadkit.start_redis(procs, redis_port, folder)
            broker = f"redis://{loadkit.HOST}:{redis_port}/0"
            os.environ["CELERY_BROKER_URL"] = broker
            common.setup_django(database.url)
            common.migrate()
            env = loadkit.app_env(
                database.url,
                folder,
                CELERY_BROKER_URL=broker,
                SEAT_REAPER_BATCH_SIZE=str(args.batch),
            )
            run(verdict, procs, env, args.sessions)
        finally:
            procs.stop_all()
            from django.db import connections

            connections.close_all()
            database.cleanup()
    return verdict.report()


def run(verdict: loadkit.Verdict, procs: loadkit.Processes, env: dict[str, str], n: int) -> None:
    from django.contrib.sessions.models import Session

    from bench import reaping
    from sessions_seats.models import Seat, SeatSession
    from sessions_seats.tasks import reap_idle_seats

    loadkit.log(f"seeding {n:,} idle seat sessions")
    reaping.seed_idle_sessions(n, "kill")
    reaping.analyze()
    keys = set(SeatSession.objects.values_list("session_key", flat=True))

    def ended() -> int:
        return SeatSession.objects.filter(ended_at__isnull=False).count()

    worker = loadkit.start_celery(procs, "worker", env, name="worker-1")
    if not loadkit.wait_until(lambda: "ready" in procs.tail("worker-1", 50), timeout=60):
        raise RuntimeError(f"worker did not start:\n{procs.tail('worker-1')}")
    reap_idle_seats.delay()
    if not loadkit.wait_until(lambda: ended() >= n // 5, timeout=120, interval=0.05):
        raise RuntimeError(f"the first reap did not get going:\n{procs.tail('worker-1')}")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    procs.started.pop("worker-1", None)
    killed_at = ended()
    loadkit.log(f"SIGKILLed the worker (pid {worker.pid}) with {killed_at:,} / {n:,} ended")
    time.sleep(1)  # PostgreSQL notices the dead connection and rolls its open batch back
    before = dict(SeatSession.objects.filter(ended_at__isnull=False).values_list("pk", "ended_at"))
    mid = loadkit.seat_invariants()
    verdict.check("killed mid-reap", 0 < len(before) < n, f"{len(before):,} of {n:,} ended")
    verdict.check("after the kill, seats and sessions agree", not any(mid.values()), mid)

    loadkit.start_celery(procs, "worker", env, name="worker-2")
    if not loadkit.wait_until(lambda: "ready" in procs.tail("worker-2", 50), timeout=60):
        raise RuntimeError(f"worker did not restart:\n{procs.tail('worker-2')}")
    reap_idle_seats.delay()  # what beat does on its next tick
    started = time.monotonic()
    finished = loadkit.wait_until(lambda: ended() == n, timeout=300, interval=0.2)
    loadkit.log(f"restarted worker finished in {time.monotonic() - started:.1f} s")

    after = dict(SeatSession.objects.values_list("pk", "ended_at"))
    rewritten = sum(1 for pk, at in before.items() if after.get(pk) != at)
    reasons = set(SeatSession.objects.values_list("end_reason", flat=True))
    final = loadkit.seat_invariants()
    verdict.figures.update(
        sessions=n,
        ended_before_kill=len(before),
        ended_total=sum(1 for at in after.values() if at is not None),
    )
    verdict.check("every idle session ended", finished, f"{verdict.figures['ended_total']:,}")
    verdict.check("none ended twice (end times before the kill kept)", rewritten == 0, rewritten)
    verdict.check("all ended as idle", reasons == {"idle"}, reasons)
    verdict.check(
        "every seat released",
        not Seat.objects.filter(released_at__isnull=True).exists(),
        Seat.objects.filter(released_at__isnull=True).count(),
    )
    verdict.check("seats and sessions agree", not any(final.values()), final)
    verdict.check(
        "Django sessions of ended seats deleted",
        not Session.objects.filter(session_key__in=keys).exists(),
        Session.objects.filter(session_key__in=keys).count(),
    )


if __name__ == "__main__":
    sys.exit(main())
