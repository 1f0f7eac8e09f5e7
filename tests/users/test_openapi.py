"""The OpenAPI document describes every endpoint with its error responses; the
AsyncAPI document beside it, the events."""

from __future__ import annotations

import pytest
from django.test import Client

from common.asyncapi import DOCUMENT
from tests.support.asyncapi import documented_consumers
from users_project.consumers import CONSUMERS

pytestmark = pytest.mark.django_db


def test_every_endpoint_is_documented_with_its_errors(client: Client) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    expected = {
        ("/users/", "post"): {"201", "400", "429"},
        ("/users/{id}/", "get"): {"200", "401", "403", "404"},
        ("/users/{id}/", "put"): {"200", "400", "401", "403", "404", "429"},
        ("/users/{id}/", "patch"): {"200", "400", "401", "403", "404", "429"},
        ("/users/{id}/", "delete"): {"204", "401", "403", "404"},
        ("/users/{id}/read/", "get"): {"200", "400", "401", "403", "404"},
        ("/auth/login/", "post"): {"200", "400", "401", "429"},
        ("/auth/refresh/", "post"): {"200", "400", "401"},
        ("/auth/logout/", "post"): {"204", "401"},
        ("/auth/auth-test/", "get"): {"200", "401"},
        ("/.well-known/jwks.json", "get"): {"200"},
    }
    normalised = {
        path.rstrip("/") + "/" if not path.endswith(".json") else path: ops
        for path, ops in paths.items()
    }
    for (path, method), codes in expected.items():
        assert path in normalised, f"{path} missing from {sorted(normalised)}"
        assert codes <= set(normalised[path][method]["responses"]), (path, method)
    assert "Error" in schema["components"]["schemas"]


def test_the_event_api_is_served_beside_the_openapi_document_to_anyone(client: Client) -> None:
    response = client.get("/api/asyncapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == DOCUMENT.read_bytes()


def test_the_documented_consumers_of_users_are_its_consumer_registry() -> None:
    assert documented_consumers("users") == {
        (spec.group_id, frozenset(spec.topics)) for spec in CONSUMERS.values()
    }
