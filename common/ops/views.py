from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from common.api.errors import json_not_found
from common.metrics import metrics_allowed
from common.ops.status import OpsCollector

# One per process; its cache keeps scrapes from hammering the broker.
_registry = CollectorRegistry(auto_describe=False)
_registry.register(OpsCollector())


def ops_metrics_view(request: HttpRequest) -> HttpResponse:
    """``/metrics/ops``: the ``status`` figures for Prometheus, apart from
    ``/metrics`` since they ask the broker and the database (an outage never
    slows the request metrics); internal scrapers only, as ``/metrics``."""
    if not metrics_allowed(request):
        return json_not_found(request)
    return HttpResponse(generate_latest(_registry), content_type=CONTENT_TYPE_LATEST)
