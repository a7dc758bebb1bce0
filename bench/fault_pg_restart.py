"""Fault: restart PostgreSQL under load. The web tier recovers without being restarted and no
seat is lost.

    DATABASE_URL=postgres://app:app@127.0.0.1:5440/app python bench/fault_pg_restart.py \\
        --cluster "15 faults"

It restarts the cluster named by --cluster (Debian's `pg_ctlcluster VERSION NAME restart`), so
give it a cluster of its own, never a shared one: it checks that DATABASE_URL points at that
cluster's port, and skips with a message when it cannot control PostgreSQL (no --cluster, no
pg_ctlcluster, not root, or another port). Works in its own database (DATABASE_URL's name +
`_faults`, dropped at the end). Exits 1 on FAIL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, loadkit

NAME = "PostgreSQL restarted under load"
SEATS = 10


def cluster_problem(cluster: str | None) -> str | None:
    """Why this script cannot restart the cluster, or None if it can."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return "set DATABASE_URL=postgres://... at the cluster to restart"
    if not cluster:
        return 'pass --cluster "VERSION NAME" of a PostgreSQL cluster this test may restart'
    if not shutil.which("pg_ctlcluster") or not shutil.which("pg_lsclusters"):
        return "pg_ctlcluster is not available (Debian's postgresql-common)"
    if os.geteuid() != 0:
        return "restarting a cluster with pg_ctlcluster needs root"
    version, _, name = cluster.partition(" ")
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    ports = {
        (row.split()[0], row.split()[1]): int(row.split()[2])
        for row in listed.splitlines()
        if len(row.split()) > 2
    }
    if (version, name) not in ports:
        return f"no cluster {cluster!r} in pg_lsclusters"
    if ports[(version, name)] != (urlsplit(url).port or 5432):
        return f"DATABASE_URL is not on cluster {cluster!r} (port {ports[(version, name)]})"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cluster", default=os.environ.get("FOUNDRY_FAULTS_PG_CLUSTER"))
    parser.add_argument("--seconds", type=float, default=20, help="length of the load")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    problem = cluster_problem(args.cluster)
    if problem:
        return loadkit.skip(NAME, problem)

    verdict = loadkit.Verdict(NAME)
    database = common.create_bench_database(keep=args.keep, suffix="_faults")
    with loadkit.workspace(keep=args.keep) as folder:
        procs = loadkit.Processes(folder)
        try:
            common.setup_django(database.url)
            common.migrate()
            env = loadkit.app_env(database.url, folder, CELERY_BROKER_URL="memory://")
            port = loadkit.start_gunicorn(procs, env, workers=4)
            run(verdict, procs, port, args.cluster, args.seconds)
        finally:
            procs.stop_all()
            from django.db import connections

            connections.close_all()
            if not loadkit.wait_until(lambda: pg_ready(), timeout=60):
                loadkit.log("PostgreSQL is not back: the database is left in place")
            database.cleanup()
    return verdict.report()


def pg_ready() -> bool:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port)],
            check=False,
        ).returncode
        == 0
    )


def worker_pids(master: int) -> set[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    )
    return {int(pid) for pid in out.stdout.split()}


def run(verdict, procs, port: int, cluster: str, seconds: float) -> None:
    from django.db import connection

    company, emails = loadkit.seed_company("pg-restart", seats=SEATS, users=SEATS)
    master = procs.started["gunicorn"].pid
    workers_before = worker_pids(master)
    events: list[tuple[float, str, int]] = []  # (time, what, status or -1 for no answer)
    stop = threading.Event()
    samples: list[int] = []

    def user_loop(email: str) -> None:
        browser = loadkit.Browser(port)
        signed_in = False
        while not stop.is_set():
            try:
                if not signed_in:
                    status, _ = browser.sign_in(email, common.PASSWORD)
                    events.append((time.monotonic(), "sign-in", status))
                    signed_in = status == 302
                else:
                    for _ in range(3):
                        events.append((time.monotonic(), "page", browser.home()))
                    status = browser.sign_out()
                    events.append((time.monotonic(), "sign-out", status))
                    signed_in = status != 302
            except Exception:  # a dropped connection while the database restarts
                events.append((time.monotonic(), "error", -1))
                time.sleep(0.2)
        # Leave signed out, retrying: no seat may stay held by a finished run.
        for _ in range(20):
            try:
                browser.home()
                if not browser.cookies.get("sessionid") or browser.sign_out() in (302, 200):
                    break
            except Exception:
                time.sleep(0.5)

    def sampler() -> None:
        while not stop.is_set():
            try:
                samples.append(loadkit.open_seats(company))
            except Exception:
                connection.close()
            time.sleep(0.05)
        connection.close()

    threads = [threading.Thread(target=user_loop, args=(e,), daemon=True) for e in emails]
    threads.append(threading.Thread(target=sampler, daemon=True))
    start = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds / 4)
    loadkit.log(f"restarting cluster {cluster}")
    restart_at = time.monotonic()
    version, _, name = cluster.partition(" ")
    subprocess.run(["pg_ctlcluster", version, name, "restart", "-m", "fast"], check=True)
    back_at = time.monotonic()
    loadkit.log(f"cluster back after {back_at - restart_at:.1f} s")
    time.sleep(max(0.0, seconds - (time.monotonic() - start)))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    connection.close()

    settle = back_at + 3  # persistent connections notice the restart on their next request
    before = Counter(s for t, _, s in events if t < restart_at)
    during = Counter(s for t, _, s in events if restart_at <= t < settle)
    after = Counter(s for t, _, s in events if t >= settle)
    server_errors_after = sum(n for s, n in after.items() if s >= 500 or s == -1)
    verdict.figures.update(
        restart_seconds=round(back_at - restart_at, 1),
        responses_before=dict(before),
        responses_during=dict(during),
        responses_after=dict(after),
        max_sampled_open_seats=max(samples, default=0),
    )
    verdict.check("load ran before the restart", before.get(302, 0) > 0, dict(before))
    verdict.check(
        "web tier answers again after the restart, no errors",
        after.get(302, 0) > 0 and after.get(200, 0) > 0 and server_errors_after == 0,
        dict(after),
    )
    verdict.check(
        "gunicorn workers were not restarted",
        worker_pids(master) == workers_before,
        sorted(workers_before),
    )
    verdict.check(
        f"never more than {SEATS} open seats sampled",
        max(samples, default=0) <= SEATS,
        max(samples, default=0),
    )
    invariants = loadkit.seat_invariants(company)
    verdict.check("seats and sessions agree", not any(invariants.values()), invariants)
    held = loadkit.open_seats(company)
    verdict.check("no seat left held after everyone signed out", held == 0, held)
    again = [loadkit.Browser(port).sign_in(email, common.PASSWORD)[0] for email in emails]
    verdict.check(f"all {SEATS} seats can be taken again", again == [302] * SEATS, again)


if __name__ == "__main__":
    sys.exit(main())
