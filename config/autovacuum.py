"""Autovacuum after 2 % of a table changed, not PostgreSQL's 20 %.

An index-only scan still reads the table for every page not marked all-visible, and only a
vacuum marks pages. By default autovacuum waits for a fifth of a table: at a million
complaints, months of a province's work, while the reads the covering indexes were built
for go back to the table a row at a time (docs/performance.md, findings 9 and 16). Other
databases have no such setting.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SETTINGS = {"autovacuum_vacuum_scale_factor": "0.02",
            "autovacuum_vacuum_insert_scale_factor": "0.02"}


def vacuum_often(app_label: str, model_name: str) -> migrations.RunPython:
    """A migration operation setting SETTINGS on the model's table (on PostgreSQL)."""

    def table(apps: Any, schema_editor: Any) -> str:
        return schema_editor.quote_name(apps.get_model(app_label, model_name)._meta.db_table)

    def set_options(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            options = ", ".join(f"{name} = {value}" for name, value in SETTINGS.items())
            schema_editor.execute(f"ALTER TABLE {table(apps, schema_editor)} SET ({options})")

    def reset_options(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {table(apps, schema_editor)} RESET ({', '.join(SETTINGS)})")

    return migrations.RunPython(set_options, reset_options, elidable=False)
