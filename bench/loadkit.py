"""What the load and fault scripts share: their own database, the servers they start and stop,
an HTTP sign-in over loopback, seeding, and the seat invariants they check.

Every server here is started by the script and stopped by its process id when the script ends
(also on Ctrl-C or failure). Traffic goes to 127.0.0.1 only; loops are bounded in count and time.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import common

ROOT = common.ROOT
HOST = "127.0.0.1"
PYTHON = sys.executable
BIN = Path(sys.executable).parent


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if condition():
                return True
        time.sleep(interval)
    return False


# --- Result -----------------------------------------------------------------------------------


@dataclass
class Verdict:
    name: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    figures: dict[str, object] = field(default_factory=dict)

    def check(self, label: str, ok: bool, detail: object = "") -> bool:
        self.checks.append((label, bool(ok), str(detail)))
        log(f"{'ok  ' if ok else 'FAIL'} {label} {detail}")
        return ok

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)

    def report(self) -> int:
        import json

        print()
        print(f"== {self.name}: {'PASS' if self.passed else 'FAIL'}")
        for label, ok, detail in self.checks:
            print(f"   [{'PASS' if ok else 'FAIL'}] {label}{f': {detail}' if detail else ''}")
        print(json.dumps({"test": self.name, "passed": self.passed, **self.figures}))
        return 0 if self.passed else 1


def skip(name: str, why: str) -> int:
    print(f"== {name}: SKIP — {why}")
    return 0


# --- Processes --------------------------------------------------------------------------------


class Processes:
    """The servers this script started, stopped by their own process group at exit."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        out = open(self.logdir / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        proc = self.started.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def stop_all(self) -> None:
        for name in list(self.started)[::-1]:
            self.kill(name)

    def tail(self, name: str, lines: int = 20) -> str:
        path = self.logdir / f"{name}.log"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )


@contextlib.contextmanager
def workspace(keep: bool = False) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="foundry-load-"))
    try:
        yield folder
    finally:
        if keep:
            log(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def app_env(database_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of the web and Celery processes: production-like, on loopback."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "False",
        # No collectstatic for a load test of sign-ins: static URLs without hashed names.
        "DJANGO_STATIC_MANIFEST": "False",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_LOG_LEVEL": "WARNING",
        "FOUNDRY_VAR_DIR": str(folder / "var"),
        "CELERY_BEAT_SCHEDULE_FILENAME": str(folder / "celerybeat-schedule"),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        **extra,
    }


def start_gunicorn(procs: Processes, env: dict[str, str], workers: int = 4) -> int:
    port = free_port()
    procs.start(
        "gunicorn",
        [
            str(BIN / "gunicorn"),
            "foundry_licensing.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--backlog",
            "2048",
        ],
        env,
    )
    if not wait_until(lambda: get(port, "/accounts/login/")[0] == 200, timeout=60):
        raise RuntimeError(f"gunicorn did not start:\n{procs.tail('gunicorn')}")
    return port


def start_redis(procs: Processes, port: int, folder: Path) -> None:
    redis = shutil.which("redis-server")
    if redis is None:
        raise RuntimeError("redis-server is not installed")
    procs.start(
        f"redis-{port}",
        [
            redis,
            "--bind",
            HOST,
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        os.environ.copy(),
    )
    if not wait_until(lambda: redis_ping(port), timeout=10):
        raise RuntimeError(f"redis-server on {port} did not start")


def redis_ping(port: int) -> bool:
    with socket.create_connection((HOST, port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


def start_celery(procs: Processes, kind: str, env: dict[str, str], name: str | None = None):
    argv = [str(BIN / "celery"), "-A", "foundry_licensing", kind, "--loglevel", "INFO"]
    if kind == "worker":
        argv += ["--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return procs.start(name or f"celery-{kind}", argv, env)


# --- HTTP ---------------------------------------------------------------------------------------

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def get(port: int, path: str, cookies: dict[str, str] | None = None, timeout: float = 30):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), response.getheaders()
    finally:
        conn.close()


def post(port: int, path: str, form: dict[str, str], cookies: dict[str, str], timeout: float = 60):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(
            "POST",
            path,
            body=urllib.parse.urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            },
        )
        response = conn.getresponse()
        return response.status, response.read(), response.getheaders()
    finally:
        conn.close()


def cookies_from(headers, jar: dict[str, str]) -> dict[str, str]:
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


@dataclass
class Browser:
    """One browser on loopback: fetches the form's CSRF token, signs in and out."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def _token(self, path: str = "/accounts/login/") -> str:
        status, body, headers = get(self.port, path, self.cookies)
        cookies_from(headers, self.cookies)
        match = CSRF_INPUT.search(body)
        if status != 200 or not match:
            raise RuntimeError(f"no sign-in form at {path} (status {status})")
        return match.group(1).decode()

    def sign_in(self, email: str, password: str) -> tuple[int, float]:
        """(status, seconds of the POST): 302 signed in, 403 refused."""
        token = self._token()
        start = time.perf_counter()
        status, _, headers = post(
            self.port,
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": email, "password": password},
            self.cookies,
        )
        elapsed = time.perf_counter() - start
        cookies_from(headers, self.cookies)
        return status, elapsed

    def sign_out(self) -> int:
        status, body, headers = get(self.port, "/", self.cookies)
        cookies_from(headers, self.cookies)
        match = CSRF_INPUT.search(body)
        if status != 200 or not match:
            return status
        status, _, headers = post(
            self.port,
            "/accounts/logout/",
            {"csrfmiddlewaretoken": match.group(1).decode()},
            self.cookies,
        )
        cookies_from(headers, self.cookies)
        return status

    def home(self) -> int:
        status, _, headers = get(self.port, "/", self.cookies)
        cookies_from(headers, self.cookies)
        return status


# --- Database -----------------------------------------------------------------------------------


def seed_company(slug: str, seats: int, users: int) -> tuple[object, list[str]]:
    company = common.make_company(slug, seats)
    # Exactly `seats`: the largest package may not divide it, so fix the quantity up.
    from sessions_seats.models import Entitlement, LicensePackage

    Entitlement.objects.filter(company=company).delete()
    package = LicensePackage.objects.get(seats=1)
    Entitlement.objects.create(
        company=company,
        package=package,
        quantity=seats,
        starts_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    made = common.make_users(company, users, "load")
    return company, [u.email for u in made]


def seat_invariants(company=None) -> dict[str, int]:
    """Counts that must be zero: seats released with an open session, open seats with none."""
    from django.db.models import Exists, OuterRef

    from sessions_seats.models import Seat, SeatSession

    seats = Seat.objects.all() if company is None else Seat.objects.filter(company=company)
    open_session = SeatSession.objects.filter(seat=OuterRef("pk"), ended_at__isnull=True)
    return {
        "released_with_open_session": seats.filter(released_at__isnull=False)
        .filter(Exists(open_session))
        .count(),
        "open_without_session": seats.filter(released_at__isnull=True)
        .exclude(Exists(open_session))
        .count(),
    }


def open_seats(company) -> int:
    from sessions_seats.models import Seat

    return Seat.objects.filter(company=company, released_at__isnull=True).count()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]
