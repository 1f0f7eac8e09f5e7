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
    """``/metrics/ops``: the ``status`` figures (lag, outbox backlog, dead
    letters, dependency health) for Prometheus. Apart from ``/metrics`` since
    they ask the broker and the database: scraped less often, and an outage
    never slows the request metrics down. Like ``/metrics``, production
    answers only internal scrapers (``METRICS_ALLOWED_NETWORKS``)."""
    if not metrics_allowed(request):
        return json_not_found(request)
    return HttpResponse(generate_latest(_registry), content_type=CONTENT_TYPE_LATEST)
