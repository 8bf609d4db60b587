"""Pages, API answers and exports are sent gzipped to a client that accepts it
(config/middleware.py), text only, and unzip to exactly what an uncompressing client gets;
COMPRESS_RESPONSES=0 leaves the compressing to a proxy in front."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from typing import Any

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

from api.models import ApiToken
from complaints.defaults import create_default_standard
from complaints.models import Service
from config.middleware import CompressText
from tests.conftest import MONDAY_9_WIB

BROWSER = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd"}
# Masked afresh in every response, so two responses of one form differ only here.
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY_9_WIB + dt.timedelta(hours=1), tick=False):
        yield


@pytest.fixture
def catalogue(world: Any) -> None:
    """Forty services, so the form's list of standards and the lists are of some size."""
    for i in range(40):
        service = Service.objects.create(agency=world.agency, code=f"layanan-{i}",
                                         name=f"Layanan nomor {i}")
        create_default_standard(service, effective_from=dt.date(2020, 1, 1))


def content(response: Any) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def unzipped(response: Any) -> bytes:
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    return gzip.decompress(content(response))


@pytest.mark.parametrize("path", ["/ajukan/", "/api/v1/services/",
                                  "/open311/v2/services.json"])
def test_a_page_is_sent_gzipped_and_unzips_to_the_same_page(catalogue, path):
    plain = Client().get(path)
    zipped = Client().get(path, **BROWSER)

    assert not plain.has_header("Content-Encoding")
    assert CSRF.sub(b"", unzipped(zipped)) == CSRF.sub(b"", content(plain))
    assert len(content(zipped)) * 8 < len(content(plain))


def test_an_export_streams_gzipped_and_unzips_to_the_same_file(world, submit):
    for i in range(30):
        submit(title=f"Keluhan nomor {i}")
    _token, secret = ApiToken.issue(world.ombudsman, "tests")
    client = Client(HTTP_AUTHORIZATION=f"Token {secret}")
    plain = content(client.get("/api/v1/exports/complaints.csv"))
    zipped = client.get("/api/v1/exports/complaints.csv", **BROWSER)

    assert zipped.streaming
    assert unzipped(zipped) == plain
    assert plain.count(b"\n") == 31  # the header and 30 complaints


@pytest.mark.parametrize(("content_type", "compressed"), [
    ("text/html; charset=utf-8", True),
    ("text/csv; charset=utf-8", True),
    ("application/json", True),
    ("application/x-ndjson; charset=utf-8", True),
    ("application/problem+json", True),
    ("image/png", False),
    ("application/pdf", False),
    ("application/zip", False),
])
def test_only_text_is_compressed(content_type, compressed):
    middleware = CompressText(lambda request: HttpResponse(b"a" * 1000,
                                                           content_type=content_type))
    response = middleware(RequestFactory().get("/", **BROWSER))

    assert response.has_header("Content-Encoding") is compressed
    assert (len(response.content) < 1000) is compressed


@override_settings(COMPRESS_RESPONSES=False)
def test_off_leaves_the_compressing_to_a_proxy(catalogue):
    response = Client().get("/ajukan/", **BROWSER)

    assert not response.has_header("Content-Encoding")
    assert b"<form" in content(response)
