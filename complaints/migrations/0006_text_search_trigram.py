"""Trigram indexes for the text search of the queues, the API and the exports (`q`).

`q` keeps every complaint whose title or description contains each word, ignoring case
(`icontains`: `UPPER(column::text) LIKE UPPER('%word%')`). Without an index that read the
whole table: about 2 s at a million complaints, whether the word was in 40,000 complaints
or in none. A trigram index on the same expression serves the same LIKE (its matches are
rechecked, so the results do not change): a queue page of 3–17 ms for a rare word, 0.4 s
for one in 4 % of the complaints. At a million they take 60 MB (title) and 212 MB
(description) (docs/performance.md, finding 15). They are built concurrently on PostgreSQL,
so that writes to complaints go on meanwhile: about 80 s at a million (finding 44;
config.online_indexes). pg_trgm is a trusted extension: the database's owner may create
it. Words of fewer than three letters cannot use the index. Other databases scan, as before.
"""

from django.db import migrations

from config.online_indexes import drop_concurrently, drop_if_invalid, online

INDEXES = {"complaint_title_trgm": "title", "complaint_description_trgm": "description"}


def _table(apps, schema_editor):
    return schema_editor.quote_name(apps.get_model("complaints", "Complaint")._meta.db_table)


def create(apps, schema_editor):
    if not online(schema_editor):
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        drop_if_invalid(schema_editor, name)
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON "
                              f"{_table(apps, schema_editor)} "
                              f"USING gin (UPPER({column}::text) gin_trgm_ops)")


def drop(apps, schema_editor):
    if not online(schema_editor):
        return
    for name in INDEXES:
        drop_concurrently(schema_editor, name)


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY

    dependencies = [
        ("complaints", "0005_complaint_autovacuum"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
