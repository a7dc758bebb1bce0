"""Reaping N idle seat sessions vs Django's `clearsessions` deleting N expired sessions, and the
reaper's peak memory at two sizes.

Each measured run is a child process of its own (`run.py --child reap|clearsessions`), so its peak
RSS is its own and not the seeding's; Django is set up and the connection opened before the
baseline is read, so what grows is what the work itself needs.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import resource
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

from .common import BENCH_DB_ENV, log, make_company, make_users, password_hash

USERS_PER_COMPANY = 1000
CHUNK = 5000


class RssSampler:
    """Peak resident memory above the level when sampling started, read from /proc every few ms.

    The process' own ru_maxrss is no good here: its peak may date from start-up, hiding the
    work's growth. Where /proc is missing, ru_maxrss growth is the (coarser) fallback.
    """

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.base = self.peak = self._current_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._maxrss_base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    @staticmethod
    def _current_mb() -> float:
        try:
            with open("/proc/self/statm") as statm:
                return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
        except OSError:
            return 0.0

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._current_mb())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._current_mb())

    @property
    def growth_mb(self) -> float:
        if self.base:
            return self.peak - self.base
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - self._maxrss_base


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

    from sessions_seats import reaper
    from sessions_seats.models import SeatSession

    # Set up, connected and with the models' code paths warm before the baseline is read.
    open_before = SeatSession.objects.filter(ended_at__isnull=True).count()
    connection.ensure_connection()
    gc.collect()
    with RssSampler() as rss:
        start = time.perf_counter()
        report = reaper.reap_idle_seats()
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rss_growth_mb": rss.growth_mb,
        "ended": report.total_sessions,
        "idle": report.sessions.get("idle", 0),
        "seats_released": report.seats_released,
        "open_before": open_before,
    }


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


CHILDREN = {"reap": child_reap, "clearsessions": child_clearsessions}


def run_child(kind: str) -> dict[str, float]:
    """Run one measurement in a fresh interpreter on the bench database; its JSON result."""
    run_py = Path(__file__).resolve().parent / "run.py"
    result = subprocess.run(
        [sys.executable, str(run_py), "--child", kind],
        env={**os.environ, BENCH_DB_ENV: os.environ[BENCH_DB_ENV]},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"child {kind} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(n: int, small: int, vendor: str) -> dict[str, object]:
    """Reap `small` then `n` idle sessions (a child each), then clearsessions on `n` expired."""
    from django.contrib.sessions.models import Session

    from sessions_seats.models import Seat, SeatSession

    from .common import size_label

    runs: dict[int, dict[str, float]] = {}
    for size in (small, n):
        log(f"reaper at {size:,} idle sessions")
        seed_idle_sessions(size, f"r{size}")  # companies "bench-r<size>-<k>"
        if vendor == "postgresql":
            analyze()
        runs[size] = run_child("reap")
        seeded = f"bench-r{size}-"
        left = SeatSession.objects.filter(
            ended_at__isnull=True, seat__company__slug__startswith=seeded
        ).count()
        open_seats = Seat.objects.filter(
            released_at__isnull=True, company__slug__startswith=seeded
        ).count()
        log(
            f"  ended {runs[size]['ended']:,} in {runs[size]['seconds']:.2f} s, peak RSS "
            f"+{runs[size]['rss_growth_mb']:.1f} MB; left open: {left} sessions, {open_seats} seats"
        )
        if runs[size]["idle"] != size or left or open_seats:
            raise RuntimeError(f"the reaper left work undone at {size}: {runs[size]}")

    log(f"clearsessions at {n:,} expired sessions")
    Session.objects.all().delete()
    seed_expired_sessions(n)
    if vendor == "postgresql":
        analyze()
    clear = run_child("clearsessions")
    log(f"  deleted {clear['deleted']:,} in {clear['seconds']:.2f} s")
    if clear["deleted"] != n:
        raise RuntimeError(f"clearsessions deleted {clear['deleted']} of {n}")

    big, little = runs[n], runs[small]
    return {
        "reap_seconds": round(big["seconds"], 3),
        "clearsessions_seconds": round(clear["seconds"], 3),
        "reap_vs_clearsessions_ratio": round(big["seconds"] / clear["seconds"], 2),
        f"reap_peak_memory_mb_{size_label(small)}": round(little["rss_growth_mb"], 2),
        f"reap_peak_memory_mb_{size_label(n)}": round(big["rss_growth_mb"], 2),
        "reap_memory_ratio": round(
            max(big["rss_growth_mb"], 1.0) / max(little["rss_growth_mb"], 1.0), 2
        ),
    }
