"""Prometheus metrics: HTTP requests per view, ``/metrics`` (multiprocess when
``PROMETHEUS_MULTIPROC_DIR`` is set, for gunicorn's workers), ``/metrics/ops``,
and the web processes' metrics port; consumers and relays serve their own on
``--metrics-port``."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from wsgiref.simple_server import WSGIServer

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

from common.api.errors import json_not_found
from common.api.throttles import address_in
from common.logging import get_logger
from common.ops.status import OpsCollector

log = get_logger(__name__)

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by view, method and status",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by view",
    ["view", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Any other method (a client may invent one per request) is counted as "other".
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# One per process; its cache keeps scrapes from hammering the broker.
_ops_registry = CollectorRegistry(auto_describe=False)
_ops_registry.register(OpsCollector())


def metrics_view(request: HttpRequest, ops: bool = False) -> HttpResponse:
    """``/metrics``, or with ``ops`` the ``status`` figures (``/metrics/ops``, apart
    since they ask the broker and the database: an outage never slows the request
    metrics). Everyone may read them, unless ``METRICS_ALLOWED_NETWORKS`` is set
    (production only): then only direct requests (no proxy on the way) from those."""
    networks = getattr(settings, "METRICS_ALLOWED_NETWORKS", None)
    if networks is not None and (
        "HTTP_X_FORWARDED_FOR" in request.META
        or "HTTP_FORWARDED" in request.META
        or not address_in(request.META.get("REMOTE_ADDR", ""), networks)
    ):
        return json_not_found(request)
    if ops:
        registry = _ops_registry
    elif os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


# Whether a path is /metrics/ops, the trailing slash optional as in common/urls.py.
METRICS_PATHS = {"/metrics": False, "/metrics/ops": True}


class MetricsMiddleware:
    """With ``WEB_METRICS_PORT`` (bound by ``infra/gunicorn.conf.py``), the
    metrics answer on that port (``SERVER_PORT``) and only there, before the
    Host and HTTPS checks: Prometheus scrapes a pod by address, over plain HTTP.
    Every other request is counted and timed by view name (a raw path's ids
    would make unbounded label sets) and logged without query string or
    headers (secrets)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if port := settings.WEB_METRICS_PORT:
            ops = METRICS_PATHS.get(request.path_info.removesuffix("/"))
            if request.META.get("SERVER_PORT") == str(port):
                if ops is None or request.method not in {"GET", "HEAD"}:
                    return json_not_found(request)
                return metrics_view(request, ops)
            if ops is not None:
                return json_not_found(request)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match and match.view_name else "unmatched"
        method = request.method if request.method in KNOWN_METHODS else "other"
        HTTP_REQUESTS.labels(view, method, str(response.status_code)).inc()
        HTTP_LATENCY.labels(view, method).observe(elapsed)
        if view != "metrics":
            log.info(
                "http.request",
                method=request.method,
                path=request.path,
                view=view,
                status=response.status_code,
                duration_ms=round(elapsed * 1000, 1),
            )
        return response


def serve_metrics(port: int | None) -> WSGIServer | None:
    """Expose this process's metrics on ``METRICS_BIND_ADDRESS``:``port`` (workers only)."""
    if not port:
        return None
    server, _thread = start_http_server(port, addr=settings.METRICS_BIND_ADDRESS)
    log.info("metrics.serving", address=settings.METRICS_BIND_ADDRESS, port=port)
    return server
