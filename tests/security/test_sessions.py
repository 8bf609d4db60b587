"""Sessions (config.sessions): read by one statement, with Django's rules — an expired,
unknown or tampered session signs no one in, and its key is not taken over."""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.sessions import SessionStore

QUEUE = reverse("staff:queue")


def signed_in(world) -> tuple[Client, str]:
    client = Client()
    client.force_login(world.officer)
    return client, client.cookies["sessionid"].value


def test_a_session_is_read_by_one_statement(world):
    _client, key = signed_in(world)
    with CaptureQueriesContext(connection) as queries:
        data = SessionStore(key).load()
    assert data["_auth_user_id"] == str(world.officer.pk)
    assert len(queries) == 1


def test_a_signed_in_session_opens_the_staff_pages(world):
    client, _key = signed_in(world)
    assert client.get(QUEUE).status_code == 200


def test_an_expired_session_signs_no_one_in_and_its_key_is_not_kept(world):
    client, key = signed_in(world)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(QUEUE)
    assert response.status_code == 302 and reverse("staff:login") in response["Location"]
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None


def test_an_unknown_key_signs_no_one_in(world):
    client = Client()
    client.cookies["sessionid"] = "x" * 32
    assert client.get(QUEUE).status_code == 302
    assert SessionStore("x" * 32).load() == {}


def test_a_tampered_session_is_empty(world):
    client, key = signed_in(world)
    Session.objects.filter(session_key=key).update(session_data="not-signed-data")
    assert SessionStore(key).load() == {}
    assert client.get(QUEUE).status_code == 302


def test_signing_out_ends_the_session(world):
    client, key = signed_in(world)
    client.post(reverse("staff:logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert SessionStore(key).load() == {}
    assert client.get(QUEUE).status_code == 302
