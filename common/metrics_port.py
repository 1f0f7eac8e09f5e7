"""The web processes' metrics on a port of their own (``WEB_METRICS_PORT``,
bound by ``infra/gunicorn.conf.py``). ``SERVER_PORT`` is the listener's port,
so this middleware answers ``/metrics`` and ``/metrics/ops`` there and only
there, before the Host and HTTPS checks (Prometheus scrapes a pod by address,
over plain HTTP); ``METRICS_ALLOWED_NETWORKS`` still applies.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from common.api.errors import json_not_found
from common.metrics import metrics_view
from common.ops.views import ops_metrics_view

# By path, the trailing slash optional as in common/urls.py.
METRICS_VIEWS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/metrics": metrics_view,
    "/metrics/ops": ops_metrics_view,
}


class MetricsPortMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        port = settings.WEB_METRICS_PORT
        if not port:
            return self.get_response(request)
        handler = METRICS_VIEWS.get(request.path_info.removesuffix("/"))
        if request.META.get("SERVER_PORT") == str(port):
            if handler is None or request.method not in {"GET", "HEAD"}:
                return json_not_found(request)
            return handler(request)
        if handler is not None:
            return json_not_found(request)
        return self.get_response(request)
