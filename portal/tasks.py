from celery import shared_task

from . import proofs, refusal


@shared_task(name="portal.tasks.notify_seat_wishes")
def notify_seat_wishes() -> dict[str, int]:
    """Beat runs this every PORTAL_SEAT_WISH_INTERVAL_SECONDS: email waiting people once a seat of
    their company is free, and forget spent sign-in proofs that have expired anyway."""
    return {
        "emails_sent": refusal.notify_seat_wishes(),
        "proofs_purged": proofs.purge_spent_proofs(),
    }
