"""Sign-in with a seat claim vs Django's own LoginView, on the same users and the same hasher; how
long the claim holds its company's lock; and whether the claim costs more at a company holding
20,000 seats than at one holding 20.

Both sign-ins are full POSTs through the same middleware stack (Django's test client, no
network): the difference is what the seat engine adds (company lock, capacity, seat and
seat-session rows). The two are interleaved, in alternating order, so drift of a shared machine
hits both alike. The lock's hold is timed inside the server, from the moment the locking
statement returns to the commit, through `sessions_seats.services.claim_lock_probe`, which only
this benchmark sets.

`bench/run.py` runs these with everything else; alone, in a database of their own:

    python -m bench.claims [--rounds 300]        (from the project's folder)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie

from .common import (
    PASSWORD,
    log,
    make_company,
    make_users,
    median_ms,
    sign_out,
    vacuum_analyze,
)

LOGIN = "/accounts/login/"
DJANGO_LOGIN = "/bench/django-login/"
LOGOUT = "/accounts/logout/"
SMALL, LARGE = 20, 20_000


def _timed_post(client, url: str, data: dict[str, str]) -> float:
    start = time.perf_counter()
    response = client.post(url, data)
    elapsed = time.perf_counter() - start
    if response.status_code != 302:
        raise RuntimeError(f"sign-in at {url} answered {response.status_code}")
    return elapsed


@contextlib.contextmanager
def lock_holds() -> Iterator[list[float]]:
    """The company lock's hold of every claim inside the block, in seconds."""
    from sessions_seats import services

    holds: list[float] = []
    services.claim_lock_probe = lambda locked, committed: holds.append(committed - locked)
    try:
        yield holds
    finally:
        services.claim_lock_probe = None


def _percentile_ms(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def measure(rounds: int) -> dict[str, object]:
    from django.test import Client
    from django.test.utils import override_settings

    from sessions_seats.models import Seat

    company = make_company("bench-claims", rounds + 10)
    *users, warm = make_users(company, rounds + 1, "claim")
    seat_times: list[float] = []
    django_times: list[float] = []
    # One client per kind for the whole run: a new one would load the middleware on its first
    # request, inside the measurement.
    seat_client, django_client = Client(), Client()
    with override_settings(ROOT_URLCONF="bench.urls"), lock_holds() as holds:
        # Warm both paths (imports, template and URL caches) before anything is measured.
        warm_data = {"username": warm.email, "password": PASSWORD}
        _timed_post(seat_client, LOGIN, warm_data)
        seat_client.post(LOGOUT)
        _timed_post(django_client, DJANGO_LOGIN, warm_data)
        holds.clear()
        for i, user in enumerate(users):
            data = {"username": user.email, "password": PASSWORD}
            seat_client.cookies = SimpleCookie()
            django_client.cookies = SimpleCookie()
            if i % 2 == 0:
                seat_times.append(_timed_post(seat_client, LOGIN, data))
                django_times.append(_timed_post(django_client, DJANGO_LOGIN, data))
            else:
                django_times.append(_timed_post(django_client, DJANGO_LOGIN, data))
                seat_times.append(_timed_post(seat_client, LOGIN, data))
            # Sign out (not timed) so every claim finds the company at the same occupancy.
            seat_client.post(LOGOUT)
            if (i + 1) % 100 == 0:
                log(f"  {i + 1} / {rounds} sign-ins of each kind")
    if Seat.objects.filter(released_at__isnull=True).exists():
        raise RuntimeError("a measured sign-in left its seat open")
    seat, django = median_ms(seat_times), median_ms(django_times)
    return {
        "claim_sign_in_ms": round(seat, 3),
        "django_sign_in_ms": round(django, 3),
        "claim_overhead_ratio": round(seat / django, 3),
        "claim_lock_hold_ms_p50": round(median_ms(holds), 3),
        "claim_lock_hold_ms_p95": round(_percentile_ms(holds, 95), 3),
    }


def _hold_seats(company, count: int, tag: str) -> None:
    """`count` people of `company` signed in, written in bulk (the counter follows by itself)."""
    from django.utils import timezone

    from sessions_seats.models import Seat, SeatSession

    now = timezone.now()
    users = make_users(company, count, tag)
    seats = Seat.objects.bulk_create(
        [Seat(company=company, user=user, claimed_at=now) for user in users], batch_size=5000
    )
    SeatSession.objects.bulk_create(
        [
            SeatSession(
                seat=seat, session_key=f"{tag[:8]}{seat.pk:032d}", started_at=now, last_activity=now
            )
            for seat in seats
        ],
        batch_size=5000,
    )


def measure_cost_by_size(rounds: int) -> dict[str, object]:
    """The claim's lock hold at a company holding 20,000 seats vs one holding 20, interleaved."""
    from django.test import Client

    from sessions_seats.models import SeatSession

    small = make_company("bench-claims-small", SMALL + rounds + 1)
    large = make_company("bench-claims-large", LARGE + rounds + 1)
    log(f"  holding {SMALL} and {LARGE} seats")
    _hold_seats(small, SMALL, "held-small")
    _hold_seats(large, LARGE, "held-large")
    small_users = make_users(small, rounds, "size-small")
    large_users = make_users(large, rounds, "size-large")
    # The counter's trigger wrote the large company's row once per seat loaded: 20,000 dead
    # versions of the row every claim of it locks, which autovacuum would clear at some moment
    # of the measurement, or not. Cleared before it, as a company that grew over months has it.
    vacuum_analyze()
    client = Client()
    by_size: dict[int, list[float]] = {SMALL: [], LARGE: []}
    with lock_holds() as holds:
        for i in range(rounds):
            pairs = [(SMALL, small_users[i]), (LARGE, large_users[i])]
            for size, user in pairs if i % 2 == 0 else pairs[::-1]:
                client.cookies = SimpleCookie()
                holds.clear()
                _timed_post(client, LOGIN, {"username": user.email, "password": PASSWORD})
                by_size[size].append(holds[-1])
                client.post(LOGOUT)
    # The held seats end: a later figure of the run (the reaper's) must not meet them.
    sign_out(SeatSession.objects.open().filter(seat__company__in=[small, large]))
    at_small, at_large = median_ms(by_size[SMALL]), median_ms(by_size[LARGE])
    return {
        "claim_lock_hold_ms_at_20": round(at_small, 3),
        "claim_lock_hold_ms_at_20000": round(at_large, 3),
        "claim_cost_ratio_20000_vs_20": round(at_large / at_small, 3),
    }


def main() -> int:
    """Only the claim's figures, in a database of their own (see the module docstring)."""
    import argparse
    import json

    from . import common

    parser = argparse.ArgumentParser(description="The claim's benchmark figures alone.")
    parser.add_argument("--rounds", type=int, default=300, help="sign-ins of each kind")
    args = parser.parse_args()
    database = common.create_bench_database(suffix="_claims_bench")
    try:
        common.setup_django(database.url)
        common.migrate()
        figures: dict[str, object] = {"db": database.vendor, "rounds": args.rounds}
        figures.update(measure(args.rounds))
        figures.update(measure_cost_by_size(args.rounds))
    finally:
        from django.db import connections

        connections.close_all()
        database.cleanup()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
