"""The clocks the deadline-status filter looks for, in an index of their own; and the clock
table vacuumed after 2 % of it changed, as the complaint table is (complaints 0005).

`sla_status=breached` (the dashboard's link to breached complaints, the supervisor's queue
of those at risk) tests each complaint of the scope for such a clock: for a coordinator of
18,000 open complaints at a million, 18,000 lookups among all their clocks, each read from
the table (86 ms per statement). Only clocks stopped late or still running can be breached,
at risk or running: a sixth of them, 50 MB at a million, holding what their status is
decided by and their name, so the lookups are index-only once a vacuum has marked the pages
(docs/performance.md, finding 16). Building it took about a second there, concurrently on
PostgreSQL so that writes to clocks go on meanwhile (config.online_indexes).
"""

from django.db import migrations, models

from config.autovacuum import vacuum_often
from config.online_indexes import AddIndexOnline


class Migration(migrations.Migration):
    # Built concurrently on PostgreSQL (config.online_indexes).
    atomic = False

    dependencies = [
        ('complaints', '0006_text_search_trigram'),
        ('workflow', '0002_first_respond_index'),
    ]

    operations = [
        AddIndexOnline(
            model_name='clock',
            index=models.Index(condition=models.Q(('stopped_at__gt', models.F('due_at')), models.Q(('paused_at__isnull', True), ('stopped_at__isnull', True)), _connector='OR'), fields=['complaint'], include=('name', 'due_at', 'warn_at', 'stopped_at', 'paused_at'), name='clock_late_or_running'),
        ),
        vacuum_often('workflow', 'Clock'),
    ]
