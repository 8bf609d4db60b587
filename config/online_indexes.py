"""Index changes that let writes through, for the migrations of the big tables (complaints,
their events and clocks).

A plain CREATE INDEX holds a lock that stops every INSERT and UPDATE of its table until the
index is built: at a million complaints, from a second to nearly a minute during which no
complaint can be submitted or moved (docs/performance.md, finding 44). On PostgreSQL these
operations build and drop indexes CONCURRENTLY instead, so a release can be migrated on a
live installation (docs/deploy.md, "Installing and upgrading"). On other databases they are
Django's own operations.

CONCURRENTLY cannot run in a transaction: a migration using them sets `atomic = False`, and
each step is committed on its own. A concurrent build that fails (cancelled, or a deadlock)
leaves an invalid index under its name, and a run stopped between steps leaves what it
built: the next run drops either and builds it again.
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError
from django.db.migrations.operations import AddIndex, AlterField
from django.db.models import Index


def online(schema_editor: Any) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    if schema_editor.connection.in_atomic_block:
        raise NotSupportedError("Concurrent index changes cannot run in a transaction: set "
                                "atomic = False on the migration.")
    return True


def build_concurrently(schema_editor: Any, model: Any, index: Index) -> None:
    drop_if_invalid(schema_editor, index.name)
    schema_editor.add_index(model, index, concurrently=True)


def drop_concurrently(schema_editor: Any, name: str) -> None:
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")


def drop_if_invalid(schema_editor: Any, name: str) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "WHERE c.relname = %s AND pg_table_is_visible(c.oid) "
                       "AND NOT i.indisvalid", [name])
        invalid = cursor.fetchone() is not None
    if invalid:
        drop_concurrently(schema_editor, name)


class AddIndexOnline(AddIndex):
    """AddIndex, built concurrently on PostgreSQL."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any,
                          to_state: Any) -> None:
        if not online(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            build_concurrently(schema_editor, model, self.index)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any,
                           to_state: Any) -> None:
        if not online(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)


class ReplaceIndexOnline(AddIndex):
    """The model's index of the same name made `index` (other columns, more included). On
    PostgreSQL the new one is built concurrently beside the old, which serves the queries
    meanwhile, then the old is dropped concurrently and the new takes its name."""

    def state_forwards(self, app_label: str, state: Any) -> None:
        state.remove_index(app_label, self.model_name_lower, self.index.name)
        super().state_forwards(app_label, state)

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any,
                          to_state: Any) -> None:
        self._replace(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any,
                           to_state: Any) -> None:
        self._replace(app_label, schema_editor, from_state, to_state)

    def _replace(self, app_label: str, schema_editor: Any, before: Any, after: Any) -> None:
        model = after.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        old = before.models[app_label, self.model_name_lower].get_index_by_name(self.index.name)
        new = after.models[app_label, self.model_name_lower].get_index_by_name(self.index.name)
        if not online(schema_editor):
            schema_editor.remove_index(model, old)
            schema_editor.add_index(model, new)
            return
        building = new.clone()
        building.name = f"{new.name}_new"
        # Left by a run stopped before the rename, whole or not: built again.
        drop_concurrently(schema_editor, building.name)
        schema_editor.add_index(model, building, concurrently=True)
        schema_editor.remove_index(model, old, concurrently=True)  # IF EXISTS
        schema_editor.execute(f"ALTER INDEX {schema_editor.quote_name(building.name)} "
                              f"RENAME TO {schema_editor.quote_name(new.name)}")

    def describe(self) -> str:
        return f"Replace index {self.index.name} on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"replace_{self.index.name.lower()}"


class DropFieldIndexOnline(AlterField):
    """AlterField to `db_index=False`, the field's own index dropped concurrently on
    PostgreSQL. Going back builds it with a plain CREATE INDEX."""

    def __init__(self, model_name: str, name: str, field: Any,
                 preserve_default: bool = True) -> None:
        if field.db_index:
            raise ValueError("DropFieldIndexOnline only takes a field's index away "
                             "(db_index=False)")
        super().__init__(model_name, name, field, preserve_default)

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any,
                          to_state: Any) -> None:
        if not online(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        field = model._meta.get_field(self.name)
        with schema_editor.connection.cursor() as cursor:
            constraints = schema_editor.connection.introspection.get_constraints(
                cursor, model._meta.db_table)
        for name, info in constraints.items():
            if (info["index"] and info["columns"] == [field.column] and not info["unique"]
                    and not info["primary_key"]):
                drop_concurrently(schema_editor, name)
