"""Autovacuum visits the clock table after every 1,000 new clocks, as the complaint table
(complaints 0007): the clocks a deadline filter looks for in `clock_late_or_running` are
mostly the running ones, the newest rows (docs/performance.md, finding 20)."""

from django.db import migrations

from config.autovacuum import vacuum_after_new_rows


class Migration(migrations.Migration):

    dependencies = [
        ("workflow", "0003_clock_late_or_running"),
    ]

    operations = [
        vacuum_after_new_rows("workflow", "Clock"),
    ]
