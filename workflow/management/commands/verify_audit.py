"""Verify the audit hash chains: of every complaint, or of the tracking numbers given."""

from __future__ import annotations

import itertools
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.identifiers import normalize_tracking_number
from complaints.models import Complaint
from workflow.audit import verify_events
from workflow.models import Event


class Command(BaseCommand):
    help = "Recompute the audit event hash chains and report the first broken event."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tracking_numbers", nargs="*", metavar="TRACKING_NUMBER")

    def handle(self, *args: Any, tracking_numbers: list[str], **options: Any) -> None:
        complaints = Complaint.objects.order_by("pk")
        if tracking_numbers:
            wanted = [normalize_tracking_number(n) or n for n in tracking_numbers]
            complaints = complaints.filter(tracking_number__in=wanted)
            missing = set(wanted) - set(complaints.values_list("tracking_number", flat=True))
            if missing:
                raise CommandError(f"Unknown tracking number: {', '.join(sorted(missing))}")
        numbers = dict(complaints.values_list("pk", "tracking_number"))
        # One pass over the events in chain order, grouped per complaint.
        events = (Event.objects.filter(complaint_id__in=numbers) if tracking_numbers
                  else Event.objects.all()).order_by("complaint_id", "seq").iterator(2000)
        checked = total = 0
        broken = []
        for complaint_id, group in itertools.groupby(events, key=lambda e: e.complaint_id):
            report = verify_events(numbers[complaint_id], group)
            checked += 1
            total += report.events
            if not report.ok:
                broken.append(report)
        for report in broken:
            self.stdout.write(
                f"BROKEN {report.tracking_number} at event {report.broken_seq}: {report.reason}"
            )
        if broken:
            raise CommandError(f"{len(broken)} of {checked} audit chains are broken.")
        self.stdout.write(f"OK: {checked} complaints, {total} events verified.")
