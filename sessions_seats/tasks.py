from celery import shared_task

from . import reaper


@shared_task(name="sessions_seats.tasks.reap_idle_seats")
def reap_idle_seats() -> dict[str, int]:
    """Beat runs this every SEAT_REAPER_INTERVAL_SECONDS; see `sessions_seats.reaper`."""
    report = reaper.reap_idle_seats()
    return {**report.sessions, "seats_released": report.seats_released}
