"""Each complaint's first `respond` event, from an index of those events alone.

The statistics' time to first response looks up every answered complaint's first respond
event: at a million complaints (4.6 million events) that lookup was half of a cold
question's time. This index holds what it reads (27 MB at a million); building it took
1.3 s there, concurrently on PostgreSQL so that writes to events go on meanwhile
(config.online_indexes). docs/performance.md, finding 12.
"""

from django.conf import settings
from django.db import migrations, models

from config.online_indexes import AddIndexOnline


class Migration(migrations.Migration):
    # Built concurrently on PostgreSQL (config.online_indexes).
    atomic = False

    dependencies = [
        ('complaints', '0005_complaint_autovacuum'),
        ('workflow', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexOnline(
            model_name='event',
            index=models.Index(condition=models.Q(('action', 'respond')), fields=['complaint', 'seq'], include=('occurred_at',), name='event_first_respond'),
        ),
    ]
