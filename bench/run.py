"""The benchmark suite: each figure measured side by side with Django's own baseline, in one run.

    python bench/run.py [--n 100000] [--rounds 300]        (or: make bench N=100000)

PostgreSQL when DATABASE_URL is set (in a `<name>_bench` database created and dropped here),
SQLite in a temporary file otherwise: the developer's data is never touched. Progress goes to
stderr; the last line on stdout is one JSON object with every figure and its target.
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

from bench import common

TARGETS = {
    "claim_overhead_ratio": "<= 1.15",
    "claim_lock_hold_ms_p50": "<= 5",
    "claim_cost_ratio_20000_vs_20": "<= 1.1",
    "extra_queries_per_request": "== 0",
    "request_overhead_ratio": "<= 1.05",
    "reap_vs_clearsessions_ratio": "<= 2.0",
    "reap_memory_ratio": "<= 1.5",
    "admin_seat_changelist_queries": "20 == 200",
    "oidc_authorize_extra_queries": "<= 3",
    "logout_fanout_seconds_1000x3": "<= 60, all 3000 delivered",
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
    parser.add_argument("--child", choices=["reap", "clearsessions"], help=argparse.SUPPRESS)
    return parser.parse_args()


def child(kind: str) -> None:
    common.setup_django(os.environ[common.BENCH_DB_ENV])
    from bench import reaping

    print(json.dumps(reaping.CHILDREN[kind]()))


def verdicts(figures: dict[str, object]) -> dict[str, bool]:
    return {
        "claim_overhead_ratio": figures["claim_overhead_ratio"] <= 1.15,
        "claim_lock_hold_ms_p50": figures["claim_lock_hold_ms_p50"] <= 5,
        "claim_cost_ratio_20000_vs_20": figures["claim_cost_ratio_20000_vs_20"] <= 1.1,
        "extra_queries_per_request": figures["extra_queries_per_request"] == 0,
        "request_overhead_ratio": figures["request_overhead_ratio"] <= 1.05,
        "reap_vs_clearsessions_ratio": figures["reap_vs_clearsessions_ratio"] <= 2.0,
        "reap_memory_ratio": figures["reap_memory_ratio"] <= 1.5,
        "admin_seat_changelist_queries": figures["admin_seat_changelist_queries_20"]
        == figures["admin_seat_changelist_queries_200"],
        "oidc_authorize_extra_queries": figures["oidc_authorize_extra_queries"] <= 3,
        "logout_fanout_seconds_1000x3": figures["logout_fanout_seconds_1000x3"] <= 60
        and figures["logout_fanout_delivered"] == 3000,
    }


def main() -> int:
    args = parse_args()
    if args.child:
        child(args.child)
        return 0
    small = args.small or (10_000 if args.n > 10_000 else max(100, args.n // 10))
    database = common.create_bench_database(keep=args.keep)
    started = time.perf_counter()
    try:
        common.setup_django(database.url)
        from bench import admin_queries, claims, logout_fanout, oidc, reaping, requests_overhead

        common.log(f"bench database: {database.vendor}; migrating")
        common.migrate()
        figures: dict[str, object] = {"db": database.vendor, "n": args.n, "rounds": args.rounds}
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
    finally:
        from django.db import connections

        connections.close_all()
        database.cleanup()
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
