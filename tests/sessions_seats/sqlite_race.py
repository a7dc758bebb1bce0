"""Run by tests/test_concurrency_sqlite.py in a process of its own, on a file SQLite database
(DATABASE_URL): parallel sign-ins for a 3-seat company, each thread on its own connection.
Prints one JSON line with what the database holds afterwards."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foundry_licensing.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.AXES_ENABLED = False  # the same client address signs in many times on purpose
settings.ALLOWED_HOSTS = ["testserver"]


def main(parallel: int) -> None:
    call_command("migrate", verbosity=0)
    from sessions_seats.models import LoginDenial, Seat
    from tests.factories import PASSWORD, EntitlementFactory, PackageFactory, UserFactory

    company = EntitlementFactory(package=PackageFactory(seats=3)).company
    users = UserFactory.create_batch(parallel, company=company)
    barrier = threading.Barrier(parallel)
    statuses: list[int] = []

    def sign_in(user) -> None:
        try:
            barrier.wait(timeout=30)
            response = Client().post(
                reverse("login"), {"username": user.email, "password": PASSWORD}
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_in, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        json.dumps(
            {
                "statuses": sorted(statuses),
                "open_seats": Seat.objects.filter(released_at__isnull=True).count(),
                "denials": LoginDenial.objects.filter(reason="seats_full").count(),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
