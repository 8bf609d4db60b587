"""Autovacuum visits the complaint table after 2 % of it changed, not PostgreSQL's 20 %.

The queue indexes cover their pages and counts (0003, 0004), and an index-only scan still
reads the table for every page that is not marked all-visible, which only a vacuum marks.
By default autovacuum waits for a fifth of the table: at a million complaints, 200,000
submissions or transitions, months of a province's work, while the queues' counts go back
to the table a row at a time (docs/performance.md, finding 9). Other databases have no
such setting.
"""

from django.db import migrations

from config.autovacuum import vacuum_often


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0004_covering_assignee_queue"),
    ]

    operations = [
        vacuum_often("complaints", "Complaint"),
    ]
