"""A bounded login storm at one company: sign-ins per second through the portal's sign-in (with
the seat claim) against the same server's plain Django `LoginView`, and no over-allocation.

One company with 2,000 seats and 2,500 users; gunicorn with 4 sync workers on 127.0.0.1 running
the bench's settings (DEBUG off, the MD5 hasher for everyone); a client keeping 64 sign-ins in
flight, each a fresh browser: GET the sign-in page (CSRF cookie and token), POST the credentials,
count 302 (signed in) and 403 (refused).

How the two sides are made comparable:
- Same server, same users, same hasher, same client; the two views differ only in what they do.
- Three phases, baseline / seats / baseline, so that drift of a shared machine during the run
  hits the baseline on both sides of the measured phase; the baseline figure is their mean.
- Every phase starts from the same state: no Django sessions, no open seats, no axes records.
  Between phases everyone is signed out (seat sessions ended through the engine, sessions
  deleted) and those tables are vacuumed.
- Every phase posts the same users in the same order, in two waves: the first 2,000 (who fill
  the company on the seat side), then the other 500 (whom the full company refuses). The rate
  compared is the first wave's: 2,000 sign-ins divided by the time from its start to its last
  answer, on both sides. Refusing is different work (a login rolled back and a refusal recorded)
  that LoginView never does, so the rates over all 2,500 attempts, and the refusals' own rate,
  are reported beside it, not compared.
- Latencies are those of the POSTs that signed in (the GET before each is not timed).

Over-allocation: from a connection of its own, the company's open seats (`Seat.objects.open()`)
and its `seats_in_use` counter are read every 100 ms, in one statement, and again at the end:
the largest open count seen minus the capacity must never exceed 0, and the counter must equal
the open seats at the end. Each wave stops submitting after 180 s. PostgreSQL only: SQLite
serialises every writer on its file, so a storm there measures the file lock.

Where the time goes, reported beside the rates: the CPU each wave cost the web workers and the
database backends per sign-in (`storm_cpu_ratio` is LoginView's over the seat side's: what the
rate ratio tends to when the machine is CPU-bound, and far steadier than the wall clock on a
shared one), how far the two baselines drifted apart, the load average, and how many database
connections were working or waiting for a lock, sampled with the seats.

With everything else, `bench/run.py` (PostgreSQL by default; `--storm` / `--no-storm` to force);
alone, in a database of its own: `python bench/run.py --only storm`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import common, loadkit, storm_probe

CAPACITY, USERS, IN_FLIGHT, WORKERS = 2000, 2500, 64, 4
WAVE_SECONDS = 180.0
SEAT_LOGIN, DJANGO_LOGIN = "/accounts/login/", "/bench/django-login/"
SKIPPED_ON_SQLITE = "SQLite serialises writers: a storm measures the file lock"
TARGET = ">= 0.9, 0 over-allocations (sampled and at the end)"
KEYS = (
    "storm_sign_ins_per_s",
    "storm_login_view_per_s",
    "storm_sign_ins_ratio",
    "storm_sign_in_p50_ms",
    "storm_sign_in_p95_ms",
    "storm_login_view_p50_ms",
    "storm_login_view_p95_ms",
    "storm_over_allocations",
)


def not_measured(reason: str) -> dict[str, object]:
    return {**dict.fromkeys(KEYS), "storm_skipped": reason}


def figures_for(flag: bool | None, vendor: str) -> dict[str, object]:
    """The storm's keys for a run: measured (by default on PostgreSQL), or null with the reason."""
    if vendor != "postgresql":
        return not_measured(SKIPPED_ON_SQLITE)
    if flag is False:
        return not_measured("not asked for (--no-storm)")
    common.log(f"login storm: {USERS} users, {CAPACITY} seats, {IN_FLIGHT} in flight")
    return measure()


def verdict(figures: dict[str, object]) -> bool | None:
    """None when the storm was not measured; else the ratio target and no over-allocation."""
    ratio = figures.get("storm_sign_ins_ratio")
    if ratio is None:
        return None
    return (
        ratio >= 0.9
        and figures["storm_over_allocations"] == 0
        and figures["storm_counter_matches_at_end"] is True
        and figures["storm_broken_state"] == 0
        and figures["storm_errors"] == 0
        and figures["storm_refusals_recorded"] == figures["storm_refused"]
    )


@dataclass
class Attempt:
    status: int  # 0: the connection failed
    post_seconds: float
    done_at: float


@dataclass(eq=False)
class Wave:
    """One stream of sign-ins, IN_FLIGHT at a time, until every email was tried or time ran out."""

    label: str
    started: float
    attempts: list[Attempt]
    cpu: storm_probe.CpuMeter

    @property
    def statuses(self) -> Counter:
        return Counter(a.status for a in self.attempts)

    @property
    def seconds(self) -> float:
        return max((a.done_at for a in self.attempts), default=self.started) - self.started

    def per_s(self) -> float:
        return len(self.attempts) / self.seconds if self.seconds else 0.0

    def latency_ms(self, p: float) -> float:
        ok = [a.post_seconds * 1000 for a in self.attempts if a.status == 302]
        return round(loadkit.percentile(ok, p), 1)


