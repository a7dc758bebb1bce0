"""Back-channel logout fan-out: 1,000 seat sessions, each signed in to 3 applications, end at once
(`sessions_seats.services.end_sessions`, as one reaper batch does), and every application must
have its 3,000 logout tokens within one reaper interval.

The applications are registered with `register_application` and a back-channel URI on a
receiver started here: an HTTPS server on 127.0.0.1 (a throwaway certificate the sender is told
to trust) that answers 200, checks each token's signature and counts distinct tokens and
distinct (application, sid) pairs. HTTPS because the product sends plain http only with DEBUG
on; the loopback address is let through by BACKCHANNEL_LOGOUT_ALLOWED_HOSTS, as an internal
application would be, not by DEBUG.

The figure runs from the ending's commit until the receiver has heard of all 3,000 app sessions.
Who sends (`logout_fanout_mode`):
- a real Celery worker (16 threads) when the database is PostgreSQL and CELERY_BROKER_URL is a
  Redis URL: started here on a queue of its own, ready before the ending, stopped after
  (`python -m bench.logout_fanout <queue>` is that worker);
- otherwise (SQLite, or kombu's filesystem broker) 16 threads of this process, each running the
  task's function on what the product queues.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import queue
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import loadkit
from bench.common import log, make_company, make_users
from bench.fanout_receiver import HOST, Tally, receiver, write_certificate
from bench.oidc import provider_on, signing_key_pem

SEATS = 1000
APPS = 3
CONCURRENCY = 16
INTERVAL_SECONDS = 60  # SEAT_REAPER_INTERVAL_SECONDS' default: the figure's budget
# How long to wait for the last token before giving up: past the budget, so a slow run still
# reports its figure.
WAIT_SECONDS = 180


# --- The state ----------------------------------------------------------------------------------


def seed(applications: list, seats: int) -> list[int]:
    """`seats` people signed in on one device each, every device in every application; the ids
    of their seat sessions."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from sessions_seats.models import Seat, SeatSession
    from single_sign_on.models import AppSession

    now = timezone.now()
    blob = SessionStore().encode({"_bench": True})
    with transaction.atomic():
        company = make_company("bench-fanout", seats)
        users = make_users(company, seats, "fanout")
        seat_rows = Seat.objects.bulk_create(
            [Seat(company=company, user=user, claimed_at=now) for user in users]
        )
        keys = [secrets.token_hex(16) for _ in seat_rows]
        Session.objects.bulk_create(
            Session(
                session_key=key, session_data=blob, expire_date=now + datetime.timedelta(days=1)
            )
            for key in keys
        )
        seat_sessions = SeatSession.objects.bulk_create(
            SeatSession(seat=seat, session_key=key, started_at=now, last_activity=now, ip=HOST)
            for seat, key in zip(seat_rows, keys, strict=True)
        )
        AppSession.objects.bulk_create(
            (
                AppSession(
                    seat_session=seat_session,
                    application=application,
                    created_at=now,
                    last_seen_at=now,
                )
                for seat_session in seat_sessions
                for application in applications
            ),
            batch_size=2000,
        )
    return [seat_session.pk for seat_session in seat_sessions]


# --- Who sends ----------------------------------------------------------------------------------


@contextlib.contextmanager
def in_process_senders(threads: int) -> Iterator[None]:
    """Deliveries the product queues run on `threads` threads of this process, retries after
    their countdown, each through the task's own function."""
    from django.db import connection

    from single_sign_on import tasks

    task = tasks.deliver_backchannel_logout._get_current_object()
    work: queue.Queue[int | None] = queue.Queue()
    timers: list[threading.Timer] = []

    def apply_async(args: tuple[int], countdown: float | None = None, **kwargs: Any) -> None:
        if countdown:
            timer = threading.Timer(countdown, work.put, (args[0],))
            timer.daemon = True
            timers.append(timer)
            timer.start()
        else:
            work.put(args[0])

    def run() -> None:
        try:
            while (delivery_id := work.get()) is not None:
                try:
                    task(delivery_id)
                except Exception as error:  # the delivery stays open: counted as a failure
                    log(f"  delivery {delivery_id} raised {type(error).__name__}: {error}")
        finally:
            connection.close()

    senders = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    task.apply_async = apply_async
    for sender in senders:
        sender.start()
    try:
        yield
    finally:
        del task.apply_async
        for timer in timers:
            timer.cancel()
        for _ in senders:
            work.put(None)
        for sender in senders:
            sender.join(timeout=30)


