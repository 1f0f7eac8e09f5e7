"""What both services' HTTP layers share: request ids, the error shape,
health and readiness, the OpenAPI document."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client, override_settings
from prometheus_client import REGISTRY
from rest_framework import serializers

from common.api import health
from common.api.health import reset_readiness_cache
from common.api.serializers import FlatAnswerMixin
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


def test_a_database_that_cannot_be_reached_is_a_503_in_the_error_shape(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable() -> dict[str, str]:
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_readiness", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "database_unavailable"


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


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/api/schema", "/api/docs"])
def test_shared_paths_answer_with_and_without_the_trailing_slash(client: Client, path: str) -> None:
    without, with_slash = client.get(path), client.get(f"{path}/")
    assert without.status_code == with_slash.status_code == 200
    assert without["Content-Type"] == with_slash["Content-Type"]


@override_settings(METRICS_ALLOWED_NETWORKS=["127.0.0.0/8", "10.0.0.0/8"])
@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"REMOTE_ADDR": "127.0.0.1"}, 200),
        ({"REMOTE_ADDR": "10.3.4.5"}, 200),
        ({"REMOTE_ADDR": "::ffff:10.3.4.5"}, 200),
        ({"REMOTE_ADDR": "203.0.113.9"}, 404),
        ({"REMOTE_ADDR": "::ffff:203.0.113.9"}, 404),
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, 404),
        ({"REMOTE_ADDR": "10.3.4.5", "HTTP_FORWARDED": "for=203.0.113.9"}, 404),
    ],
    ids=[
        "loopback",
        "cluster",
        "cluster, IPv4-mapped (dual-stack listener)",
        "public",
        "public, IPv4-mapped",
        "through a proxy",
        "through a proxy (RFC 7239)",
    ],
)
@pytest.mark.parametrize("path", ["/metrics", "/metrics/ops"])
def test_metrics_in_production_answer_only_direct_internal_scrapers(
    client: Client, extra: dict[str, str], status: int, path: str
) -> None:
    assert client.get(path, **extra).status_code == status


@override_settings(METRICS_ALLOWED_NETWORKS=["10.0.0.1/8"])
def test_a_metrics_network_written_with_host_bits_is_read_as_its_network(client: Client) -> None:
    # As TRUSTED_PROXY_NETWORKS: never a 500 on every scrape.
    assert client.get("/metrics", REMOTE_ADDR="10.3.4.5").status_code == 200


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz/?$"])
def test_with_ssl_redirect_plain_http_goes_to_https_except_the_probes(client: Client) -> None:
    response = client.get("/api/schema/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/schema/", secure=True).status_code == 200


@pytest.mark.parametrize("project", ["users", "games"])
def test_production_security_settings_come_from_the_environment(project: str) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, "
        "s.METRICS_ALLOWED_NETWORKS, s.DEBUG)"
    )
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": f"{project}_project.settings.production",
        f"{project.upper()}_DJANGO_SECRET_KEY": "not-a-real-secret",
    }
    defaults = subprocess.run(
        [sys.executable, "-c", code], env=base_env, capture_output=True, text=True, check=True
    ).stdout.split(" ", 3)
    assert defaults[:3] == ["True", "31536000", "None"]
    assert "127.0.0.0/8" in defaults[3] and defaults[3].strip().endswith("False")
    changed = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **base_env,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_HSTS_SECONDS": "60",
            "DJANGO_TRUST_X_FORWARDED_PROTO": "true",
            "METRICS_ALLOWED_NETWORKS": "192.0.2.0/24",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert changed.startswith("False 60 ('HTTP_X_FORWARDED_PROTO', 'https') ['192.0.2.0/24']")


def test_a_malformed_metrics_network_stops_production_at_start_up() -> None:
    # Found at the first scrape instead, a typo would answer every scrape with a 500.
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "games_project.settings.production",
            "GAMES_DJANGO_SECRET_KEY": "not-a-real-secret",
            "METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,10.0.0.0/33",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and "10.0.0.0/33" in done.stderr


def test_a_flat_answer_renders_as_drfs_own_serializer_does() -> None:
    """``FlatAnswerMixin`` skips DRF's per-instance copy of the fields, not
    their rules: the same output, None included, as DRF's to_representation."""

    class Answer(FlatAnswerMixin, serializers.Serializer):
        id = serializers.UUIDField()
        count = serializers.IntegerField()
        name = serializers.CharField(allow_null=True)
        at = serializers.DateTimeField()

    for name in ("a name", None):
        thing = SimpleNamespace(id=uuid.uuid4(), count=3, name=name, at=datetime.now(UTC))
        drf = serializers.Serializer.to_representation(Answer(), thing)
        assert Answer(thing).data == drf
        assert drf["name"] == name and drf["at"].endswith("Z")