def _attempt(port: int, page: str, email: str) -> Attempt:
    jar: dict[str, str] = {}
    try:
        status, body, headers = loadkit.get(port, page, jar)
        loadkit.cookies_from(headers, jar)
        match = loadkit.CSRF_INPUT.search(body)
        if status != 200 or not match:
            return Attempt(status, 0.0, time.perf_counter())
        form = {"csrfmiddlewaretoken": match.group(1).decode()}
        form |= {"username": email, "password": common.PASSWORD}
        start = time.perf_counter()
        status, _, _ = loadkit.post(port, page, form, jar)
        end = time.perf_counter()
    except OSError:
        return Attempt(0, 0.0, time.perf_counter())
    return Attempt(status, end - start, end)


def _wave(
    label: str, port: int, page: str, emails: list[str], sampler: storm_probe.SeatSampler
) -> Wave:
    started = time.perf_counter()
    stop_at = started + WAVE_SECONDS

    def one(email: str) -> Attempt | None:
        return _attempt(port, page, email) if time.perf_counter() < stop_at else None

    sampler.phase = label
    with sampler.metering() as meter, ThreadPoolExecutor(IN_FLIGHT) as pool:
        attempts = [a for a in pool.map(one, emails) if a is not None]
    sampler.phase = "between"
    wave = Wave(label, started, attempts, meter)
    common.log(
        f"    {label}: {dict(wave.statuses)} in {wave.seconds:.1f} s;"
        f" CPU ms per attempt {meter.per_attempt_ms(len(attempts))}"
    )
    return wave


def _storm(
    label: str, port: int, page: str, emails: list[str], sampler: storm_probe.SeatSampler
) -> tuple[Wave, Wave]:
    """The first CAPACITY users (who fill the company), then the rest (who find it full)."""
    common.log(f"  storm {label}: {len(emails)} sign-ins at {page}, {IN_FLIGHT} in flight")
    fill = _wave(label, port, page, emails[:CAPACITY], sampler)
    rest = _wave(f"{label}-rest", port, page, emails[CAPACITY:], sampler)
    return fill, rest


def _sign_everyone_out() -> None:
    """Back to the state every phase starts from: nobody signed in, no seat open, no records."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.db import connection

    from sessions_seats.models import Seat, SeatSession

    common.sign_out(SeatSession.objects.open())
    # The bench runs the database store (checked), where deleting rows ends the sessions:
    # LoginView's sessions have no seat session for the engine to end.
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    Session.objects.all().delete()
    for model in (AccessLog, AccessAttempt, AccessFailureLog):
        model.objects.all().delete()
    if Seat.objects.open().exists():
        raise RuntimeError("a seat stayed open after everyone was signed out")
    if connection.vendor == "postgresql":
        tables = [Session, AccessLog, AccessAttempt, AccessFailureLog, Seat, SeatSession]
        with connection.cursor() as cursor:
            for model in tables:
                cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')


def _warm_up(port: int, emails: list[str]) -> None:
    """Every worker imports, compiles and connects before anything is measured."""
    for page in (DJANGO_LOGIN, SEAT_LOGIN):
        with ThreadPoolExecutor(WORKERS * 2) as pool:
            attempts = pool.map(_attempt, [port] * len(emails), [page] * len(emails), emails)
            statuses = Counter(a.status for a in attempts)
        if set(statuses) != {302}:
            raise RuntimeError(f"warm-up sign-ins at {page} answered {dict(statuses)}")
    _sign_everyone_out()


def measure() -> dict[str, object]:
    """The storm's figures, on the database Django is set up on (PostgreSQL)."""
    from sessions_seats.selectors import capacity_of

    company, emails = loadkit.seed_company("storm", CAPACITY, USERS)
    _, warm_emails = loadkit.seed_company("storm-warm", WORKERS * 4, WORKERS * 4)
    capacity = capacity_of(company)
    load_before = os.getloadavg()
    with loadkit.workspace() as folder:
        procs = loadkit.Processes(folder)
        try:
            env = loadkit.app_env(
                os.environ[common.BENCH_DB_ENV],
                folder,
                CELERY_BROKER_URL="memory://",
                FOUNDRY_BENCH_URLCONF="bench.urls",
            )
            port = loadkit.start_gunicorn(procs, env, workers=WORKERS)
            web_pids = storm_probe.children_of(procs.started["gunicorn"].pid)
            _warm_up(port, warm_emails)
            with storm_probe.SeatSampler(company.pk, web_pids) as sampler:
                first = _storm("baseline-1", port, DJANGO_LOGIN, emails, sampler)
                _sign_everyone_out()
                seats = _storm("seats", port, SEAT_LOGIN, emails, sampler)
                seat_state = storm_probe.seat_figures(sampler, company, capacity)
                _sign_everyone_out()
                second = _storm("baseline-2", port, DJANGO_LOGIN, emails, sampler)
                _sign_everyone_out()
            if sampler.error is not None:
                raise RuntimeError(f"the seat sampler failed: {sampler.error!r}")
        finally:
            procs.stop_all()
    load_after = os.getloadavg()
    return {
        **_rates(seats, (first, second)),
        **seat_state,
        **_evidence(sampler, seats, (first, second)),
        "storm_load_average": {
            "before": [round(v, 2) for v in load_before],
            "after": [round(v, 2) for v in load_after],
        },
    }