@contextlib.contextmanager
def celery_worker(env: dict[str, str], folder: Path) -> Iterator[None]:
    """A Celery worker (threads) on a queue of its own, started and stopped here; what the
    product queues in this process goes to that queue while it runs."""
    from foundry_licensing.celery import app

    name = f"bench-fanout-{secrets.token_hex(4)}"
    procs = loadkit.Processes(folder)
    default_queue = app.conf.task_default_queue
    try:
        procs.start(
            "worker",
            [sys.executable, "-m", "bench.logout_fanout", name, str(CONCURRENCY)],
            env,
        )
        if not loadkit.wait_until(lambda: " ready." in procs.tail("worker", 100), timeout=90):
            raise RuntimeError(f"the Celery worker did not start:\n{procs.tail('worker', 40)}")
        app.conf.task_default_queue = name
        yield
    finally:
        app.conf.task_default_queue = default_queue
        procs.stop_all()
        _forget_queue(app.conf.broker_url, name)


def _forget_queue(broker_url: str, name: str) -> None:
    import redis

    with contextlib.suppress(Exception):
        client = redis.Redis.from_url(broker_url)
        client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
        client.close()


def worker(queue_name: str, concurrency: int) -> None:
    """The worker `celery_worker` starts: the project's app, consuming and retrying on one queue."""
    from foundry_licensing.celery import app

    app.conf.task_default_queue = queue_name
    app.worker_main(
        [
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            str(concurrency),
            "--queues",
            queue_name,
            "--hostname",
            f"{queue_name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ]
    )


def _uses_worker() -> bool:
    from django.conf import settings
    from django.db import connection

    broker = str(settings.CELERY_BROKER_URL)
    return connection.vendor == "postgresql" and broker.startswith(("redis://", "rediss://"))


# --- The measurement ----------------------------------------------------------------------------


def measure(key_pem: str | None = None, seats: int = SEATS) -> dict[str, object]:
    from django.db import transaction
    from django.db.models import Count

    from sessions_seats.models import EndReason
    from sessions_seats.services import end_sessions
    from single_sign_on.models import BackchannelDelivery
    from single_sign_on.services import register_application

    key_pem = key_pem or signing_key_pem()
    expected = seats * APPS
    tally = Tally(expected, key_pem)
    use_worker = _uses_worker()
    mode = (
        f"celery worker, {CONCURRENCY} threads, redis broker"
        if use_worker
        else f"in-process, {CONCURRENCY} threads running the task function"
    )
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(loadkit.workspace()))
        cert_file, key_file = write_certificate(folder)
        port = stack.enter_context(receiver(tally, cert_file, key_file))
        # The sender trusts the receiver's certificate, and only it, for this measurement.
        stack.enter_context(_environ(SSL_CERT_FILE=str(cert_file)))
        stack.enter_context(provider_on(key_pem, BACKCHANNEL_LOGOUT_ALLOWED_HOSTS=[HOST]))
        applications = [
            register_application(
                f"Bench fan-out {number}",
                [f"https://fanout-{number}.example/callback"],
                backchannel_logout_uri=f"https://{HOST}:{port}/backchannel/{number}",
            ).application
            for number in range(APPS)
        ]
        session_ids = seed(applications, seats)
        log(f"  seeded {seats:,} seat sessions x {APPS} applications; senders: {mode}")
        if use_worker:
            env = {
                **os.environ,
                "OIDC_RSA_PRIVATE_KEY": key_pem,
                "BACKCHANNEL_LOGOUT_ALLOWED_HOSTS": HOST,
                "PYTHONUNBUFFERED": "1",
            }
            stack.enter_context(celery_worker(env, folder))
        else:
            stack.enter_context(in_process_senders(CONCURRENCY))

        committed: list[float] = []
        with transaction.atomic():
            # Registered first, so it runs first when the ending commits.
            transaction.on_commit(lambda: committed.append(time.perf_counter()))
            ended = end_sessions(session_ids, EndReason.IDLE)
        queued = time.perf_counter()
        if len(ended.session_ids) != seats:
            raise RuntimeError(f"ended {len(ended.session_ids)} of {seats} seat sessions")
        tally.done.wait(WAIT_SECONDS)
        waited = time.perf_counter() - committed[0]
        # The sender records each outcome just after the receiver answers it.
        ours = BackchannelDelivery.objects.filter(application__in=applications)
        loadkit.wait_until(lambda: not ours.filter(status="open").exists(), timeout=10)
        statuses = dict(ours.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    seconds = tally.completed_at - committed[0] if tally.completed_at else waited
    delivered = len(tally.sessions)
    failures = statuses.get("failed", 0) + statuses.get("open", 0) + tally.invalid
    log(
        f"  {delivered:,} / {expected:,} app sessions told in {seconds:.2f} s "
        f"(all queued {queued - committed[0]:.2f} s after the commit); {tally.posts:,} POSTs, "
        f"{len(tally.jtis):,} distinct tokens; deliveries {statuses}"
    )
    return {
        f"logout_fanout_seconds_{seats}x{APPS}": round(seconds, 2),
        "logout_fanout_delivered": delivered,
        "logout_fanout_failures": failures,
        "logout_fanout_distinct_jti": len(tally.jtis),
        "logout_fanout_queued_seconds": round(queued - committed[0], 2),
        "logout_fanout_mode": mode,
    }


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


if __name__ == "__main__":
    worker(sys.argv[1], int(sys.argv[2]))
