from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

import pybreaker
import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient

from games_project.catalog.client import reset_client
from games_project.catalog.gateway import local_index
from games_project.identity.jwks import reset_jwks
from scripts.catalog_stub.catalog import catalog
from scripts.catalog_stub.server import CatalogStub
from tests.support.clock import FakeClock
from tests.support.identity import IdentityProvider


@pytest.fixture(scope="session")
def stub() -> Iterator[CatalogStub]:
    server = CatalogStub(port=0).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def identity() -> Iterator[IdentityProvider]:
    provider = IdentityProvider(
        issuer=django_settings.JWT_ISSUER, audience=django_settings.JWT_AUDIENCE
    )
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def _isolated_upstream_and_cache(
    settings: Any, stub: CatalogStub, identity: IdentityProvider
) -> Iterator[None]:
    settings.GAMES_API_BASE_URL = stub.api_url
    settings.USERS_JWKS_URL = identity.url
    # Tests make many upstream calls in a row; the limiter has its own test.
    settings.GAMES_API_RATE_PER_SECOND = 1000
    stub.reset()
    cache.delete_pattern("*")  # only this test settings' key prefix
    reset_client()
    reset_jwks()
    local_index.clear()
    yield
    reset_client()
    reset_jwks()
    local_index.clear()


@pytest.fixture
def breaker_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """pybreaker's clock (its ``datetime.now``), moved by the test instead of waiting."""
    clock = FakeClock()

    class Now(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return datetime.fromtimestamp(clock(), tz)

    monkeypatch.setattr(pybreaker, "datetime", Now)
    return clock


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def known_game(stub: CatalogStub) -> dict[str, Any]:
    return catalog(stub.url)[0]


@pytest.fixture
def unknown_game_id(stub: CatalogStub) -> int:
    ids = {g["id"] for g in catalog(stub.url)}
    return next(n for n in range(1, 10_000) if n not in ids)


@pytest.fixture
def user_id() -> uuid.UUID:
    return uuid.uuid4()
