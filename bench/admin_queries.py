"""Queries of the staff console's seat list with 20 and with 200 seats held: equal, or it has an
N+1 somewhere."""

from __future__ import annotations

import datetime

from .common import QueryCounter, make_company, make_users


def _hold_seats(company, users) -> None:
    import secrets

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from sessions_seats.models import Seat, SeatSession

    now = timezone.now()
    for user in users:
        seat = Seat.objects.create(company=company, user=user, claimed_at=now)
        for device in range(2):
            key = secrets.token_hex(16)
            Session.objects.create(
                session_key=key, session_data="", expire_date=now + datetime.timedelta(days=1)
            )
            SeatSession.objects.create(
                seat=seat, session_key=key, ip="127.0.0.1", user_agent=f"device {device}"
            )


def _changelist_queries(client) -> int:
    client.get("/admin/sessions_seats/seat/")  # warm caches (content types, permissions)
    with QueryCounter() as queries:
        response = client.get("/admin/sessions_seats/seat/")
    if response.status_code != 200:
        raise RuntimeError(f"the seat changelist answered {response.status_code}")
    return queries.count


def measure() -> dict[str, object]:
    from django.test import Client

    from accounts.models import User

    root = User.objects.create_superuser("bench-root@foundry.example", "x", full_name="Root")
    client = Client()
    client.force_login(root)
    company = make_company("bench-admin", 400)
    users = make_users(company, 200, "admin")
    figures: dict[str, object] = {}
    held = 0
    for target in (20, 200):
        _hold_seats(company, users[held:target])
        held = target
        figures[f"admin_seat_changelist_queries_{target}"] = _changelist_queries(client)
    return figures
