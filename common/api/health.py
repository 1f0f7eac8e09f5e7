"""``/healthz`` (the process answers) and ``/readyz`` (its dependencies do:
each of ``READINESS_CHECKS``, dotted paths to functions that raise)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.module_loading import import_string
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.kafka.admin import wait_until_ready
from common.logging import get_logger

log = get_logger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_kafka() -> None:
    if not wait_until_ready(timeout=2):
        raise ConnectionError("no broker answered a metadata request")


def check_redis() -> None:
    cache.client.get_client().ping()  # type: ignore[attr-defined]


_ReadySerializer = inline_serializer(
    "Readiness",
    {
        "status": serializers.CharField(),
        "checks": serializers.DictField(child=serializers.CharField()),
    },
)


class _Probe(APIView):
    authentication_classes = []  # probes answer whatever Authorization header comes
    permission_classes = [AllowAny]
    throttle_classes = []


class HealthzView(_Probe):
    @extend_schema(
        responses={200: inline_serializer("Health", {"status": serializers.CharField()})},
        tags=["health"],
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


# Until when this process's last answer holds, and the answer: probes arriving
# within READYZ_CACHE_SECONDS reuse it, so anonymous callers cannot make each
# request open a Kafka admin client and a database round trip.
_last_readiness: tuple[float, dict[str, str]] | None = None


def _readiness() -> dict[str, str]:
    global _last_readiness
    if _last_readiness is not None and time.monotonic() < _last_readiness[0]:
        return _last_readiness[1]
    results: dict[str, str] = {}
    for name, path in settings.READINESS_CHECKS.items():
        try:
            import_string(path)()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001  any failure means "not ready"
            log.warning("readiness.check_failed", check=name, error=repr(exc))
            results[name] = f"unavailable: {type(exc).__name__}"
    _last_readiness = (time.monotonic() + settings.READYZ_CACHE_SECONDS, results)
    return results


def reset_readiness_cache() -> None:
    global _last_readiness
    _last_readiness = None


class ReadyzView(_Probe):
    @extend_schema(responses={200: _ReadySerializer, 503: _ReadySerializer}, tags=["health"])
    def get(self, request: Request) -> Response:
        results = _readiness()
        failed = [name for name, state in results.items() if state != "ok"]
        summary = f"unavailable: {', '.join(failed)}" if failed else "ready"
        return Response({"status": summary, "checks": results}, status=503 if failed else 200)
