from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from config.warming import warm_public_statistics
from workflow.delivery import deliver_pending
from workflow.sweeper import sweep

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("Run the sweeper, deliver notifications and keep the public statistics computed, "
            "in a loop (any number may run at once).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=30.0,
                            help="seconds between passes (default 30)")
        parser.add_argument("--passes", type=int, default=0,
                            help="stop after this many passes (default: run until stopped)")

    def handle(self, *args: Any, interval: float, passes: int, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"sla_worker: a pass every {interval:g}s")
        done = 0
        while not stop.is_set():
            close_old_connections()
            try:
                swept = sweep(now=timezone.now())
                sent = deliver_pending(now=timezone.now())
                if swept or any(sent.values()):
                    log.info("sla_worker: %s %s", dict(swept), sent)
                if settings.STATISTICS_WARM:
                    # Before the next pass finds them stale: no visitor computes them.
                    warm_public_statistics(ahead_seconds=interval)
            except Exception:  # noqa: BLE001 - a worker survives a bad pass and tries again
                log.exception("sla_worker: pass failed")
            done += 1
            if passes and done >= passes:
                break
            stop.wait(interval)
