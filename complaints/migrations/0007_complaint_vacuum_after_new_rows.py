"""Autovacuum visits the complaint table after every 1,000 new complaints, not after 2 % of
the table (0005).

The coordinator's queue of new complaints is the newest rows of the table, which are the
ones no vacuum has marked all-visible yet, so its count and page go back to the table for
each of them: at a million complaints, 20,000 submissions between two vacuums, the whole
backlog. After 7,000 submissions the queue's page took 17.1 ms, and 13.5 ms once
vacuumed; a vacuum after 1,000 new complaints took 0.26 s (docs/performance.md, finding
20). Updates still wait for 2 %.
"""

from django.db import migrations

from config.autovacuum import vacuum_after_new_rows


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0006_text_search_trigram"),
    ]

    operations = [
        vacuum_after_new_rows("complaints", "Complaint"),
    ]
