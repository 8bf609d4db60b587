"""config.routers: writes go to the primary; reads go to the replica only inside the scope of
the exports and statistics, only for complaint data, and only when a replica is configured."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.views import View

from api.models import ApiToken
from complaints.models import Agency, Complaint
from config.routers import REPLICA, ReplicaRouter, reading_from_replica, replica_reads
from tests.deploy.conftest import replica_alias
from workflow.models import Clock, Event, Notification

DOMAIN_MODELS = [Complaint, Agency, Clock, Event, Notification]


@pytest.fixture
def replica():
    with replica_alias() as connection:
        yield connection


@pytest.mark.parametrize("model", DOMAIN_MODELS)
def test_reads_in_the_scope_go_to_the_replica(replica, model):
    with reading_from_replica():
        assert router.db_for_read(model) == REPLICA


@pytest.mark.parametrize("model", DOMAIN_MODELS)
def test_reads_outside_the_scope_go_to_the_primary(replica, model):
    assert router.db_for_read(model) == DEFAULT_DB_ALIAS


@pytest.mark.parametrize("model", DOMAIN_MODELS)
def test_writes_go_to_the_primary_in_the_scope_too(replica, model):
    assert router.db_for_write(model) == DEFAULT_DB_ALIAS
    with reading_from_replica():
        assert router.db_for_write(model) == DEFAULT_DB_ALIAS


@pytest.mark.parametrize("model", DOMAIN_MODELS)
def test_without_a_replica_every_read_goes_to_the_primary(model):
    with reading_from_replica():
        assert router.db_for_read(model) == DEFAULT_DB_ALIAS


@pytest.mark.parametrize("model", [get_user_model(), Session, ApiToken])
def test_sign_in_sessions_and_tokens_read_the_primary_in_the_scope(replica, model):
    # A revoked token or a deactivated user must be refused at once, not after the replica
    # has caught up.
    with reading_from_replica():
        assert router.db_for_read(model) == DEFAULT_DB_ALIAS


def test_the_scope_ends_with_its_block_and_nests(replica):
    with reading_from_replica():
        with reading_from_replica():
            assert router.db_for_read(Complaint) == REPLICA
        assert router.db_for_read(Complaint) == REPLICA
    assert router.db_for_read(Complaint) == DEFAULT_DB_ALIAS


def test_the_scope_ends_when_the_block_raises(replica):
    with pytest.raises(RuntimeError), reading_from_replica():
        raise RuntimeError("boom")
    assert router.db_for_read(Complaint) == DEFAULT_DB_ALIAS


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_on_the_primary_stay_there(replica):
    # The workflow locks rows and reads its own writes in its transaction, even if it were
    # ever called from the scope.
    with reading_from_replica():
        assert router.db_for_read(Complaint) == REPLICA
        with transaction.atomic():
            assert router.db_for_read(Complaint) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Complaint) == REPLICA


def test_the_replica_is_never_migrated():
    routes = ReplicaRouter()
    assert routes.allow_migrate(REPLICA, "complaints") is False
    assert routes.allow_migrate(DEFAULT_DB_ALIAS, "complaints") is None


def test_rows_from_the_replica_and_the_primary_may_be_related():
    complaint, user, elsewhere = Complaint(), get_user_model()(), Complaint()
    complaint._state.db, user._state.db, elsewhere._state.db = REPLICA, DEFAULT_DB_ALIAS, "other"
    routes = ReplicaRouter()
    assert routes.allow_relation(complaint, user) is True
    assert routes.allow_relation(complaint, elsewhere) is None


# --- the view decorator ----------------------------------------------------------------

def _route() -> str:
    return router.db_for_read(Complaint)


def test_a_decorated_view_function_reads_in_the_scope(replica):
    seen = []

    @replica_reads
    def view(request):
        seen.append(_route())
        return HttpResponse("ok")

    assert view(None).content == b"ok"
    assert seen == [REPLICA]
    assert _route() == DEFAULT_DB_ALIAS


def test_a_decorated_class_based_view_reads_in_the_scope(replica):
    seen = []

    @replica_reads
    class Figures(View):
        def get(self, request):
            seen.append(_route())
            return HttpResponse("ok")

    class MoreFigures(Figures):
        pass

    for view in (Figures, MoreFigures):
        assert view.as_view()(RequestFactory().get("/")).status_code == 200
    assert seen == [REPLICA, REPLICA]


def test_a_streamed_body_is_read_in_the_scope_but_the_server_is_not(replica):
    """The body of a streamed export is produced after the view returned: each step of it
    runs in the scope, and nothing between the steps does."""
    produced, between = [], []

    def rows():
        for n in range(3):
            produced.append(_route())
            yield f"{n}\n"

    @replica_reads
    def view(request):
        return StreamingHttpResponse(rows())

    response = view(None)
    assert produced == []
    chunks = []
    for chunk in response.streaming_content:
        between.append(_route())
        chunks.append(chunk)
    assert b"".join(chunks) == b"0\n1\n2\n"
    assert produced == [REPLICA] * 3
    assert between == [DEFAULT_DB_ALIAS] * 3
