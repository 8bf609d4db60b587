"""API tokens: issued once, stored hashed, revocable, by command and in the admin."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from api.authentication import user_for_api_key
from api.models import ApiToken
from complaints.identifiers import hash_token
from complaints.models import Membership
from workflow.permissions import Actor
from workflow.states import Role

URL = "/api/v1/complaints/"


def client_with(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_command_issues_a_token_that_works_and_is_stored_hashed(world):
    out = StringIO()
    call_command("api_token", "create", "ombudsman", "ORI pull", stdout=out, stderr=StringIO())
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert secret.startswith(token.prefix + ".")
    assert token.key_hash == hash_token(secret) and secret not in token.key_hash
    assert client_with(secret).get(URL).status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_revoked_token_is_refused(world):
    token, secret = ApiToken.issue(world.ombudsman, "x")
    call_command("api_token", "revoke", token.prefix, stdout=StringIO())
    response = client_with(secret).get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.parametrize("mangle", [
    lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),  # right prefix, wrong secret
    lambda s: "zzzzzzzz" + s[8:],                        # unknown prefix
    lambda s: s.split(".")[0],                           # no secret part
    lambda s: "x" * 500,                                 # absurd length
])
def test_tampered_tokens_are_refused(world, mangle):
    _token, secret = ApiToken.issue(world.ombudsman, "x")
    assert client_with(mangle(secret)).get(URL).status_code == 401


def test_token_of_an_inactive_user_is_refused(world):
    _token, secret = ApiToken.issue(world.ombudsman, "x")
    world.ombudsman.is_active = False
    world.ombudsman.save()
    assert client_with(secret).get(URL).status_code == 401


def test_command_refuses_unknown_users_and_prefixes(world):
    with pytest.raises(CommandError):
        call_command("api_token", "create", "nobody", "x", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("api_token", "revoke", "00000000", stdout=StringIO())


def test_command_lists_tokens_without_secrets(world):
    _token, secret = ApiToken.issue(world.ombudsman, "ORI pull")
    out = StringIO()
    call_command("api_token", "list", stdout=out)
    assert "ORI pull" in out.getvalue() and secret not in out.getvalue()


def test_admin_issues_a_token_and_shows_the_secret_once(world, client):
    client.force_login(world.administrator)
    response = client.post("/admin/api/apitoken/add/",
                           {"user": world.ombudsman.pk, "name": "Dari admin"}, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    secret = next(m for m in shown if token.prefix in m).split(": ")[1].split(" ")[0]
    assert token.key_hash == hash_token(secret)
    assert client_with(secret).get(URL).status_code == 200


@pytest.mark.parametrize("persona", ["coordinator", "officer", "ombudsman", "administrator"])
def test_the_tokens_user_comes_with_their_grants(world, persona, django_assert_num_queries):
    user = getattr(world, persona)
    _token, secret = ApiToken.issue(user, "x")
    user_for_api_key(secret)  # the first use records last_used_at
    with django_assert_num_queries(1):
        signed_in = user_for_api_key(secret)
        grants = Actor.staff(signed_in).grants
    assert signed_in == user
    # Every field as the ORM reads it: values and their types (booleans, aware instants).
    user.refresh_from_db()
    assert [(f.attname, getattr(signed_in, f.attname), type(getattr(signed_in, f.attname)))
            for f in user._meta.concrete_fields] == \
        [(f.attname, getattr(user, f.attname), type(getattr(user, f.attname)))
         for f in user._meta.concrete_fields]
    assert sorted(grants, key=repr) == sorted(Actor.staff(user).grants, key=repr)


def test_a_token_reads_every_membership_and_none(world):
    Membership.objects.create(user=world.officer, role=Role.SUPERVISOR, agency=world.agency)
    _token, secret = ApiToken.issue(world.officer, "x")
    assert {g.role for g in Actor.staff(user_for_api_key(secret)).grants} == \
        {Role.OFFICER, Role.SUPERVISOR}
    Membership.objects.filter(user=world.officer).delete()
    assert Actor.staff(user_for_api_key(secret)).grants == ()
