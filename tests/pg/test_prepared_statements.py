"""On PostgreSQL a statement run more than once on a connection is prepared (planned once
for it): config.env.postgres_options, as deployed."""

from __future__ import annotations

import pytest
from django.db import connection

from complaints.models import Complaint

pytestmark = pytest.mark.postgres


def prepared_count(sql_start: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans + custom_plans FROM pg_prepared_statements "
                       "WHERE statement LIKE %s", [sql_start + "%"])
        row = cursor.fetchone()
    return row[0] if row else 0


def test_a_statement_run_again_is_prepared(db):
    by_number = Complaint.objects.filter(tracking_number="NOPE0-00000").values_list("pk")
    sql = str(by_number.query).split(" FROM ")[0]
    assert prepared_count(sql) == 0
    for number in ("AAAAA-00000", "BBBBB-11111", "CCCCC-22222", "DDDDD-33333"):
        assert not Complaint.objects.filter(tracking_number=number).values_list("pk")
    # Parameters are bound by the server: one statement for the four numbers, prepared
    # once it had run twice, then run prepared.
    assert prepared_count(sql) == 2
