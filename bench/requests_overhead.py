"""An authenticated portal request inside the activity window, with and without SeatMiddleware.

Same user, same session, same page (the signed-in home); the only difference is the middleware
list. Queries are counted once each; times are medians over interleaved requests.
"""

from __future__ import annotations

import time

from .common import PASSWORD, QueryCounter, log, make_company, make_users, median_ms

HOME = "/"


def _without_seat_middleware() -> list[str]:
    from django.conf import settings

    return [m for m in settings.MIDDLEWARE if m != "sessions_seats.middleware.SeatMiddleware"]


def _timed_get(client) -> float:
    start = time.perf_counter()
    response = client.get(HOME)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"the portal home answered {response.status_code}")
    return elapsed


def measure(rounds: int) -> dict[str, object]:
    from django.test import Client
    from django.test.utils import override_settings

    company = make_company("bench-requests", 10)
    [user] = make_users(company, 1, "req")
    # Long enough that the whole run stays inside one activity window.
    with override_settings(SEAT_ACTIVITY_WINDOW_SECONDS=3600):
        with_seat = Client()
        with_seat.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
        without_seat = Client()
        without_seat.cookies = with_seat.cookies  # the very same signed-in session
        with override_settings(MIDDLEWARE=_without_seat_middleware()):
            _timed_get(without_seat)  # loads its middleware chain now, without the seat's
        _timed_get(with_seat)  # and this one with it

        with QueryCounter() as on:
            _timed_get(with_seat)
        with QueryCounter() as off:
            _timed_get(without_seat)

        on_times: list[float] = []
        off_times: list[float] = []
        for i in range(rounds):
            if i % 2 == 0:
                on_times.append(_timed_get(with_seat))
                off_times.append(_timed_get(without_seat))
            else:
                off_times.append(_timed_get(without_seat))
                on_times.append(_timed_get(with_seat))
        log(f"  {rounds} requests of each kind")
    on_ms, off_ms = median_ms(on_times), median_ms(off_times)
    return {
        "request_queries_with_seat_middleware": on.count,
        "request_queries_without_seat_middleware": off.count,
        "extra_queries_per_request": on.count - off.count,
        "request_ms": round(on_ms, 3),
        "request_without_seat_middleware_ms": round(off_ms, 3),
        "request_overhead_ratio": round(on_ms / off_ms, 3),
    }
