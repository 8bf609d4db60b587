"""Autovacuum visits the complaint table after 2 % of it changed, not PostgreSQL's 20 %.

The queue indexes cover their pages and counts (0003, 0004), and an index-only scan still
reads the table for every page that is not marked all-visible, which only a vacuum marks.
By default autovacuum waits for a fifth of the table: at a million complaints, 200,000
submissions or transitions, months of a province's work, while the queues' counts go back
to the table a row at a time (docs/performance.md, finding 9). Other databases have no
such setting.
"""

from django.db import migrations

SETTINGS = {"autovacuum_vacuum_scale_factor": "0.02",
            "autovacuum_vacuum_insert_scale_factor": "0.02"}


def _table(apps, schema_editor):
    return schema_editor.quote_name(apps.get_model("complaints", "Complaint")._meta.db_table)


def set_options(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        options = ", ".join(f"{name} = {value}" for name, value in SETTINGS.items())
        schema_editor.execute(f"ALTER TABLE {_table(apps, schema_editor)} SET ({options})")


def reset_options(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {_table(apps, schema_editor)} RESET ({', '.join(SETTINGS)})")


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0004_covering_assignee_queue"),
    ]

    operations = [
        migrations.RunPython(set_options, reset_options, elidable=False),
    ]