def _mean(values) -> float:
    return round(statistics.mean(values), 1)


def _rates(seats: tuple[Wave, Wave], baselines: tuple[tuple[Wave, Wave], ...]) -> dict:
    """Sign-ins per second of the filling waves (the first CAPACITY users of each phase)."""
    seat_rate = seats[0].per_s()
    baseline_rates = [fill.per_s() for fill, _ in baselines]
    baseline = statistics.mean(baseline_rates)
    figures: dict[str, object] = {
        "storm_sign_ins_per_s": round(seat_rate, 1),
        "storm_login_view_per_s": round(baseline, 1),
        "storm_sign_ins_ratio": round(seat_rate / baseline, 3) if baseline else None,
        "storm_sign_in_p50_ms": seats[0].latency_ms(50),
        "storm_sign_in_p95_ms": seats[0].latency_ms(95),
        "storm_login_view_p50_ms": _mean(fill.latency_ms(50) for fill, _ in baselines),
        "storm_login_view_p95_ms": _mean(fill.latency_ms(95) for fill, _ in baselines),
        "storm_login_view_per_s_each": [round(r, 1) for r in baseline_rates],
        # Over all USERS attempts, the last 500 refused on the seat side: not compared.
        "storm_attempts_per_s": round(USERS / (seats[0].seconds + seats[1].seconds), 1),
        "storm_login_view_attempts_per_s": _mean(
            USERS / (fill.seconds + rest.seconds) for fill, rest in baselines
        ),
        "storm_refused_per_s": round(seats[1].per_s(), 1),
        "storm_statuses": {
            wave.label: dict(wave.statuses) for pair in (seats, *baselines) for wave in pair
        },
    }
    # Errors: anything but a sign-in or a refusal, and any refusal by LoginView. A wave cut short
    # by the time bound (a very busy machine) is rated on what it answered, and named.
    figures["storm_errors"] = sum(
        n
        for pair in (seats, *baselines)
        for wave in pair
        for status, n in wave.statuses.items()
        if status not in (302, 403) or (status == 403 and wave not in seats)
    )
    figures["storm_refused"] = sum(wave.statuses[403] for wave in seats)
    figures["storm_cut_short"] = [
        wave.label
        for pair in (seats, *baselines)
        for wave, size in zip(pair, (CAPACITY, USERS - CAPACITY), strict=True)
        if len(wave.attempts) < size
    ]
    return figures


def _evidence(
    sampler: storm_probe.SeatSampler,
    seats: tuple[Wave, Wave],
    baselines: tuple[tuple[Wave, Wave], ...],
) -> dict[str, object]:
    """Where the time goes: CPU per sign-in on each side (others' load on a shared machine
    changes the wall clock much more than the CPU a sign-in costs), and how many database
    connections were working or waiting for a lock, sampled."""
    waves = [wave for pair in (baselines[0], seats, baselines[1]) for wave in pair]
    seat_cpu = seats[0].cpu.server_ms(len(seats[0].attempts))
    baseline_cpu = statistics.mean(f.cpu.server_ms(len(f.attempts)) for f, _ in baselines)
    spread = [fill.per_s() for fill, _ in baselines]
    return {
        "storm_server_cpu_ms_per_sign_in": round(seat_cpu, 2),
        "storm_login_view_server_cpu_ms_per_sign_in": round(baseline_cpu, 2),
        "storm_cpu_ratio": round(baseline_cpu / seat_cpu, 3) if seat_cpu else None,
        "storm_baseline_drift": round(max(spread) / min(spread), 2) if min(spread) else None,
        "storm_cpu_ms_per_attempt": {w.label: w.cpu.per_attempt_ms(len(w.attempts)) for w in waves},
        "storm_db_connections_mean": {
            w.label: storm_probe.activity(sampler.of(w.label)) for w in waves
        },
    }


def run_alone(keep: bool, flag: bool | None) -> int:
    """`bench/run.py --only storm`: the storm alone, in a bench database of its own."""
    database = common.create_bench_database(keep=keep)
    started = time.perf_counter()
    try:
        common.setup_django(database.url)
        common.migrate()
        figures: dict[str, object] = {"db": database.vendor}
        figures.update(figures_for(True if flag is None else flag, database.vendor))
    finally:
        from django.db import connections

        connections.close_all()
        database.cleanup()
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["targets"] = {"storm_sign_ins_ratio": TARGET}
    figures["met"] = {"storm_sign_ins_ratio": verdict(figures)}
    print(json.dumps(figures))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--storm",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="measure the login storm (default: on PostgreSQL only)",
    )
    parser.add_argument(
        "--only", choices=["storm"], help="measure only this, in a bench database of its own"
    )
