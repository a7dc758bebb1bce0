"""What the storm watches while it runs: the company's open seats and its counter, sampled from a
connection of their own; how busy the database's connections are; and the CPU each side spends.

The seat figures come from one statement, so the counter and the open seats are read in the same
snapshot: a difference between them is a real disagreement, not two reads a commit fell between.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_INTERVAL = 0.1
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    phase: str
    seats_in_use: int
    open_seats: int
    db_active: int
    db_waiting_on_lock: int


@dataclass
class SeatSampler:
    """Samples every SAMPLE_INTERVAL in a thread (hence its own database connection), and keeps
    the CPU meter of the running wave up to date."""

    company_id: int
    web_pids: list[int]
    phase: str = "idle"
    samples: list[Sample] = field(default_factory=list)
    error: BaseException | None = None
    _meter: CpuMeter | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _backend_pid: int | None = None
    _started: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> SeatSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._started.wait(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=10)

    @contextlib.contextmanager
    def metering(self) -> Iterator[CpuMeter]:
        # This thread's connection and the sampler's own are the bench's, not the web workers'.
        meter = CpuMeter(self.web_pids, observers={own_backend_pid(), self._backend_pid})
        self._meter = meter
        try:
            yield meter
        finally:
            self._meter = None
            meter.stop()

    def _run(self) -> None:
        from django.db import connection

        try:
            self._backend_pid = own_backend_pid()
            self._started.set()
            while not self._stop.is_set():
                self.samples.append(read_sample(self.company_id, self.phase))
                meter = self._meter
                if meter is not None:
                    meter.poll()
                self._stop.wait(SAMPLE_INTERVAL)
        except BaseException as error:  # reported by the caller: a silent sampler proves nothing
            self.error = error
        finally:
            self._started.set()
            connection.close()

    def of(self, phase: str) -> list[Sample]:
        return [s for s in self.samples if s.phase == phase]


def read_sample(company_id: int, phase: str) -> Sample:
    from django.db import connection

    from accounts.models import Company
    from sessions_seats.selectors import counted_open_seats

    seats_in_use, open_now = (
        Company.objects.filter(pk=company_id)
        .annotate(open_now=counted_open_seats())
        .values_list("seats_in_use", "open_now")
        .get()
    )
    active, waiting = 0, 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FILTER (WHERE state = 'active'),"
                " count(*) FILTER (WHERE wait_event_type = 'Lock')"
                " FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            active, waiting = cursor.fetchone()
    return Sample(phase, seats_in_use, open_now, active, waiting)


def seat_figures(sampler: SeatSampler, company, capacity: int) -> dict[str, object]:
    """Over-allocation (the most seats seen open or counted, minus the capacity; never above 0
    when the rule holds), and whether the counter agrees with the open seats at the end."""
    from sessions_seats.models import LoginDenial

    from . import loadkit

    final = read_sample(company.pk, "end")
    seen = [*sampler.samples, final]
    most = max(max(s.open_seats, s.seats_in_use) for s in seen)
    invariants = loadkit.seat_invariants(company)
    return {
        "storm_over_allocations": max(0, most - capacity),
        "storm_capacity": capacity,
        "storm_samples": len(sampler.samples),
        "storm_max_open_seats_seen": max(s.open_seats for s in seen),
        "storm_max_seats_in_use_seen": max(s.seats_in_use for s in seen),
        "storm_counter_mismatches_sampled": sum(s.open_seats != s.seats_in_use for s in seen),
        "storm_final_open_seats": final.open_seats,
        "storm_final_seats_in_use": final.seats_in_use,
        "storm_counter_matches_at_end": final.open_seats == final.seats_in_use,
        "storm_refusals_recorded": LoginDenial.objects.filter(company=company).count(),
        "storm_broken_state": sum(invariants.values()),
    }


def activity(samples: list[Sample]) -> dict[str, float | None]:
    """Database connections working, and waiting for a lock, on average over these samples."""
    if not samples:
        return {"active": None, "waiting_on_lock": None}
    return {
        "active": round(statistics.mean(s.db_active for s in samples), 2),
        "waiting_on_lock": round(statistics.mean(s.db_waiting_on_lock for s in samples), 2),
    }


# --- CPU ----------------------------------------------------------------------------------------


def _process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of one process, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(entry.name))
    return found


def own_backend_pid() -> int | None:
    """The server process of this thread's database connection (PostgreSQL)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def database_backends(observers: Collection[int | None] = ()) -> list[int]:
    """Process ids of the server processes of this database's client connections (PostgreSQL),
    but for this thread's and the `observers'`: the bench's own. Autovacuum's workers, which are
    others' work, are no client connections."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall() if pid not in observers]


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU spent during a wave by the web workers, the database's backends serving this database,
    this process (the client), and the whole machine (others' work included: it is shared).

    Backends come and go (connections are recycled after their maximum age): each one's CPU is
    read whenever the sampler polls, so one that exits loses at most a polling interval, and one
    that starts during the wave counts from zero."""

    def __init__(self, web_pids: list[int], observers: Collection[int | None] = ()) -> None:
        # The bench's own connections are left out wherever the backends are listed: a poll runs
        # in another thread than this, and would otherwise count this thread's connection, which
        # is missing from the first reading, from zero, all its CPU since it was opened included.
        self._observers = frozenset(observers)
        self._web = {pid: _process_cpu(pid) or 0.0 for pid in web_pids}
        self._db_first = {
            pid: _process_cpu(pid) or 0.0 for pid in database_backends(self._observers)
        }
        self._db_last = dict(self._db_first)
        self._lock = threading.Lock()
        self._self = sum(os.times()[:2])
        self._machine = _machine_ticks()
        self.web = self.db = self.client = self.machine_busy = 0.0

    def poll(self, pids: list[int] | None = None) -> None:
        for pid in database_backends(self._observers) if pids is None else pids:
            now = _process_cpu(pid)
            if now is not None:
                with self._lock:
                    self._db_first.setdefault(pid, 0.0)
                    self._db_last[pid] = now

    def stop(self) -> None:
        self.poll(list(self._db_last) + database_backends(self._observers))
        self.web = sum((_process_cpu(p) or b) - b for p, b in self._web.items())
        with self._lock:
            self.db = sum(last - self._db_first[pid] for pid, last in self._db_last.items())
        self.client = sum(os.times()[:2]) - self._self
        busy, total = _machine_ticks()
        self.machine_busy = (busy - self._machine[0]) / max(1, total - self._machine[1])

    def server_ms(self, attempts: int) -> float:
        """Web and database CPU per attempt, in milliseconds."""
        return (self.web + self.db) / max(1, attempts) * 1000

    def per_attempt_ms(self, attempts: int) -> dict[str, float]:
        n = max(1, attempts)
        return {
            "web": round(self.web / n * 1000, 2),
            "db": round(self.db / n * 1000, 2),
            "client": round(self.client / n * 1000, 2),
            "machine_busy": round(self.machine_busy, 2),
        }
