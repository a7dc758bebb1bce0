"""Load: 500 concurrent sign-ins for a 25-seat company against gunicorn (4 workers) on PostgreSQL.

    DATABASE_URL=postgres://... python bench/load_sign_in.py [--users 500] [--seats 25]

Works in its own database (DATABASE_URL's name + `_load`, dropped at the end). Seats in use are
sampled every few milliseconds during the run; the company must never hold more than its seats,
and exactly its seats at the end. Prints p50/p95 sign-in latency and PASS/FAIL; exits 1 on FAIL.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, loadkit

NAME = "500 concurrent sign-ins for 25 seats"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--seats", type=int, default=25)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return loadkit.skip(NAME, "set DATABASE_URL=postgres://... (this test is for PostgreSQL)")

    verdict = loadkit.Verdict(NAME)
    database = common.create_bench_database(keep=args.keep, suffix="_load")
    with loadkit.workspace(keep=args.keep) as folder:
        procs = loadkit.Processes(folder)
        try:
            common.setup_django(database.url)
            common.migrate()
            company, emails = loadkit.seed_company("load-25", args.seats, args.users)
            env = loadkit.app_env(database.url, folder, CELERY_BROKER_URL="memory://")
            port = loadkit.start_gunicorn(procs, env, workers=args.workers)
            loadkit.log(f"gunicorn with {args.workers} workers on {loadkit.HOST}:{port}")
            run(verdict, port, company, emails, args.seats)
        finally:
            procs.stop_all()
            from django.db import connections

            connections.close_all()
            database.cleanup()
    return verdict.report()


def run(verdict: loadkit.Verdict, port: int, company, emails: list[str], seats: int) -> None:
    from django.db import connection

    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(loadkit.open_seats(company))
            time.sleep(0.005)
        connection.close()

    # Every browser first loads the sign-in page (CSRF token), then all POST at once.
    browsers = [loadkit.Browser(port) for _ in emails]
    barrier = threading.Barrier(len(emails), timeout=120)

    def one(i: int) -> tuple[int, float]:
        token_ready = browsers[i]._token()
        barrier.wait()
        status, seconds = post_sign_in(browsers[i], token_ready, emails[i])
        return status, seconds

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(emails)) as pool:
        results = list(pool.map(one, range(len(emails))))
    wall = time.perf_counter() - started
    time.sleep(0.05)
    stop.set()
    sampler.join()

    statuses = Counter(status for status, _ in results)
    latencies = [seconds * 1000 for _, seconds in results]
    final = loadkit.open_seats(company)
    from sessions_seats.models import LoginDenial

    denials = LoginDenial.objects.filter(company=company).count()
    verdict.figures.update(
        sign_ins=len(emails),
        seats=seats,
        statuses=dict(statuses),
        p50_ms=round(loadkit.percentile(latencies, 50), 1),
        p95_ms=round(loadkit.percentile(latencies, 95), 1),
        max_ms=round(max(latencies), 1),
        wall_seconds=round(wall, 2),
        samples=len(samples),
        max_sampled_open_seats=max(samples, default=0),
        final_open_seats=final,
        denials=denials,
    )
    loadkit.log(f"statuses {dict(statuses)}; {len(samples)} samples in {wall:.1f} s")
    verdict.check(f"exactly {seats} sign-ins let in", statuses[302] == seats, statuses[302])
    verdict.check(
        f"{len(emails) - seats} refused with 403",
        statuses[403] == len(emails) - seats,
        statuses[403],
    )
    verdict.check("no server errors", not any(s >= 500 for s in statuses), dict(statuses))
    verdict.check(
        f"never more than {seats} open seats sampled",
        max(samples, default=0) <= seats,
        f"max {max(samples, default=0)} over {len(samples)} samples",
    )
    verdict.check(f"{seats} open seats at the end", final == seats, final)
    verdict.check("every refusal recorded", denials == len(emails) - seats, denials)
    invariants = loadkit.seat_invariants(company)
    verdict.check("seats and sessions agree", not any(invariants.values()), invariants)
    verdict.check(
        "latency reported",
        True,
        f"p50 {verdict.figures['p50_ms']} ms, p95 {verdict.figures['p95_ms']} ms",
    )


def post_sign_in(browser: loadkit.Browser, token: str, email: str) -> tuple[int, float]:
    start = time.perf_counter()
    status, _, headers = loadkit.post(
        browser.port,
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": email, "password": common.PASSWORD},
        browser.cookies,
    )
    elapsed = time.perf_counter() - start
    loadkit.cookies_from(headers, browser.cookies)
    return status, elapsed


if __name__ == "__main__":
    sys.exit(main())
