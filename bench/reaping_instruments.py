"""What the reaper's child process measures with: its peak memory, and how long a sign-in waits
for the company lock while the reaper runs (bench/reaping.py)."""

from __future__ import annotations

import resource
import threading
import time


class RssSampler:
    """Peak resident memory above the level when sampling started, read from /proc every few ms.

    The process' own ru_maxrss is no good here: its peak may date from start-up, hiding the
    work's growth. Where /proc is missing, ru_maxrss growth is the (coarser) fallback.
    """

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.base = self.peak = self._current_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._maxrss_base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    @staticmethod
    def _current_mb() -> float:
        try:
            with open("/proc/self/statm") as statm:
                return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
        except OSError:
            return 0.0

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._current_mb())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._current_mb())

    @property
    def growth_mb(self) -> float:
        if self.base:
            return self.peak - self.base
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - self._maxrss_base


class CompanyLockProbe:
    """Takes, in a thread with its own connection, the company row lock a claim takes first, on
    the company the reaper is working on, and records each wait.

    The reaper goes through sessions in id order and the bench seeds company after company, so the
    companies are visited in id order too: the probe stays on one until its seats are all released
    (the counter, read with the lock), then moves to the next. A short pause between tries keeps it
    from competing with the reaper for the two cores.
    """

    def __init__(self, company_ids: list[int], pause: float = 0.002) -> None:
        self.company_ids = company_ids
        self.pause = pause
        self.waits: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from django.db import connection, transaction

        try:
            position = 0
            while position < len(self.company_ids) and not self._stop.is_set():
                with transaction.atomic(), connection.cursor() as cursor:
                    start = time.perf_counter()
                    cursor.execute(
                        "SELECT seats_in_use FROM accounts_company WHERE id = %s FOR NO KEY UPDATE",
                        [self.company_ids[position]],
                    )
                    (in_use,) = cursor.fetchone()
                    self.waits.append(time.perf_counter() - start)
                if in_use == 0:
                    position += 1
                else:
                    time.sleep(self.pause)
        finally:
            connection.close()

    def __enter__(self) -> CompanyLockProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def max_ms(self) -> float:
        return max(self.waits, default=0.0) * 1000
