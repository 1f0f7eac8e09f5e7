"""What both services' HTTP layers share: request ids, the error shape,
health and readiness, the OpenAPI document."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client, override_settings
from prometheus_client import REGISTRY

from common.api.health import reset_readiness_cache
from common.metrics import KNOWN_METHODS

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_request_id(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32


def test_a_safe_incoming_request_id_is_kept_and_an_unsafe_one_replaced(client: Client) -> None:
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n<script>")["X-Request-ID"]
    assert replaced != "bad id\n<script>" and len(replaced) == 32


def test_healthz_answers_with_and_without_the_trailing_slash(client: Client) -> None:
    for path in ("/healthz", "/healthz/"):
        assert client.get(path).json() == {"status": "ok"}


def test_readyz_reports_each_dependency(client: Client) -> None:
    response = client.get("/readyz/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok" and body["checks"]["kafka"] == "ok"


def test_readyz_names_the_part_that_failed(client: Client) -> None:
    with override_settings(KAFKA_BOOTSTRAP_SERVERS=["127.0.0.1:1"]):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["kafka"].startswith("unavailable")
    assert body["checks"]["database"] == "ok"
    assert "kafka" in body["status"]


CHECK_CALLS: list[float] = []


def counted_check() -> None:
    """A readiness check that only counts how often it ran."""
    CHECK_CALLS.append(time.monotonic())


@override_settings(
    READINESS_CHECKS={"counted": "tests.common.test_api_glue.counted_check"},
    READYZ_CACHE_SECONDS=60,
)
def test_readyz_answers_from_its_last_result_for_a_while(client: Client) -> None:
    CHECK_CALLS.clear()
    for _ in range(20):
        assert client.get("/readyz").json()["checks"] == {"counted": "ok"}
    assert len(CHECK_CALLS) == 1
    reset_readiness_cache()  # what the passing of READYZ_CACHE_SECONDS does
    client.get("/readyz")
    assert len(CHECK_CALLS) == 2


def test_the_readyz_cache_lasts_a_second_or_two_by_default() -> None:
    assert 1 <= settings.READYZ_CACHE_SECONDS <= 2


def _requests_counted(method: str) -> float:
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        if metric.name == "http_requests"
        for sample in metric.samples
        if sample.name == "http_requests_total" and sample.labels["method"] == method
    )


def test_invented_http_methods_are_counted_as_one_other_label(client: Client) -> None:
    before = _requests_counted("other")
    for n in range(5):
        client.generic(f"INVENTED{n}", "/healthz")
    assert _requests_counted("other") == before + 5
    assert all(_requests_counted(f"INVENTED{n}") == 0 for n in range(5))
    methods = {
        sample.labels["method"]
        for metric in REGISTRY.collect()
        if metric.name == "http_requests"
        for sample in metric.samples
    }
    assert methods <= KNOWN_METHODS | {"other"}


def test_unknown_paths_answer_with_the_json_error_shape(client: Client) -> None:
    response = client.get("/no/such/path", HTTP_X_REQUEST_ID="trace-1")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "status": 404,
            "code": "not_found",
            "message": "No such resource.",
            "request_id": "trace-1",
        }
    }


def test_the_openapi_document_and_its_ui_are_served(client: Client) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/healthz" in document["paths"] or "/healthz/" in str(document["paths"])
    assert client.get("/api/docs/").status_code == 200
