"""What every benchmark module shares: a throwaway database, Django set up on it, seeding, timing.

The benchmark never touches the developer's data. On SQLite it works in a temporary file; on
PostgreSQL (DATABASE_URL set) in a database named after the developer's with `_bench` appended,
created at the start and dropped at the end.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# The bench database's URL, handed to the child processes that measure memory.
BENCH_DB_ENV = "FOUNDRY_BENCH_DATABASE_URL"
# Any password works; one hash for every bench user keeps seeding cheap.
PASSWORD = "bench-password"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class BenchDatabase:
    url: str
    vendor: str
    cleanup: Callable[[], None]


def _postgres_admin_connect(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=parts.path.lstrip("/") or "postgres",
        autocommit=True,
    )


def create_bench_database(keep: bool = False, suffix: str = "_bench") -> BenchDatabase:
    """A fresh, empty database for this run, and how to drop it."""
    source = os.environ.get("DATABASE_URL", "")
    if source.startswith(("postgres://", "postgresql://", "pgsql://")):
        parts = urlsplit(source)
        name = f"{parts.path.lstrip('/')}{suffix}"
        bench_url = urlunsplit(parts._replace(path=f"/{name}"))
        with _postgres_admin_connect(source) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            if keep:
                log(f"kept database {name}")
                return
            with _postgres_admin_connect(source) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return BenchDatabase(bench_url, "postgresql", drop)

    folder = Path(tempfile.mkdtemp(prefix="foundry-bench-"))

    def remove() -> None:
        if keep:
            log(f"kept {folder}")
            return
        shutil.rmtree(folder, ignore_errors=True)

    return BenchDatabase(f"sqlite:///{folder / 'bench.sqlite3'}", "sqlite", remove)


@contextlib.contextmanager
def copy_of(database_url: str, suffix: str = "_copy") -> Iterator[str]:
    """A byte-for-byte copy of the bench database, dropped on leaving: several runs can each start
    from the same state. On PostgreSQL nothing may be connected to the original meanwhile."""
    from django.db import connections

    connections.close_all()
    if database_url.startswith("sqlite:///"):
        import sqlite3

        source = database_url.removeprefix("sqlite:///")
        target = f"{source}{suffix}"
        with (
            contextlib.closing(sqlite3.connect(source)) as src,
            contextlib.closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
        try:
            yield f"sqlite:///{target}"
        finally:
            Path(target).unlink(missing_ok=True)
        return
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    # Connected to the maintenance database: a template must have no connection at all.
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with _postgres_admin_connect(maintenance) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}{suffix}"')
        # FILE_COPY copies the files; the default (WAL_LOG) would also write the whole database
        # to the WAL, a few hundred megabytes per copy for the checkpointer to work through while
        # the next parts of the run are measured.
        admin.execute(f'CREATE DATABASE "{name}{suffix}" TEMPLATE "{name}" STRATEGY FILE_COPY')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}{suffix}"))
    finally:
        _drop_when_unused(maintenance, f"{name}{suffix}")


def _drop_when_unused(maintenance_url: str, name: str, attempts: int = 10) -> None:
    """DROP DATABASE once the last child's connection has gone. Not WITH (FORCE): that would
    also stop an autovacuum worker on the copy, which only a superuser may."""
    import psycopg

    for attempt in range(attempts):
        try:
            with _postgres_admin_connect(maintenance_url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            return
        except psycopg.errors.ObjectInUse:
            if attempt == attempts - 1:
                raise
            time.sleep(1)


def setup_django(database_url: str) -> None:
    """Point the settings at the bench database, production-like (DEBUG off), and set Django up."""
    os.environ["DATABASE_URL"] = database_url
    os.environ[BENCH_DB_ENV] = database_url
    # DEBUG off: with it on, every query would be kept in memory and skew time and memory.
    os.environ["DJANGO_DEBUG"] = "False"
    # Pages render static URLs; the hashed names of production need a collectstatic that a
    # benchmark of the engine has no use for.
    os.environ.setdefault("DJANGO_STATIC_MANIFEST", "False")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    if "FOUNDRY_VAR_DIR" not in os.environ:
        # Settings create this folder; children inherit it, the process that made it removes it.
        var_dir = tempfile.mkdtemp(prefix="foundry-bench-var-")
        os.environ["FOUNDRY_VAR_DIR"] = var_dir
        atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foundry_licensing.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    # The same fast hasher for every sign-in measured: hashing would drown what is compared.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- Timing ------------------------------------------------------------------------------------


@contextlib.contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as t: ...` then t[0] is the elapsed seconds."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def size_label(n: int) -> str:
    """100000 -> "100k", 2500 -> "2500": the suffix of keys named after the size run."""
    return f"{n // 1000}k" if n % 1000 == 0 and n >= 1000 else str(n)


def vacuum_analyze() -> None:
    """Dead row versions of bulk loads and earlier runs cleared, statistics fresh (PostgreSQL), as
    autovacuum would have them in production: what comes next neither pays for them nor meets
    autovacuum halfway through."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def sign_out(seat_sessions, batch: int = 1000) -> None:
    """End these open seat sessions through the engine, untimed, a batch per transaction: their
    seats are released and the counters follow, as when people sign out."""
    from sessions_seats.models import EndReason
    from sessions_seats.services import end_sessions

    ids = list(seat_sessions.values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        end_sessions(ids[start : start + batch], EndReason.LOGOUT)


# --- Seeding -----------------------------------------------------------------------------------


def password_hash() -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


def make_company(slug: str, capacity: int):
    """A company with a valid entitlement of at least `capacity` seats."""
    import datetime

    from django.utils import timezone

    from accounts.models import Company
    from sessions_seats.models import Entitlement, LicensePackage

    company = Company.objects.create(name=slug.replace("-", " ").title(), slug=slug)
    package = LicensePackage.objects.order_by("-seats").first()
    Entitlement.objects.create(
        company=company,
        package=package,
        quantity=max(1, -(-capacity // package.seats)),
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    return company


def make_users(company, count: int, tag: str, hashed: str | None = None) -> list:
    from accounts.models import User

    hashed = hashed or password_hash()
    users = [
        User(
            email=f"{tag}-{i}@{company.slug}.example",
            full_name=f"Bench {tag} {i}",
            company=company,
            password=hashed,
        )
        for i in range(count)
    ]
    return User.objects.bulk_create(users, batch_size=2000)


class QueryCounter:
    """Counts the queries run on the default connection inside `with QueryCounter() as q:`.

    An execute wrapper rather than the debug query log, which keeps only the last 9000 entries.
    """

    def __init__(self) -> None:
        self.count = 0
        self._hook: contextlib.AbstractContextManager | None = None

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCounter:
        from django.db import connection

        self._hook = connection.execute_wrapper(self)
        self._hook.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._hook is not None
        self._hook.__exit__(*exc)
