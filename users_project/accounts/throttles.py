from __future__ import annotations

import hashlib

from django.core.cache import caches
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from common.logging import get_logger

log = get_logger(__name__)


class RedisOrLocalThrottle(SimpleRateThrottle):
    """Counts in Redis, shared by every process; while Redis is unreachable,
    counts in this process's memory instead, so logins neither fail nor go
    unthrottled."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, ConnectionError) as exc:
            log.warning("throttle.redis_unavailable_counting_locally", error=repr(exc))
            self.cache = caches["local"]
            return super().allow_request(request, view)


class LoginAddressThrottle(RedisOrLocalThrottle):
    """Login attempts per client address (REMOTE_ADDR unless proxies are trusted)."""

    scope = "login_address"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginEmailThrottle(RedisOrLocalThrottle):
    """Login attempts per target email, whatever address they come from, so a
    distributed guesser gets no more tries per account than a single one."""

    scope = "login_email"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        email = request.data.get("email") if isinstance(request.data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        # Hashed: the cache holds no email addresses.
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
