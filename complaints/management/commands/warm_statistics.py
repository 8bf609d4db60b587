from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from config.warming import warm_public_statistics


class Command(BaseCommand):
    help = ("Compute the public statistics without filters (the page and GET /api/v1/stats/) "
            "if they are missing or go stale within --ahead seconds; sla_worker does this "
            "each pass when STATISTICS_WARM is on.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ahead", type=float, default=0.0,
                            help="also compute figures that go stale within this many seconds")

    def handle(self, *args: Any, ahead: float, **options: Any) -> None:
        computed = warm_public_statistics(ahead_seconds=ahead)
        self.stdout.write("warm_statistics: " + (f"computed {', '.join(computed)}" if computed
                                                 else "nothing missing or going stale"))
