"""Staff sign-in: the session's user is read with their grants in one query
(complaints.backends.StaffBackend)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.backends import StaffBackend
from workflow.permissions import GRANTS_READ, Actor


@pytest.mark.parametrize("persona", ["coordinator", "officer", "ombudsman", "administrator"])
def test_the_user_comes_with_their_grants(world, persona, django_assert_num_queries):
    user = getattr(world, persona)
    with django_assert_num_queries(1):
        signed_in = StaffBackend().get_user(user.pk)
        grants = Actor.staff(signed_in).grants
    assert signed_in == user and hasattr(signed_in, GRANTS_READ)
    assert sorted(grants, key=repr) == sorted(Actor.staff(get_user_model().objects.get(
        pk=user.pk)).grants, key=repr)


def test_no_user_for_an_unknown_or_inactive_one(world):
    assert StaffBackend().get_user(10**9) is None
    world.officer.is_active = False
    world.officer.save()
    assert StaffBackend().get_user(world.officer.pk) is None


def test_a_signed_in_page_reads_the_user_once(world, client):
    client.force_login(world.officer)
    queue = reverse("staff:queue")
    assert client.get(queue).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(queue)
    about_people = [sql for sql in (q["sql"] for q in queries.captured_queries)
                    if 'FROM "auth_user"' in sql or 'FROM "complaints_membership"' in sql]
    assert len(about_people) == 1
