from django.core.management.base import BaseCommand, CommandError, CommandParser

from sessions_seats import reaper


class Command(BaseCommand):
    help = (
        "Run the seat reaper once: end idle sessions, sessions whose Django session is gone, and "
        "sessions of companies without a valid license; print what was ended."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="Seat sessions ended per transaction (default: SEAT_REAPER_BATCH_SIZE).",
        )

    def handle(self, *args, batch_size: int | None, **options) -> None:
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        def progress(reason: str, so_far: int) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {reason}: {so_far} ended so far")

        report = reaper.reap_idle_seats(batch_size=batch_size, progress=progress)
        for reason, count in report.sessions.items():
            self.stdout.write(f"{reason:>8}: {count} sessions ended")
        self.stdout.write(self.style.SUCCESS(str(report)))
