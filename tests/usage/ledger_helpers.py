"""What the ledger page tests share: a signed-in client, a busy day of seat history, CSV rows."""

from __future__ import annotations

import csv
import datetime
import io

from django.utils import timezone

from accounts.models import Company

from ..factories import LoginDenialFactory, SeatSessionFactory, UserFactory, past_seat

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_ON_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"
)
EVENTS_PER_ROUND = 5


def busy_day() -> datetime.date:
    """A day three days ago in the site's calendar: the signed-in admin's own seat is not on it."""
    return timezone.localdate() - datetime.timedelta(days=3)


def period(day: datetime.date | None = None) -> dict[str, str]:
    day = day or busy_day()
    return {"start": day.isoformat(), "end": day.isoformat()}


def busy_history(company: Company, rounds: int) -> None:
    """`rounds` times five events on `busy_day()`, a minute apart or more: a claim on a Windows
    laptop, a join and a leave from an iPhone, someone else refused, then the release."""
    people = UserFactory.create_batch(3, company=company)
    morning = datetime.datetime.combine(
        busy_day(), datetime.time(8), tzinfo=timezone.get_default_timezone()
    )
    minute = datetime.timedelta(minutes=1)
    for n in range(rounds):
        at = morning + n * 10 * minute
        seat = past_seat(people[n % 3], claimed_at=at, hours=0.1)
        seat.sessions.update(user_agent=CHROME_ON_WINDOWS, ip="192.0.2.10")
        SeatSessionFactory(
            seat=seat,
            started_at=at + minute,
            last_activity=at + 2 * minute,
            ended_at=at + 2 * minute,
            end_reason="logout",
            user_agent=SAFARI_ON_IOS,
            ip="2001:db8::7",
        )
        LoginDenialFactory(user=people[(n + 1) % 3], at=at + 3 * minute)


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))
