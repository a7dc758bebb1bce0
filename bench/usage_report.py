"""Benchmark: a company's 30-day usage report among a large history of seats and refusals.

    DATABASE_URL=postgres://... python bench/usage_report.py --sessions 1000000 --denials 100000

Generates (or, with --reuse, keeps) companies whose slugs start with "bench-", with their users,
entitlements, seats, seat sessions and refusals spread over --days days, then times the 30-day
report (and the simulator, the recommendation and the ledger CSV) of the largest and of a typical
company. Progress goes to stderr; the last line on stdout is one JSON object with the figures.

PostgreSQL loads with COPY; other databases with bulk_create in chunks. Run migrations first
(`python manage.py migrate`), or pass --migrate.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foundry_licensing.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Company, User  # noqa: E402
from sessions_seats.models import (  # noqa: E402
    Entitlement,
    LicensePackage,
    LoginDenial,
    Seat,
    SeatSession,
)
from usage.ledger import ledger, ledger_csv_lines  # noqa: E402
from usage.periods import last_days, period_bounds  # noqa: E402
from usage.recommendation import recommendation  # noqa: E402
from usage.report import usage_report  # noqa: E402
from usage.simulator import simulate  # noqa: E402

PREFIX = "bench-"
CHUNK = 20_000
HOUR = datetime.timedelta(hours=1)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Loading ---------------------------------------------------------------------------------


def copy_rows(model, columns: list[str], rows: Iterable[tuple], label: str, total: int) -> int:
    """Load rows fast: COPY on PostgreSQL, bulk_create in chunks elsewhere; progress every chunk."""
    table = model._meta.db_table
    done = 0
    if is_postgres():
        with connection.cursor() as cursor:
            cols = ", ".join(f'"{c}"' for c in columns)
            with cursor.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    done += 1
                    if done % (5 * CHUNK) == 0:
                        log(f"  {label}: {done:,} / {total:,}")
    else:
        fields = [model._meta.get_field(c.removesuffix("_id")).attname for c in columns]
        batch = []
        for row in rows:
            batch.append(model(**dict(zip(fields, row, strict=True))))
            if len(batch) == CHUNK:
                model.objects.bulk_create(batch)
                done += len(batch)
                batch = []
                log(f"  {label}: {done:,} / {total:,}")
        model.objects.bulk_create(batch)
        done += len(batch)
    log(f"  {label}: {done:,} loaded")
    return done


def reset_sequence(model) -> None:
    if is_postgres():
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )


def wipe() -> None:
    """Remove earlier bench data (and only it), in SQL: a cascade through the ORM would crawl."""
    companies = list(Company.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
    if not companies:
        return
    log(f"Removing the previous bench data ({len(companies)} companies)…")
    seat, session = Seat._meta.db_table, SeatSession._meta.db_table
    ids = ", ".join(str(pk) for pk in companies)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{session}" WHERE seat_id IN '
            f'(SELECT id FROM "{seat}" WHERE company_id IN ({ids}))'
        )
        for model in (Seat, LoginDenial, Entitlement):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE company_id IN ({ids})')
        cursor.execute(f'DELETE FROM "{User._meta.db_table}" WHERE company_id IN ({ids})')
        cursor.execute(f'DELETE FROM "{Company._meta.db_table}" WHERE id IN ({ids})')


def generate(args: argparse.Namespace, now: datetime.datetime) -> dict[str, int]:
    rng = random.Random(args.seed)
    first_day = now - datetime.timedelta(days=args.days)

    # Companies of very different sizes: most are small, a few are large.
    sizes = [min(2000, 5 + int(rng.paretovariate(1.3) * 15)) for _ in range(args.companies)]
    with transaction.atomic():
        companies = Company.objects.bulk_create(
            Company(name=f"Bench {n}", slug=f"{PREFIX}{n}") for n in range(args.companies)
        )
        # Capacity of about one seat for eight people, so that the busiest days refuse some.
        package = LicensePackage.objects.order_by("seats").first()
        Entitlement.objects.bulk_create(
            Entitlement(
                company=c,
                package=package,
                quantity=max(1, size // 8 // package.seats),
                starts_on=(first_day - datetime.timedelta(days=1)).date(),
            )
            for c, size in zip(companies, sizes, strict=True)
        )
        users = User.objects.bulk_create(
            User(
                email=f"u{k}@{c.slug}.example",
                full_name=f"User {k}",
                company=c,
                password="!",  # unusable: nobody signs in as a bench user
            )
            for c, size in zip(companies, sizes, strict=True)
            for k in range(size)
        )
    log(f"{len(companies)} companies, {len(users):,} users (largest: {max(sizes)})")

    seats_wanted = int(args.sessions / (1 + args.second_device))
    per_user = seats_wanted / len(users)
    next_seat = (Seat.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    first_id = next_seat
    seats: list[tuple] = []
    sessions: list[tuple] = []

    def working_time(day: int) -> datetime.datetime:
        # Mostly office hours (UTC is the site zone here), a few at any time.
        hour = rng.gauss(9.5, 1.5) if rng.random() < 0.9 else rng.uniform(0, 24)
        return first_day.replace(hour=0, minute=0, second=0, microsecond=0) + datetime.timedelta(
            days=day, hours=min(max(hour, 0), 23.9)
        )

    for user in users:
        count = int(per_user) + (rng.random() < per_user - int(per_user))
        days = sorted(rng.sample(range(args.days - 1), min(count, args.days - 1)))
        for day in days:
            claimed = working_time(day)
            active = datetime.timedelta(hours=rng.uniform(0.2, 8))
            last = claimed + active
            roll = rng.random()
            if roll < 0.5:
                reason, released = "logout", last + datetime.timedelta(minutes=rng.uniform(0, 5))
            elif roll < 0.92:
                reason, released = (
                    "idle",
                    last + datetime.timedelta(minutes=30, seconds=rng.uniform(0, 60)),
                )
            elif roll < 0.97:
                reason, released = "expired", last + datetime.timedelta(hours=rng.uniform(1, 6))
            else:
                reason, released = "forced", last + datetime.timedelta(minutes=rng.uniform(1, 90))
            seat_id = next_seat
            next_seat += 1
            seats.append((seat_id, user.company_id, user.pk, claimed, released, reason))
            sessions.append((seat_id, f"bench{seat_id}a", claimed, last, released, reason, "bench"))
            if rng.random() < args.second_device:
                joined = claimed + active * rng.uniform(0, 0.8)
                sessions.append(
                    (seat_id, f"bench{seat_id}b", joined, last, released, reason, "bench phone")
                )
        # Some people are signed in right now (an open seat, the last one of theirs).
        if rng.random() < 0.1:
            claimed = now - datetime.timedelta(hours=rng.uniform(0.1, 6))
            seat_id = next_seat
            next_seat += 1
            seats.append((seat_id, user.company_id, user.pk, claimed, None, ""))
            sessions.append((seat_id, f"bench{seat_id}a", claimed, now, None, "", "bench"))

    # Rows arrive in time order in real life (ids grow with time, a company's rows are spread
    # over the whole table): load them so, or the planner sees an unrealistically clustered table.
    seats.sort(key=lambda row: row[3])
    new_id = {row[0]: pk for pk, row in enumerate(seats, start=first_id)}
    seats = [(new_id[row[0]], *row[1:]) for row in seats]
    sessions = sorted(((new_id[row[0]], *row[1:]) for row in sessions), key=lambda row: row[2])
    log(f"Loading {len(seats):,} seats (from id {first_id}) and {len(sessions):,} seat sessions…")
    started = time.perf_counter()
    by_company: dict[int, list[int]] = {}
    for user in users:
        by_company.setdefault(user.company_id, []).append(user.pk)
    company_weights = [len(by_company[c.pk]) for c in companies]
    with transaction.atomic():
        copy_rows(
            Seat,
            ["id", "company_id", "user_id", "claimed_at", "released_at", "release_reason"],
            seats,
            "seats",
            len(seats),
        )
        reset_sequence(Seat)
        copy_rows(
            SeatSession,
            [
                "seat_id",
                "session_key",
                "started_at",
                "last_activity",
                "ended_at",
                "end_reason",
                "user_agent",
            ],
            sessions,
            "seat sessions",
            len(sessions),
        )

        def denials() -> Iterator[tuple]:
            picks = rng.choices(companies, weights=company_weights, k=args.denials)
            rows = []
            for company in picks:
                at = working_time(rng.randrange(args.days - 1)) + datetime.timedelta(
                    minutes=rng.uniform(0, 60)
                )
                rows.append(
                    (company.pk, rng.choice(by_company[company.pk]), at, "seats_full", 3, 3)
                )
            yield from sorted(rows, key=lambda row: row[2])

        copy_rows(
            LoginDenial,
            ["company_id", "user_id", "at", "reason", "capacity", "seats_in_use"],
            denials(),
            "refusals",
            args.denials,
        )
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log(f"Loaded in {time.perf_counter() - started:.1f} s")
    return {"seats": len(seats), "sessions": len(sessions), "users": len(users)}


# --- Timing ----------------------------------------------------------------------------------


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(first run, best of `repeat` runs) in milliseconds, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(times[0], 1), round(min(times), 1), result


def measure(company: Company, start, end, repeat: int) -> dict[str, object]:
    first, best, report = timed(lambda: usage_report(company, start=start, end=end), repeat)
    sim_first, sim_best, simulation = timed(lambda: simulate(company, start=start, end=end), repeat)

    def csv_bytes() -> int:
        return sum(len(line) for line in ledger_csv_lines(ledger(company, start=start, end=end)))

    csv_ms, _, size = timed(csv_bytes, 1)
    return {
        "company": company.slug,
        "people": company.users.count(),
        "seats_in_period": Seat.objects.filter(
            company=company, claimed_at__gte=period_bounds(start, end)[0]
        ).count(),
        "report_ms_first": first,
        "report_ms_best": best,
        "simulate_ms_first": sim_first,
        "simulate_ms_best": sim_best,
        "ledger_csv_ms": csv_ms,
        "ledger_csv_bytes": size,
        "peak": report.peak,
        "refused": report.refused,
        "recommendation": recommendation(report, simulation),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000, help="seat sessions to generate")
    parser.add_argument("--denials", type=int, default=10_000, help="refusals to generate")
    parser.add_argument("--companies", type=int, default=300)
    parser.add_argument("--days", type=int, default=365, help="history length")
    parser.add_argument(
        "--second-device", type=float, default=0.2, help="share of seats with two devices"
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each function")
    parser.add_argument("--reuse", action="store_true", help="keep existing bench data if any")
    parser.add_argument("--migrate", action="store_true", help="run migrations first")
    args = parser.parse_args()

    if args.migrate:
        call_command("migrate", verbosity=0)
    now = timezone.now()
    counts: dict[str, int] = {}
    if not (args.reuse and Company.objects.filter(slug__startswith=PREFIX).exists()):
        wipe()
        started = time.perf_counter()
        counts = generate(args, now)
        counts["generate_s"] = round(time.perf_counter() - started, 1)

    bench = Company.objects.filter(slug__startswith=PREFIX).annotate(people=Count("users"))
    by_size = sorted(bench, key=lambda c: c.people)
    largest, typical = by_size[-1], by_size[len(by_size) // 2]
    start, end = last_days(30)
    figures = {
        "database": connection.vendor,
        "sessions_total": SeatSession.objects.count(),
        "seats_total": Seat.objects.count(),
        "denials_total": LoginDenial.objects.count(),
        **counts,
        "period": f"{start}..{end}",
        "largest": measure(largest, start, end, args.repeat),
        "typical": measure(typical, start, end, args.repeat),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
