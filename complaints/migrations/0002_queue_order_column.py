"""Complaint.next_due, the staff queues' urgency order, as a column kept by the workflow
(it was a subquery over every complaint of the scope), with the queue indexes ending in it."""

import datetime

from django.conf import settings
from django.db import migrations, models
from django.db.models import Min, OuterRef, Subquery
from django.db.models.functions import Coalesce

NO_DEADLINE = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)


def fill_next_due(apps, schema_editor):
    """What workflow.clocks.earliest_due gives, for every complaint that is not closed."""
    complaint_model = apps.get_model("complaints", "Complaint")
    clock_model = apps.get_model("workflow", "Clock")
    running = (clock_model.objects.filter(complaint=OuterRef("pk"), stopped_at__isnull=True,
                                          paused_at__isnull=True)
               .exclude(name__in=["info_wait", "reply_window"])
               .values("complaint").annotate(first=Min("due_at")).values("first"))
    complaint_model.objects.exclude(state="closed").update(
        next_due=Coalesce(Subquery(running), NO_DEADLINE))


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0001_initial'),
        ("workflow", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='complaint',
            name='complaint_agency_state',
        ),
        migrations.RemoveIndex(
            model_name='complaint',
            name='complaint_unit_state',
        ),
        migrations.RemoveIndex(
            model_name='complaint',
            name='complaint_assignee_state',
        ),
        migrations.AddField(
            model_name='complaint',
            name='next_due',
            field=models.DateTimeField(default=NO_DEADLINE, editable=False),
        ),
        migrations.RunPython(fill_next_due, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['agency', 'state', 'next_due'], name='complaint_agency_queue'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['unit', 'state', 'next_due'], name='complaint_unit_queue'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['assignee', 'state', 'next_due'], name='complaint_assignee_queue'),
        ),
    ]
