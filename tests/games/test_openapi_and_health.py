"""The games service documents every endpoint and its events, and reports its readiness."""

from __future__ import annotations

import pytest
from django.test import Client

from common.asyncapi import DOCUMENT
from games_project.consumers import CONSUMERS
from tests.support.asyncapi import documented_consumers

pytestmark = pytest.mark.django_db


def test_every_endpoint_is_documented_with_its_errors(client: Client) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = {path.rstrip("/") + "/": ops for path, ops in schema["paths"].items()}
    expected = {
        ("/games/", "get"): {"200", "400", "503"},
        ("/games/", "post"): {"202", "400", "401", "403", "404", "429", "503"},
        ("/games/{id}/", "get"): {"200", "404", "503"},
        ("/healthz/", "get"): {"200"},
        ("/readyz/", "get"): {"200", "503"},
    }
    for (path, method), codes in expected.items():
        assert codes <= set(paths[path][method]["responses"]), (path, method)


def test_readyz_checks_database_kafka_and_redis(client: Client) -> None:
    body = client.get("/readyz").json()
    assert body == {"status": "ready", "checks": {"database": "ok", "kafka": "ok", "redis": "ok"}}


def test_the_event_api_is_served_beside_the_openapi_document_to_anyone(client: Client) -> None:
    response = client.get("/api/asyncapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == DOCUMENT.read_bytes()


def test_the_documented_consumers_of_games_are_its_consumer_registry() -> None:
    assert documented_consumers("games") == {
        (spec.group_id, frozenset(spec.topics)) for spec in CONSUMERS.values()
    }
