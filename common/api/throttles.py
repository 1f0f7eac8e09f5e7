"""Rate limits both services use: counted in Redis, shared by every process."""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from django.http import HttpRequest, JsonResponse
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from common.api.errors import error_body
from common.logging import get_logger

log = get_logger(__name__)


class RedisOrLocalThrottle(SimpleRateThrottle):
    """Counts in Redis, shared by every process; while Redis is unreachable,
    counts in this process's memory instead, so requests neither fail nor go
    unthrottled. Rates come from ``DEFAULT_THROTTLE_RATES`` when a request
    is checked (not when the class is imported)."""

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, ConnectionError) as exc:
            log.warning("throttle.redis_unavailable_counting_locally", error=repr(exc))
            self.cache = caches["local"]
            return super().allow_request(request, view)


def throttled_response(request: HttpRequest, *, wait: float | None) -> JsonResponse:
    """429 in the one error shape, for views outside DRF (the admin login)."""
    seconds = max(1, int(wait or 1))
    response = JsonResponse(
        error_body(
            status_code=429,
            code="throttled",
            message=f"Request was throttled. Expected available in {seconds} seconds.",
            request=request,
        ),
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
