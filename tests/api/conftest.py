from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.models import ApiToken


@pytest.fixture(autouse=True)
def fresh_throttles() -> None:
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def as_persona(world):
    """An API client authenticated with a fresh API token of the persona."""

    def make(persona: str) -> APIClient:
        client = APIClient()
        _token, secret = ApiToken.issue(getattr(world, persona), "tests")
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client

    return make


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]
