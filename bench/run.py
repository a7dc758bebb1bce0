"""The benchmark suite: each figure measured side by side with Django's own baseline, in one run.

    python bench/run.py [--n 100000] [--rounds 300]        (or: make bench N=100000)

PostgreSQL when DATABASE_URL is set (in a `<name>_bench` database created and dropped here),
SQLite in a temporary file otherwise: the developer's data is never touched. Progress goes to
stderr; the last line on stdout is one JSON object with every figure and its target.

The login storm (bench/storm.py) runs on PostgreSQL by default; `--storm` / `--no-storm` force it
on or off (on SQLite its keys are null, with the reason). `--only storm` measures it alone. `--reap-only` measures the reaping figures alone
(bench/reaping.py), in a bench database of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, storm

TARGETS = {
    "claim_overhead_ratio": "<= 1.15",
    "claim_lock_hold_ms_p50": "<= 5",
    "claim_cost_ratio_20000_vs_20": "<= 1.1",
    "extra_queries_per_request": "== 0",
    "request_overhead_ratio": "<= 1.05",
    "reap_vs_update_floor_ratio": "<= 1.3",
    "reap_vs_clearsessions_ratio": "reference, no target",
    "reap_sign_in_wait_ms_max": "<= 200 (PostgreSQL)",
    "reap_memory_ratio": "<= 1.5",
    "admin_seat_changelist_queries": "20 == 200",
    "oidc_authorize_extra_queries": "<= 3",
    "logout_fanout_seconds_1000x3": "<= 60, all 3000 delivered",
    "storm_sign_ins_ratio": storm.TARGET,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--n", type=int, default=100_000, help="idle sessions to reap, expired ones to clear"
    )
    parser.add_argument(
        "--small", type=int, default=None, help="the smaller reap size (default 10k, or n/10)"
    )
    parser.add_argument(
        "--rounds", type=int, default=300, help="sign-ins and requests of each kind"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--reap-only", action="store_true", help="measure only the reaping figures")
    parser.add_argument(
        "--child", choices=["reap", "floor", "clearsessions"], help=argparse.SUPPRESS
    )
    storm.add_arguments(parser)
    return parser.parse_args()


def child(kind: str) -> None:
    common.setup_django(os.environ[common.BENCH_DB_ENV])
    from bench import reaping

    print(json.dumps(reaping.CHILDREN[kind]()))


def reap_verdicts(figures: dict[str, object]) -> dict[str, bool | None]:
    wait = figures["reap_sign_in_wait_ms_max"]
    return {
        "reap_vs_update_floor_ratio": figures["reap_vs_update_floor_ratio"] <= 1.3,
        "reap_sign_in_wait_ms_max": None if wait is None else wait <= 200,
        "reap_memory_ratio": figures["reap_memory_ratio"] <= 1.5,
    }


def verdicts(figures: dict[str, object]) -> dict[str, bool | None]:
    if figures.get("reap_only"):
        return reap_verdicts(figures)
    return reap_verdicts(figures) | {
        "claim_overhead_ratio": figures["claim_overhead_ratio"] <= 1.15,
        "claim_lock_hold_ms_p50": figures["claim_lock_hold_ms_p50"] <= 5,
        "claim_cost_ratio_20000_vs_20": figures["claim_cost_ratio_20000_vs_20"] <= 1.1,
        "extra_queries_per_request": figures["extra_queries_per_request"] == 0,
        "request_overhead_ratio": figures["request_overhead_ratio"] <= 1.05,
        "admin_seat_changelist_queries": figures["admin_seat_changelist_queries_20"]
        == figures["admin_seat_changelist_queries_200"],
        "oidc_authorize_extra_queries": figures["oidc_authorize_extra_queries"] <= 3,
        "logout_fanout_seconds_1000x3": figures["logout_fanout_seconds_1000x3"] <= 60
        and figures["logout_fanout_delivered"] == 3000,
        "storm_sign_ins_ratio": storm.verdict(figures),
    }


def main() -> int:
    args = parse_args()
    if args.child:
        child(args.child)
        return 0
    if args.only == "storm":
        return storm.run_alone(args.keep, args.storm)
    small = args.small or (10_000 if args.n > 10_000 else max(100, args.n // 10))
    database = common.create_bench_database(keep=args.keep)
    started = time.perf_counter()
    try:
        common.setup_django(database.url)
        from bench import admin_queries, claims, logout_fanout, oidc, reaping, requests_overhead

        common.log(f"bench database: {database.vendor}; migrating")
        common.migrate()
        figures: dict[str, object] = {"db": database.vendor, "n": args.n, "rounds": args.rounds}
        if args.reap_only:
            figures["reap_only"] = True
            figures.update(reaping.measure(args.n, small, database.vendor))
            return _finish(figures, started)
        common.log(f"sign-in with a seat claim vs Django's LoginView, {args.rounds} each")
        figures.update(claims.measure(args.rounds))
        common.log(f"claims at 20 and 20,000 seats held, {args.rounds} each")
        figures.update(claims.measure_cost_by_size(args.rounds))
        common.log(f"portal request with vs without SeatMiddleware, {args.rounds} each")
        figures.update(requests_overhead.measure(args.rounds))
        common.log("admin seat list queries at 20 and 200 seats")
        figures.update(admin_queries.measure())
        figures.update(reaping.measure(args.n, small, database.vendor))
        common.log("authorization queries: seat view vs DOT's AuthorizationView")
        figures.update(oidc.measure_authorize())
        common.log("back-channel logout fan-out: 1,000 seats x 3 applications")
        figures.update(logout_fanout.measure())
        figures.update(storm.figures_for(args.storm, database.vendor))
    finally:
        from django.db import connections

        connections.close_all()
        database.cleanup()
    return _finish(figures, started)


def _finish(figures: dict[str, object], started: float) -> int:
    figures["machine"] = (
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    )
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["targets"] = TARGETS
    figures["met"] = verdicts(figures)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
