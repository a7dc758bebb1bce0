"""Sign-in with a seat claim vs Django's own LoginView, on the same users and the same hasher.

Both are full POSTs through the same middleware stack (Django's test client, no network): the
difference is what the seat engine adds (company lock, capacity, seat and seat-session rows). The
two are interleaved, in alternating order, so drift of a shared machine hits both alike.
"""

from __future__ import annotations

import time
from http.cookies import SimpleCookie

from .common import PASSWORD, log, make_company, make_users, median_ms

LOGIN = "/accounts/login/"
DJANGO_LOGIN = "/bench/django-login/"
LOGOUT = "/accounts/logout/"


def _timed_post(client, url: str, data: dict[str, str]) -> float:
    start = time.perf_counter()
    response = client.post(url, data)
    elapsed = time.perf_counter() - start
    if response.status_code != 302:
        raise RuntimeError(f"sign-in at {url} answered {response.status_code}")
    return elapsed


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
    with override_settings(ROOT_URLCONF="bench.urls"):
        # Warm both paths (imports, template and URL caches) before anything is measured.
        warm_data = {"username": warm.email, "password": PASSWORD}
        _timed_post(seat_client, LOGIN, warm_data)
        seat_client.post(LOGOUT)
        _timed_post(django_client, DJANGO_LOGIN, warm_data)
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
    }
