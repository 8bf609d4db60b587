from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from workflow.delivery import deliver_pending
from workflow.sweeper import sweep


class Command(BaseCommand):
    help = "One sweeper pass: warnings, breach escalations, time-driven transitions, mail."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        done = sweep(now=now)
        sent = deliver_pending(now=timezone.now())
        counts = sorted((k, v) for k, v in (dict(done) | sent).items() if v)
        summary = ", ".join(f"{k} {v}" for k, v in counts) or "nothing due"
        self.stdout.write(f"sla_sweep at {now:%Y-%m-%d %H:%M:%S}Z: {summary}")
