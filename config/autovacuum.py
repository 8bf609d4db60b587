"""When autovacuum visits the tables the covering indexes serve.

An index-only scan still reads the table for every page not marked all-visible, and only a
vacuum marks pages. By default autovacuum waits for a fifth of a table: at a million
complaints, months of a province's work, while the reads the covering indexes were built
for go back to the table a row at a time (docs/performance.md, findings 9 and 16). New rows
matter most: a coordinator's queue of new complaints is the newest rows, so a vacuum that
waits for a share of the table leaves that whole queue unmarked (finding 20). Other
databases have no such setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import migrations

# After 2 % of the table changed, not 20 %.
OFTEN = {"autovacuum_vacuum_scale_factor": "0.02",
         "autovacuum_vacuum_insert_scale_factor": "0.02"}
# After every 1,000 new rows, whatever the size of the table.
AFTER_NEW_ROWS = {"autovacuum_vacuum_insert_threshold": "1000",
                  "autovacuum_vacuum_insert_scale_factor": "0"}


def table_options(app_label: str, model_name: str, options: Mapping[str, str | None],
                  previous: Mapping[str, str | None]) -> migrations.RunPython:
    """A migration operation setting `options` on the model's table (on PostgreSQL), and
    back to `previous` (None: the server's default) when it is reversed."""

    def apply(values: Mapping[str, str | None]) -> Any:
        def run(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor != "postgresql":
                return
            model = apps.get_model(app_label, model_name)
            table = schema_editor.quote_name(model._meta.db_table)
            given = {name: value for name, value in values.items() if value is not None}
            if given:
                settings = ", ".join(f"{name} = {value}" for name, value in given.items())
                schema_editor.execute(f"ALTER TABLE {table} SET ({settings})")
            if defaults := [name for name, value in values.items() if value is None]:
                schema_editor.execute(f"ALTER TABLE {table} RESET ({', '.join(defaults)})")
        return run

    return migrations.RunPython(apply(options), apply(previous), elidable=False)


def vacuum_often(app_label: str, model_name: str) -> migrations.RunPython:
    return table_options(app_label, model_name, OFTEN, dict.fromkeys(OFTEN))


def vacuum_after_new_rows(app_label: str, model_name: str) -> migrations.RunPython:
    return table_options(app_label, model_name, AFTER_NEW_ROWS, {
        "autovacuum_vacuum_insert_threshold": None,
        "autovacuum_vacuum_insert_scale_factor": OFTEN["autovacuum_vacuum_insert_scale_factor"],
    })
