"""A real Celery worker, in a process of its own, consuming from Redis and writing to the test
database, delivers the logout token of a forced logout to the application's back-channel URI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client

from accounts.models import User
from foundry_licensing.celery import app as celery_app
from sessions_seats.forced_logout import force_logout
from sessions_seats.models import EndReason, SeatSession
from single_sign_on.models import BackchannelDelivery
from tests.conftest import sign_in
from tests.factories import StaffFactory

from .conftest import follow_to_app, register
from .logout_receiver import validated_logout_token

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    credentials = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path) -> Iterator[str]:
    """`celery -A foundry_licensing worker` on the test database and the configured Redis,
    signing with this run's OIDC key; stopped by its pid at teardown (before the database is
    flushed). Yields its log, for failure messages."""
    name = f"backchannel-{uuid.uuid4().hex[:8]}@test"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        # The project's settings, not the tests': those would make an RSA key of their own.
        "DJANGO_SETTINGS_MODULE": "foundry_licensing.settings",
        "DJANGO_DEBUG": "True",  # plain http to the loopback receiver, as in development
        "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
        "OIDC_RSA_PRIVATE_KEY": django_settings.OIDC_RSA_PRIVATE_KEY,
        "PORTAL_BASE_URL": "http://testserver",  # the issuer the logout token names
        "DATABASE_URL": _test_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "FOUNDRY_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "foundry_licensing",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                name,
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        ready = wait_for(
            lambda: (
                worker.poll() is not None
                or celery_app.control.ping(destination=[name], timeout=0.5)
            ),
            timeout=60,
        )
        if not ready or worker.poll() is not None:
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()[-3000:]}")
        yield str(log)
    finally:
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGTERM)  # warm shutdown: the current task finishes
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)


@pytest.fixture
def support_staff(db) -> User:
    """Staff allowed to sign anyone out. Given the permissions directly: the Support group comes
    from a data migration, which an earlier transactional test's flush has emptied."""
    staff = StaffFactory()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["force_logout", "view_all_companies"])
    )
    return staff


def test_a_worker_process_delivers_the_logout_token_of_a_forced_logout(
    members, support_staff, logout_receiver, settings, celery_worker_process
):
    settings.DEBUG = True  # registering a plain-http loopback URI
    settings.PORTAL_BASE_URL = "http://testserver"
    planner = register(backchannel_logout_uri=logout_receiver.url())
    browser = Client()
    sign_in(browser, members[0])
    id_token = planner.validated_id_token(
        planner.fetch_token(follow_to_app(browser, planner.authorization_url(), planner))
    )
    seat = SeatSession.objects.get().seat

    # Commits at once (no test transaction): the delivery is queued to Redis on commit.
    force_logout(actor=support_staff, seats=[seat], reason="Laptop stolen")

    delivered = wait_for(
        lambda: BackchannelDelivery.objects.filter(status="delivered").exists(), timeout=30
    )
    log = Path(celery_worker_process).read_text()
    assert delivered, (
        f"no delivery within 30 s: {list(BackchannelDelivery.objects.values())}\n{log}"
    )
    assert SeatSession.objects.get().end_reason == EndReason.FORCED
    sent = BackchannelDelivery.objects.get()
    assert (sent.attempts, sent.last_error) == (1, "")
    [post] = logout_receiver.received
    claims = validated_logout_token(post.logout_token, planner)  # signature, iss, aud, events
    assert (claims["sid"], claims["sub"]) == (id_token["sid"], id_token["sub"])
    assert "nonce" not in claims
    assert "single_sign_on.tasks.deliver_backchannel_logout" in log
