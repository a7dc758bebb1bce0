"""Fault: the broker (Redis) goes down. Sign-in and sign-out keep working; reaping resumes when
it comes back.

    DATABASE_URL=postgres://... python bench/fault_broker_down.py

Starts its own redis-server (a free loopback port), gunicorn, a Celery worker and beat (reaper
every 2 s), in its own database (DATABASE_URL's name + `_faults`, dropped at the end). Exits 1 on
FAIL.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, loadkit

NAME = "broker down"
REQUEST_BUDGET_SECONDS = 5.0  # a sign-in must not hang waiting for the broker


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
            common.setup_django(database.url)
            common.migrate()
            env = loadkit.app_env(
                database.url,
                folder,
                CELERY_BROKER_URL=broker,
                SEAT_REAPER_INTERVAL_SECONDS="2",
            )
            port = loadkit.start_gunicorn(procs, env, workers=2)
            loadkit.start_celery(procs, "worker", env)
            loadkit.start_celery(procs, "beat", env)
            run(verdict, procs, folder, port, redis_port)
        finally:
            procs.stop_all()
            from django.db import connections

            connections.close_all()
            database.cleanup()
    return verdict.report()


def seed_idle(company, emails: list[str]) -> list[int]:
    """Seat sessions of these users, idle for two hours: what the reaper must end."""
    import secrets

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.models import User
    from sessions_seats.models import Seat, SeatSession

    then = timezone.now() - datetime.timedelta(hours=2)
    ids = []
    for user in User.objects.filter(email__in=emails):
        key = secrets.token_hex(16)
        Session.objects.create(
            session_key=key, session_data="", expire_date=timezone.now() + datetime.timedelta(1)
        )
        seat = Seat.objects.create(company=company, user=user, claimed_at=then)
        ids.append(
            SeatSession.objects.create(
                seat=seat, session_key=key, started_at=then, last_activity=then
            ).pk
        )
    return ids


def run(verdict, procs, folder, port: int, redis_port: int) -> None:
    from sessions_seats.models import SeatSession

    company, emails = loadkit.seed_company("broker-down", seats=20, users=20)

    def idle_open(ids: list[int]) -> int:
        return SeatSession.objects.filter(pk__in=ids, ended_at__isnull=True).count()

    # Broker up: the reaper runs (proves the worker and beat are wired before the fault).
    first = seed_idle(company, emails[:3])
    verdict.check(
        "broker up: reaper ends idle sessions",
        loadkit.wait_until(lambda: idle_open(first) == 0, timeout=60),
        f"{idle_open(first)} left open",
    )

    procs.kill(f"redis-{redis_port}")
    loadkit.log("redis stopped")
    browsers = {email: loadkit.Browser(port) for email in emails[3:8]}
    timings = []
    statuses = []
    for email, browser in browsers.items():
        status, seconds = browser.sign_in(email, common.PASSWORD)
        statuses.append(status)
        timings.append(seconds)
    homes = [browser.home() for browser in browsers.values()]
    started = time.perf_counter()
    out = [browser.sign_out() for browser in list(browsers.values())[:2]]
    sign_out_seconds = (time.perf_counter() - started) / 2
    verdict.check("broker down: sign-ins succeed", statuses == [302] * 5, statuses)
    verdict.check("broker down: signed-in pages load", homes == [200] * 5, homes)
    verdict.check("broker down: sign-outs succeed", out == [302, 302], out)
    verdict.check(
        f"broker down: no request waits on the broker (< {REQUEST_BUDGET_SECONDS} s)",
        max([*timings, sign_out_seconds]) < REQUEST_BUDGET_SECONDS,
        f"slowest sign-in {max(timings) * 1000:.0f} ms, sign-out {sign_out_seconds * 1000:.0f} ms",
    )
    second = seed_idle(company, emails[10:15])
    time.sleep(6)  # three beat ticks with nobody to carry them
    verdict.check(
        "broker down: idle sessions wait (nothing can reap them)",
        idle_open(second) == len(second),
        f"{idle_open(second)} of {len(second)} open",
    )

    loadkit.start_redis(procs, redis_port, folder)
    loadkit.log("redis back")
    back = time.monotonic()
    resumed = loadkit.wait_until(lambda: idle_open(second) == 0, timeout=120, interval=0.5)
    verdict.figures["reaping_resumed_after_seconds"] = round(time.monotonic() - back, 1)
    verdict.check(
        "broker back: reaping resumes",
        resumed,
        f"{verdict.figures['reaping_resumed_after_seconds']} s after Redis returned",
    )
    still_in = [b.home() for b in list(browsers.values())[2:]]
    verdict.check("signed-in browsers stay signed in", still_in == [200] * 3, still_in)
    invariants = loadkit.seat_invariants(company)
    verdict.check("seats and sessions agree", not any(invariants.values()), invariants)


if __name__ == "__main__":
    sys.exit(main())
