"""Django's database sessions, each request's session read by one statement written once.

Every signed-in request reads its session first. Django's store builds and compiles the same
ORM query for it each time, which cost about three times what PostgreSQL takes to run it
(docs/performance.md, finding 34). Writing, expiring and deleting sessions stay Django's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        """The session's data if its key exists and has not expired; otherwise an empty
        session, whose key is dropped (Django's rule: a new key is made when it is saved)."""
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        column = {field.name: quote(field.column) for field in model._meta.concrete_fields}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column['session_data']} FROM {quote(model._meta.db_table)} "
                f"WHERE {column['session_key']} = %s AND {column['expire_date']} > %s",
                [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])
