"""Verify the audit hash chains: of every complaint, or of the tracking numbers given."""

from __future__ import annotations

import itertools
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Exists, F, OuterRef

from complaints.identifiers import normalize_tracking_number
from complaints.models import Complaint
from workflow.audit import verify_events
from workflow.models import Event


class Command(BaseCommand):
    help = "Recompute the audit event hash chains and report the first broken event."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tracking_numbers", nargs="*", metavar="TRACKING_NUMBER")

    def handle(self, *args: Any, tracking_numbers: list[str], **options: Any) -> None:
        complaints = Complaint.objects.all()
        events = Event.objects.all()
        if tracking_numbers:
            wanted = [normalize_tracking_number(n) or n for n in tracking_numbers]
            complaints = complaints.filter(tracking_number__in=wanted)
            missing = set(wanted) - set(complaints.values_list("tracking_number", flat=True))
            if missing:
                raise CommandError(f"Unknown tracking number: {', '.join(sorted(missing))}")
            events = events.filter(complaint__in=complaints)
        # One pass over the events in chain order, each with its complaint's tracking number:
        # memory stays the same whatever the number of complaints.
        chains = itertools.groupby(
            events.annotate(tracking_number=F("complaint__tracking_number"))
            .order_by("complaint_id", "seq").iterator(2000),
            key=lambda event: (event.complaint_id, event.tracking_number))
        reports = itertools.chain(
            (verify_events(number, group) for (_pk, number), group in chains),
            # Complaints that have no event left at all: the pass above never meets them.
            (verify_events(number, ()) for number in complaints.filter(
                ~Exists(Event.objects.filter(complaint=OuterRef("pk"))))
             .values_list("tracking_number", flat=True).iterator(2000)))
        checked = total = 0
        broken = []
        # In a transaction, PostgreSQL streams the events to the cursor instead of first
        # materialising all of them for a cursor that outlives it.
        with transaction.atomic():
            for report in reports:
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
